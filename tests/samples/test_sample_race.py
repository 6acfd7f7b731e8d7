"""Two phones complete the same assignment at the same moment (real HTTP, gunicorn, 2 workers):
both interviews are stored, exactly one counts, the other is held as `duplicate` (§8)."""

from __future__ import annotations

from collections import Counter

import pytest
import requests

from tests.intake.test_idempotency_race import admin, all_at_once
from tests.support.factories import household_round, small_sample, visit
from tests.support.servers import GunicornServer

ROUND = "race-sample"
PHONES = 2
ATTEMPTS = 5  # assignments raced, each by PHONES phones


@pytest.fixture(scope="module")
def round_url(live_server: GunicornServer) -> str:
    base = f"{live_server.url}/api/v1/rounds"
    created = requests.post(
        base, headers=admin(live_server), json=household_round(ROUND), timeout=10
    )
    assert created.status_code == 201, created.text
    loaded = requests.put(
        f"{base}/{ROUND}/sample",
        headers=admin(live_server),
        json={"assignments": small_sample()},
        timeout=10,
    )
    assert loaded.status_code == 200, loaded.text
    return f"{base}/{ROUND}"


def stored(live_server: GunicornServer, round_url: str) -> list[dict]:
    page = requests.get(
        f"{round_url}/submissions?limit=1000", headers=admin(live_server), timeout=10
    )
    return page.json()["items"]


def send_together(live_server: GunicornServer, round_url: str, payloads: list[dict]) -> list[int]:
    """Post each payload from its own thread, all released at the same moment."""
    return all_at_once(
        len(payloads),
        lambda i: (
            requests.post(
                f"{round_url}/submissions", json=payloads[i], headers=admin(live_server), timeout=30
            ).status_code
        ),
    )


@pytest.mark.parametrize("assignment_id", [r["assignment_id"] for r in small_sample()[:ATTEMPTS]])
def test_simultaneous_completions_store_both_and_count_one(
    live_server: GunicornServer, round_url: str, assignment_id: str
) -> None:
    payloads = [visit(assignment_id) for _ in range(PHONES)]

    statuses = send_together(live_server, round_url, payloads)

    assert statuses == [201] * PHONES
    visits = [d for d in stored(live_server, round_url) if d["assignment_id"] == assignment_id]
    assert len(visits) == PHONES
    assert Counter(d["in_estimates"] for d in visits) == {True: 1, False: PHONES - 1}
    held = [d for d in visits if not d["in_estimates"]]
    assert all(d["review"]["state"] == "duplicate" for d in held)


def test_replays_of_raced_completions_stay_200(live_server: GunicornServer, round_url: str) -> None:
    payloads = [visit("B-002") for _ in range(PHONES)]
    first = send_together(live_server, round_url, payloads)
    again = send_together(live_server, round_url, payloads)
    assert (first, again) == ([201] * PHONES, [200] * PHONES)
    visits = [d for d in stored(live_server, round_url) if d["assignment_id"] == "B-002"]
    assert sum(d["in_estimates"] for d in visits) == 1
