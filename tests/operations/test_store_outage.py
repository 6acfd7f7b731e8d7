"""The store goes away mid-run: 503 with Retry-After, then recovery without restarting gunicorn.

The tests run in file order on one scenario: the store is up and holds a submission, then it is
stopped (the first three tests), then restarted on the same port and data dir (the last test).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import requests

from tests.support.factories import household, household_round
from tests.support.servers import EmbeddedStore, GunicornServer

# Fail fast while the store is down, so neither the test nor a real client waits long.
STORE_TIMEOUT_MS = "500"
ROUND = "outage"


@dataclass
class Scenario:
    store: EmbeddedStore
    server: GunicornServer
    worker_pids: list[int] = field(default_factory=list)
    stored_before: str = ""

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.server.admin_token}"}

    def submit(self, payload: dict) -> requests.Response:
        return requests.post(
            f"{self.server.url}/api/v1/rounds/{ROUND}/submissions",
            json=payload,
            headers=self.admin,
            timeout=30,
        )


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    """This module's own store and gunicorn (so no other test sees the outage), with one round."""
    store = EmbeddedStore(tmp_path_factory.mktemp("outage-store")).start()
    server = GunicornServer(store.uri, "outage", env={"SURVEY_STORE_TIMEOUT_MS": STORE_TIMEOUT_MS})
    running = Scenario(store, server)
    try:
        server.start()
        requests.post(
            f"{server.url}/api/v1/rounds",
            json=household_round(ROUND),
            headers=running.admin,
            timeout=10,
        ).raise_for_status()
        payload = household()
        assert running.submit(payload).status_code == 201
        running.stored_before = payload["submission_id"]
        running.worker_pids = sorted(server.worker_pids())
        yield running
    finally:
        server.stop()
        running.store.stop()


@pytest.fixture(scope="module")
def store_down(scenario: Scenario) -> Scenario:
    scenario.store.stop()
    return scenario


@pytest.fixture(scope="module")
def store_back(store_down: Scenario) -> Scenario:
    """The store restarted on the same port and data dir; gunicorn left alone."""
    stopped = store_down.store
    store_down.store = EmbeddedStore(stopped.data_dir, port=stopped.port).start()
    return store_down


def eventually(check, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return False


def test_a_write_while_the_store_is_down_is_503_problem_with_retry_after(
    store_down: Scenario,
) -> None:
    response = store_down.submit(household())

    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 503
    assert int(response.headers["Retry-After"]) > 0


def test_readyz_is_503_while_the_store_is_down(store_down: Scenario) -> None:
    response = requests.get(f"{store_down.server.url}/readyz", timeout=30)

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0


def test_healthz_stays_200_while_the_store_is_down(store_down: Scenario) -> None:
    assert requests.get(f"{store_down.server.url}/healthz", timeout=30).status_code == 200


def test_after_a_store_restart_writes_succeed_on_the_same_gunicorn(store_back: Scenario) -> None:
    url = store_back.server.url
    assert eventually(lambda: requests.get(f"{url}/readyz", timeout=10).status_code == 200)
    payload = household()

    response = store_back.submit(payload)

    assert response.status_code == 201
    listed = requests.get(
        f"{url}/api/v1/rounds/{ROUND}/submissions", headers=store_back.admin, timeout=10
    ).json()["items"]
    assert {item["submission_id"] for item in listed} == {
        store_back.stored_before,
        payload["submission_id"],
    }
    assert sorted(store_back.server.worker_pids()) == store_back.worker_pids
