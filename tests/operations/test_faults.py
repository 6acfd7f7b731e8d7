"""Faults: workers and the server killed mid-batch, the store stopped, the write concern.

A resend after any crash must leave every submission stored exactly once, with its content.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from service import create_app
from service.domain.round import Round
from service.store import Store
from service.submissions.ingest import content_hash, validate
from tests.support import factories
from tests.support.apps import bearer
from tests.support.servers import EmbeddedStore, GunicornServer

BATCH = 1000
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    with EmbeddedStore(tmp_path_factory.mktemp("faults-store")) as server:
        yield server


@pytest.fixture(scope="module")
def server(store_process: EmbeddedStore) -> Iterator[GunicornServer]:
    gunicorn = GunicornServer(
        store_process.uri, f"faults_{uuid.uuid4().hex[:8]}", env={"SURVEY_STORE_TIMEOUT_MS": "800"}
    ).start()
    try:
        yield gunicorn
    finally:
        gunicorn.stop()


@pytest.fixture(scope="module")
def store(server: GunicornServer, store_process: EmbeddedStore) -> Iterator[Store]:
    """A direct client on the server's database, to count what really got stored."""
    direct = Store(store_process.uri, server.env["SURVEY_DB"])
    yield direct
    direct.close()


def open_round_and_enumerator(server: GunicornServer) -> tuple[str, dict[str, str]]:
    admin = bearer(server.admin_token)
    round_id = f"hh-{uuid.uuid4().hex[:8]}"
    made = requests.post(
        f"{server.url}/api/v1/rounds",
        headers=admin,
        timeout=10,
        json=factories.household_round(round_id),
    )
    issued = requests.post(
        f"{server.url}/api/v1/tokens",
        headers=admin,
        timeout=10,
        json={"role": "enumerator", "name": f"e-{round_id}"},
    )
    assert made.status_code == 201 and issued.status_code == 201
    return round_id, bearer(issued.json()["token"])


def batch_of(size: int) -> list[dict[str, Any]]:
    return [factories.household(smartphones=i % 5) for i in range(size)]


def post_batch(
    server: GunicornServer, round_id: str, headers: dict[str, str], items: list[dict[str, Any]]
) -> requests.Response:
    return requests.post(
        f"{server.url}/api/v1/rounds/{round_id}/submissions/batch",
        json={"submissions": items},
        headers=headers,
        timeout=60,
    )


def send_in_background(
    server: GunicornServer, round_id: str, headers: dict[str, str], items: list[dict[str, Any]]
) -> threading.Thread:
    """Start sending the batch; the connection may be cut by the crash (that is the point)."""

    def send() -> None:
        with contextlib.suppress(requests.RequestException):
            post_batch(server, round_id, headers, items)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def seconds_per_batch(server: GunicornServer, round_id: str, headers: dict[str, str]) -> float:
    """How long one batch takes here, so the kill lands in the middle of the next one."""
    started = time.perf_counter()
    assert post_batch(server, round_id, headers, batch_of(BATCH)).status_code == 200
    return time.perf_counter() - started


def assert_stored_exactly_once(
    store: Store, round_id: str, items: list[dict[str, Any]], already: int
) -> None:
    """`already` + every item, each once, each with the content that was sent."""
    survey_round = Round.from_doc(store.rounds.get(round_id))
    expected = {item["submission_id"]: content_hash(validate(survey_round, item)) for item in items}
    stored = {
        doc["submission_id"]: doc["content_hash"] for doc in store.submissions.iterate(round_id)
    }
    assert store.submissions.count(round_id) == already + len(items)
    assert {sid: stored.get(sid) for sid in expected} == expected


def resend_until_accepted(
    server: GunicornServer, round_id: str, headers: dict[str, str], items: list[dict[str, Any]]
) -> dict[str, int]:
    response = post_batch(server, round_id, headers, items)
    assert response.status_code == 200, response.text[:300]
    summary = response.json()["summary"]
    assert summary["created"] + summary["duplicate"] == len(items)
    assert summary["conflict"] == summary["invalid"] == 0
    return summary


