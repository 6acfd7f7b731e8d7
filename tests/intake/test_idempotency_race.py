"""Concurrent retries over real HTTP (gunicorn, 2 worker processes): stored exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.support.factories import changed, household, household_round
from tests.support.servers import GunicornServer

THREADS = 20


def admin(live_server: GunicornServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {live_server.admin_token}"}


@pytest.fixture(scope="module")
def enumerator(live_server: GunicornServer) -> dict[str, str]:
    issued = requests.post(
        f"{live_server.url}/api/v1/tokens",
        headers=admin(live_server),
        json={"role": "enumerator", "name": "racer"},
        timeout=10,
    )
    assert issued.status_code == 201, issued.text
    return {"Authorization": f"Bearer {issued.json()['token']}"}


@pytest.fixture
def round_url(live_server: GunicornServer, request: pytest.FixtureRequest) -> str:
    """A fresh open round per test on the shared server."""
    round_id = f"race-{request.node.name.split('[')[0][-40:].replace('_', '-')}"
    created = requests.post(
        f"{live_server.url}/api/v1/rounds",
        headers=admin(live_server),
        json=household_round(round_id),
        timeout=10,
    )
    assert created.status_code == 201, created.text
    return f"{live_server.url}/api/v1/rounds/{round_id}"


def all_at_once(count: int, send: Callable[[int], Any]) -> list[Any]:
    """Run `send(i)` on `count` threads released together; return the results in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        results[index] = send(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def stored_ids(live_server: GunicornServer, round_url: str) -> list[str]:
    page = requests.get(
        f"{round_url}/submissions?limit=1000", headers=admin(live_server), timeout=10
    ).json()
    return [item["submission_id"] for item in page["items"]]


def test_twenty_simultaneous_sends_of_one_submission_store_exactly_one(
    live_server: GunicornServer, enumerator: dict[str, str], round_url: str
) -> None:
    payload = household()

    def send(_: int) -> int:
        return requests.post(
            f"{round_url}/submissions", json=payload, headers=enumerator, timeout=30
        ).status_code

    statuses = all_at_once(THREADS, send)

    assert Counter(statuses) == {201: 1, 200: THREADS - 1}
    assert stored_ids(live_server, round_url) == [payload["submission_id"]]


def test_simultaneous_different_contents_under_one_id_store_one_and_refuse_the_other(
    live_server: GunicornServer, enumerator: dict[str, str], round_url: str
) -> None:
    first = household()
    second = changed(first, "answers.smartphones", 4)
    payloads = [first if i % 2 else second for i in range(THREADS)]

    responses = all_at_once(
        THREADS,
        lambda i: requests.post(
            f"{round_url}/submissions", json=payloads[i], headers=enumerator, timeout=30
        ),
    )

    page = requests.get(f"{round_url}/submissions", headers=admin(live_server), timeout=10).json()
    [kept] = page["items"]
    for payload, response in zip(payloads, responses, strict=True):
        same = payload["answers"] == kept["answers"]
        assert response.status_code in ((200, 201) if same else (409,))
    assert [r.status_code for r in responses].count(201) == 1


def test_twenty_simultaneous_sends_of_one_batch_store_each_item_once(
    live_server: GunicornServer, enumerator: dict[str, str], round_url: str
) -> None:
    items = [household() for _ in range(50)]

    results = all_at_once(
        THREADS,
        lambda _: requests.post(
            f"{round_url}/submissions/batch",
            json={"submissions": items},
            headers=enumerator,
            timeout=60,
        ).json(),
    )

    created = Counter(
        r["submission_id"]
        for result in results
        for r in result["results"]
        if r["status"] == "created"
    )
    assert set(created.values()) == {1} and len(created) == len(items)
    assert all(result["summary"]["conflict"] == 0 for result in results)
    assert sorted(stored_ids(live_server, round_url)) == sorted(i["submission_id"] for i in items)
