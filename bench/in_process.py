"""The service in process over a fresh embedded store: the set-up the estimates benchmarks share.

`with service_in_process("bench-x-") as bench:` starts nx-27017 on a new temporary directory
(`bench.workdir`, also the place for the CSV files R reads), builds the app on it, and removes
the directory afterwards. `bench.bearer(role, name)` makes a token; `bench.create_round(body)`
stores a round as `POST /rounds` would, without going through HTTP.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from schemas.rounds import RoundCreateSchema
from service import create_app
from service.rounds.model import round_to_store
from service.store import Store
from service.store.embedded import EmbeddedStore


@dataclass(frozen=True)
class InProcess:
    app: Flask
    store: Store
    workdir: Path

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    def bearer(self, role: str, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.store.tokens.create(role, name)[1]}"}

    def create_round(self, body: dict[str, Any]) -> None:
        self.store.rounds.create(round_to_store(RoundCreateSchema().load(body)))


@contextmanager
def service_in_process(prefix: str) -> Iterator[InProcess]:
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        with EmbeddedStore(workdir) as server:
            app = create_app(
                {"MONGODB_URI": server.uri, "SURVEY_DB": "bench", "SURVEY_LOG_LEVEL": "WARNING"}
            )
            store: Store = app.extensions["store"]
            try:
                yield InProcess(app, store, workdir)
            finally:
                store.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