def wait_healthy(server: GunicornServer, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise AssertionError("server did not come back")


def test_killing_the_workers_mid_batch_then_resending_stores_each_submission_once(
    server: GunicornServer, store: Store
) -> None:
    round_id, enumerator = open_round_and_enumerator(server)
    half = seconds_per_batch(server, round_id, enumerator) / 2
    items = batch_of(BATCH)
    workers = server.worker_pids()
    assert len(workers) == 2
    sending = send_in_background(server, round_id, enumerator, items)
    time.sleep(half)
    for pid in workers:  # whichever worker holds the request dies with the other
        os.kill(pid, signal.SIGKILL)
    sending.join(60)
    wait_healthy(server)
    assert set(server.worker_pids()).isdisjoint(workers), "the master replaced its workers"
    resend_until_accepted(server, round_id, enumerator, items)
    assert_stored_exactly_once(store, round_id, items, already=BATCH)


def test_killing_the_whole_server_mid_batch_then_restarting_stores_each_submission_once(
    server: GunicornServer, store: Store
) -> None:
    round_id, enumerator = open_round_and_enumerator(server)
    half = seconds_per_batch(server, round_id, enumerator) / 2
    items = batch_of(BATCH)
    sending = send_in_background(server, round_id, enumerator, items)
    time.sleep(half)
    for pid in [*server.worker_pids(), server.master_pid]:
        os.kill(pid, signal.SIGKILL)
    server.process.wait(10)
    sending.join(60)
    server.start()
    resend_until_accepted(server, round_id, enumerator, items)
    assert_stored_exactly_once(store, round_id, items, already=BATCH)


def test_a_second_resend_changes_nothing(server: GunicornServer, store: Store) -> None:
    round_id, enumerator = open_round_and_enumerator(server)
    items = batch_of(50)
    resend_until_accepted(server, round_id, enumerator, items)
    assert resend_until_accepted(server, round_id, enumerator, items)["duplicate"] == 50
    assert_stored_exactly_once(store, round_id, items, already=0)


def test_a_stopped_store_gives_503_and_writes_resume_when_it_returns(
    store_process: EmbeddedStore, server: GunicornServer, store: Store
) -> None:
    round_id, enumerator = open_round_and_enumerator(server)
    url = f"{server.url}/api/v1/rounds/{round_id}/submissions"
    store_process.stop()
    try:
        refused = requests.post(url, json=factories.household(), headers=enumerator, timeout=30)
        ready = requests.get(f"{server.url}/readyz", timeout=30)
        alive = requests.get(f"{server.url}/healthz", timeout=30)
    finally:
        store_process.start()
    assert refused.status_code == 503
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.headers["Retry-After"].isdigit()
    assert ready.status_code == 503 and ready.headers["Retry-After"].isdigit()
    assert alive.status_code == 200  # liveness does not depend on the store
    payload = factories.household()
    wait_healthy(server)
    assert requests.post(url, json=payload, headers=enumerator, timeout=30).status_code == 201
    assert_stored_exactly_once(store, round_id, [payload], already=0)


def test_production_writes_are_acknowledged_by_a_majority_and_journaled(
    store_process: EmbeddedStore,
) -> None:
    direct = Store(store_process.uri, "write_concern_check")
    try:
        assert direct.db.write_concern.document == {"w": "majority", "j": True}
    finally:
        direct.close()


def test_the_app_uses_the_majority_journaled_write_concern_by_default(
    store_process: EmbeddedStore,
) -> None:
    app = create_app({"MONGODB_URI": store_process.uri, "SURVEY_DB": "wc_default"})
    try:
        assert app.extensions["store"].db.write_concern.document == {"w": "majority", "j": True}
    finally:
        app.extensions["store"].close()


def test_worker_pids_are_the_masters_children(server: GunicornServer) -> None:
    for pid in server.worker_pids():
        status = Path(f"/proc/{pid}/status").read_text()
        assert f"PPid:\t{server.master_pid}" in status
