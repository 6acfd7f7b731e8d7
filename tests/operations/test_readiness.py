"""/readyz answers 503 until the indexes exist, and the app creates them by itself once it can."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from service import create_app
from service.store.embedded import EmbeddedStore, free_port


def test_an_app_started_before_its_store_becomes_ready_once_the_indexes_exist(
    tmp_path: Path,
) -> None:
    port = free_port()
    admin = "late-admin-" + uuid.uuid4().hex
    app = create_app(
        {
            "MONGODB_URI": f"mongodb://127.0.0.1:{port}/",
            "SURVEY_DB": "late_indexes",
            "SURVEY_STORE_TIMEOUT_MS": 300,
            "SURVEY_ADMIN_TOKEN": admin,
            "TESTING": True,
        }
    )
    client = app.test_client()
    try:
        early = client.get("/readyz")
        assert early.status_code == 503
        assert early.headers["Retry-After"].isdigit()

        with EmbeddedStore(tmp_path, port=port) as late_store:
            deadline = time.monotonic() + 30
            answer = client.get("/readyz")
            while answer.status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.2)
                answer = client.get("/readyz")

            assert answer.status_code == 200, answer.json
            store = app.extensions["store"]
            unique = [
                index["key"]
                for index in store.submissions.collection.list_indexes()
                if index.get("unique")
            ]
            assert {"round_id": 1, "submission_id": 1} in [dict(key) for key in unique]
            rounds = client.get("/api/v1/rounds", headers={"Authorization": f"Bearer {admin}"})
            assert rounds.status_code == 200
            assert late_store.process is not None
    finally:
        app.extensions["store"].close()


def test_readyz_is_503_while_the_indexes_are_missing(client) -> None:
    store = client.application.extensions["store"]
    store.indexes_ready.clear()
    try:
        answer = client.get("/readyz")

        assert answer.status_code == 503
        assert answer.json["store"] == "preparing"
    finally:
        store.indexes_ready.set()
