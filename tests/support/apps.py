"""Apps and credentials the tests share (imported by the tests, not through conftest)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from flask.testing import FlaskClient

from catalogue import ROLES
from service import create_app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def module_app(uri: str, prefix: str) -> Iterator[tuple[FlaskClient, dict[str, dict[str, str]]]]:
    """An app on its own database, for a module's shared data: (client, headers by role)."""
    app = create_app({"MONGODB_URI": uri, "SURVEY_DB": f"{prefix}_{uuid.uuid4().hex[:8]}"})
    store = app.extensions["store"]
    headers = {role: bearer(store.tokens.create(role, role)[1]) for role in ROLES}
    try:
        yield app.test_client(), headers
    finally:
        store.close()
