"""Backup and restore (docs/operations.md "Backups"): a dump of one store restored into a fresh
store answers with the same estimates; old dumps beyond the retention are removed."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from service import create_app
from service.__main__ import main
from service.demo import BUSINESS_ROUND, HOUSEHOLD_ROUND, HOUSEHOLD_ROUND_2024
from service.loading import load_demo
from service.samples.demo import FIELDWORK_ROUND
from service.store import Store
from service.store.backup import dump_with_retention
from tests.support.apps import bearer
from tests.support.factories import household, household_round
from tests.support.servers import EmbeddedStore

pytestmark = pytest.mark.slow

QUERIES = [
    f"/api/v1/rounds/{HOUSEHOLD_ROUND}/estimates?by=district",
    f"/api/v1/rounds/{HOUSEHOLD_ROUND}/estimates?by=district&weighting=calibrated",
    f"/api/v1/rounds/{HOUSEHOLD_ROUND_2024}/estimates?by=area",
    f"/api/v1/rounds/{BUSINESS_ROUND}/estimates?by=type",
    f"/api/v1/rounds/{FIELDWORK_ROUND}/progress?by=district",
    f"/api/v1/rounds/{FIELDWORK_ROUND}/weights",
]

# When and from which version of the data they were computed: a restore recounts the cells.
VARYING = {"data_version", "computed_at"}


def answers(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    found = {}
    for query in QUERIES:
        response = client.get(query, headers=headers)
        assert response.status_code == 200, (query, response.json)
        found[query] = {k: v for k, v in response.json.items() if k not in VARYING}
    return found


def test_a_dump_restored_into_a_fresh_store_gives_the_same_estimates(
    store_server: EmbeddedStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = create_app({"MONGODB_URI": store_server.uri, "SURVEY_DB": "backup_source"})
    store: Store = source.extensions["store"]
    load_demo(store)
    admin_token = store.tokens.create("admin", "backup-admin")[1]
    before = answers(source.test_client(), bearer(admin_token))
    backups = tmp_path / "backups"
    monkeypatch.setenv("MONGODB_URI", store_server.uri)
    monkeypatch.setenv("SURVEY_DB", "backup_source")
    assert main(["backup", "--to", str(backups)]) == 0
    dumped = Path(json.loads(capsys.readouterr().out)["backup"])
    source.extensions["store"].close()

    with EmbeddedStore(tmp_path / "fresh-store") as fresh:
        monkeypatch.setenv("MONGODB_URI", fresh.uri)
        after: dict[str, dict[str, Any]] = {}
        for database, options in (("restored", []), ("recounted", ["--recount"])):
            monkeypatch.setenv("SURVEY_DB", database)
            assert main(["restore", str(dumped), *options]) == 0
            restored = json.loads(capsys.readouterr().out)["restored"]
            assert restored["submissions"] > 2000
            app = create_app({"MONGODB_URI": fresh.uri, "SURVEY_DB": database})
            try:
                after[database] = answers(app.test_client(), bearer(admin_token))
            finally:
                app.extensions["store"].close()

    assert differences(after["restored"], before) == []
    recounted = differences(after["recounted"], before)
    assert all(close_numbers(line) for line in recounted), recounted[:5]


def close_numbers(difference: str) -> bool:
    """Cells recounted from the submissions sum in another order: the last bits may differ."""
    found, expected = (float(x) for x in difference.split(": ", 1)[1].split(" != "))
    return abs(found - expected) <= 1e-9 * max(1.0, abs(expected))


def differences(a: Any, b: Any, where: str = "") -> list[str]:
    """Every leaf where two answers differ, as `path: found != expected`."""
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return [d for k in a for d in differences(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        pairs = enumerate(zip(a, b, strict=True))
        return [d for i, (x, y) in pairs for d in differences(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def test_a_dump_has_mongodumps_layout_with_the_indexes(store: Store, tmp_path: Path) -> None:
    folder, _ = dump_with_retention(store.db, tmp_path, keep=3)
    dumped = folder / store.db.name

    assert (dumped / "submissions.bson.gz").exists()
    with gzip.open(dumped / "submissions.metadata.json.gz", "rt") as metadata:
        indexes = json.load(metadata)["indexes"]
    assert {"round_id": 1, "submission_id": 1} in [index["key"] for index in indexes]


def test_only_the_newest_dumps_are_kept(store: Store, tmp_path: Path) -> None:
    made = [dump_with_retention(store.db, tmp_path, keep=2) for _ in range(4)]

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f, _ in made[-2:])
    assert made[-1][1] == [made[-3][0]]


def test_recount_cells_makes_every_round_recount_at_its_next_read(
    client: FlaskClient,
    store: Store,
    as_admin: dict[str, str],
    as_enumerator: dict[str, str],
    make_round,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_round(household_round())
    client.post("/api/v1/rounds/hh-test/submissions", json=household(), headers=as_enumerator)
    url = "/api/v1/rounds/hh-test/estimates"
    before = client.get(url, headers=as_admin).json
    monkeypatch.setenv("MONGODB_URI", store_uri(store))
    monkeypatch.setenv("SURVEY_DB", store.db.name)

    assert main(["recount-cells"]) == 0
    assert store.cells.head("hh-test")["dirty"]  # nx-27017 answers 1 for a $set true
    after = client.get(url, headers=as_admin).json

    assert not store.cells.head("hh-test")["dirty"]
    assert after["data_version"] != before["data_version"]
    assert differences(after["estimates"], before["estimates"]) == []


def store_uri(store: Store) -> str:
    host, port = store.client.address
    return f"mongodb://{host}:{port}/"
