"""A gunicorn worker killed (kill -9) between storing a submission and updating the cells."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from service.cells.processes import is_running
from service.cells.recount import rebuild
from service.cells.writes import KILL_BEFORE_CELLS
from service.store import Store
from service.store.cells import Mark, marks_in_flight
from tests.support import factories
from tests.support.apps import bearer
from tests.support.cells_recount import assert_cells_equal_a_recount
from tests.support.servers import EmbeddedStore, GunicornServer

pytestmark = pytest.mark.slow
DOOMED = str(uuid.UUID(int=0xDEAD))  # the submission whose worker dies before its cells


@pytest.fixture(scope="module")
def server(store_server: EmbeddedStore) -> Iterator[GunicornServer]:
    """gunicorn whose workers kill themselves before the cells of the DOOMED submission."""
    database = f"cells_{uuid.uuid4().hex[:8]}"
    gunicorn = GunicornServer(store_server.uri, database, env={KILL_BEFORE_CELLS: DOOMED})
    yield gunicorn.start()
    gunicorn.stop()


@pytest.fixture
def direct(server: GunicornServer, store_server: EmbeddedStore) -> Iterator[Store]:
    """A client of our own on the server's database."""
    client = Store(store_server.uri, server.env["SURVEY_DB"])
    yield client
    client.close()


def post(server: GunicornServer, path: str, headers: dict[str, str], body: Any) -> Any:
    return requests.post(f"{server.url}{path}", json=body, headers=headers, timeout=30)


def estimates(server: GunicornServer, round_id: str, headers: dict[str, str]) -> dict[str, Any]:
    response = requests.get(
        f"{server.url}/api/v1/rounds/{round_id}/estimates?by=district", headers=headers, timeout=30
    )
    assert response.status_code == 200, response.text[:300]
    return response.json()


def without_times(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in ("computed_at", "data_version")}


def wait_until_gone(marks: list[Mark], seconds: float = 10) -> bool:
    """The killed worker stays a process until gunicorn reaps it: wait for that, briefly."""
    deadline = time.monotonic() + seconds
    while any(is_running(mark.writer, mark.seen) for mark in marks):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("path", ["/submissions", "/submissions/batch"])
def test_after_a_worker_dies_between_the_write_and_the_cells_the_next_estimate_is_a_recount(
    server: GunicornServer, direct: Store, path: str
) -> None:
    admin = bearer(server.admin_token)
    round_id = f"hh-{uuid.uuid4().hex[:8]}"
    assert post(server, "/api/v1/rounds", admin, factories.household_round(round_id)).ok
    enumerator = bearer(
        post(server, "/api/v1/tokens", admin, {"role": "enumerator", "name": round_id}).json()[
            "token"
        ]
    )
    planner = bearer(
        post(server, "/api/v1/tokens", admin, {"role": "planner", "name": f"p-{round_id}"}).json()[
            "token"
        ]
    )
    for smartphones in range(4):
        payload = factories.household(smartphones=smartphones)
        assert post(server, f"/api/v1/rounds/{round_id}/submissions", enumerator, payload).ok
    before = estimates(server, round_id, planner)  # cached in whichever worker answered
    doomed = factories.household(DOOMED, smartphones=0, fiber_available=False)
    doomed["answers"]["fiber_subscribed"] = False
    body = doomed if path == "/submissions" else {"submissions": [doomed]}

    with contextlib.suppress(requests.ConnectionError):
        response = post(server, f"/api/v1/rounds/{round_id}{path}", enumerator, body)
        pytest.fail(f"the worker answered {response.status_code}: {response.text[:300]}")

    assert direct.submissions.get(round_id, DOOMED) is not None, "stored before the kill"
    marks = marks_in_flight(direct.cells.head(round_id) or {})
    assert len(marks) == 1, "a write mark left open"
    assert wait_until_gone(marks), "by a dead worker"
    after = estimates(server, round_id, planner)
    assert after["n_submissions"] == before["n_submissions"] + 1
    assert_cells_equal_a_recount(direct, round_id)
    rebuild(direct, round_id)  # recount again from scratch: the same answer
    assert without_times(estimates(server, round_id, planner)) == without_times(after)
    direct.submissions.collection.delete_one({"round_id": round_id, "submission_id": DOOMED})
