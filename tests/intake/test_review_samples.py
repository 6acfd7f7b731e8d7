"""Reviews of visits to a sample's assignments (docs/design.md §8, §11): approving a held
duplicate makes it the completion that counts and rejects the other; a rejected visit leaves the
assignment's status, progress and estimates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.store import Store
from tests.support.factories import visit

ROUND = "hh-review-sample"
SUBMIT = f"/api/v1/rounds/{ROUND}/submissions"


@pytest.fixture
def round_id(make_sample_round) -> str:
    return make_sample_round(ROUND)


def send(client: FlaskClient, headers: dict[str, str], payload: dict[str, Any]) -> str:
    assert client.post(SUBMIT, json=payload, headers=headers).status_code == 201
    return payload["submission_id"]


def review(client: FlaskClient, headers: dict[str, str], sid: str, state: str) -> Any:
    return client.post(f"{SUBMIT}/{sid}/review", json={"state": state}, headers=headers)


def status_of(client: FlaskClient, headers: dict[str, str], assignment_id: str) -> str:
    items = client.get(f"/api/v1/rounds/{ROUND}/assignments", headers=headers).json["items"]
    return next(item["status"] for item in items if item["assignment_id"] == assignment_id)


def progress_total(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    return client.get(f"/api/v1/rounds/{ROUND}/progress?by=district", headers=headers).json["total"]


def counted(store: Store, sid: str) -> bool:
    return bool(store.submissions.get(ROUND, sid).get("in_estimates", True))


def test_approving_a_held_duplicate_makes_it_count_and_rejects_the_other(
    client, round_id, as_supervisor, store: Store
) -> None:
    first = send(client, as_supervisor, visit("A-001"))
    second = send(client, as_supervisor, visit("A-001"))
    assert progress_total(client, as_supervisor)["duplicates"] == 1
    assert review(client, as_supervisor, second, "approved").status_code == 200
    assert (counted(store, first), counted(store, second)) == (False, True)
    assert store.submissions.get(ROUND, first)["review"]["state"] == "rejected"
    assert progress_total(client, as_supervisor)["duplicates"] == 0
    assert status_of(client, as_supervisor, "A-001") == "completed"


def test_rejecting_a_held_duplicate_keeps_the_first_completion(
    client, round_id, as_supervisor, store: Store
) -> None:
    first = send(client, as_supervisor, visit("A-002"))
    second = send(client, as_supervisor, visit("A-002"))
    assert review(client, as_supervisor, second, "rejected").status_code == 200
    assert (counted(store, first), counted(store, second)) == (True, False)
    assert progress_total(client, as_supervisor)["duplicates"] == 0


def test_has_issues_on_a_held_duplicate_asks_for_a_decision(
    client, round_id, as_supervisor
) -> None:
    send(client, as_supervisor, visit("A-003"))
    second = send(client, as_supervisor, visit("A-003"))
    assert review(client, as_supervisor, second, "has_issues").status_code == 409


def test_a_rejected_completion_leaves_the_status_and_the_estimates(
    client, round_id, as_supervisor, as_planner, store: Store
) -> None:
    send(client, as_supervisor, visit("A-004", outcome="refused"))
    completed = send(client, as_supervisor, visit("A-004"))
    estimates = f"/api/v1/rounds/{ROUND}/estimates?indicator=fiber_available"
    before = client.get(estimates, headers=as_planner).json
    assert status_of(client, as_supervisor, "A-004") == "completed"
    assert review(client, as_supervisor, completed, "rejected").status_code == 200
    after = client.get(estimates, headers=as_planner).json
    assert status_of(client, as_supervisor, "A-004") == "refused"
    assert after["data_version"] != before["data_version"]
    assert after["estimates"][0]["results"][0]["n"] == before["estimates"][0]["results"][0]["n"] - 1
    assert review(client, as_supervisor, completed, "approved").status_code == 200
    assert status_of(client, as_supervisor, "A-004") == "completed"
    again = client.get(estimates, headers=as_planner).json
    assert again["estimates"][0]["results"] == before["estimates"][0]["results"]


def test_a_miscoded_outcome_is_corrected_and_the_assignment_follows(
    client, round_id, as_supervisor, store: Store
) -> None:
    sid = send(client, as_supervisor, visit("B-001"))
    corrected = client.patch(
        f"{SUBMIT}/{sid}",
        json={"outcome": "refused", "reason": "The household refused; coded by mistake."},
        headers=as_supervisor,
    )
    assert corrected.status_code == 200, corrected.json
    assert (corrected.json["outcome"], corrected.json["answers"]) == ("refused", None)
    assert not counted(store, sid)
    assert status_of(client, as_supervisor, "B-001") == "refused"
    back = client.patch(
        f"{SUBMIT}/{sid}",
        json={"outcome": "completed", "answers": visit("B-001")["answers"], "reason": "Re-coded."},
        headers=as_supervisor,
    )
    assert back.status_code == 200, back.json
    assert counted(store, sid)
    assert status_of(client, as_supervisor, "B-001") == "completed"


def test_concurrent_corrections_leave_the_completion_claim_as_the_last_version_says(
    app, round_id, as_supervisor, store: Store
) -> None:
    client = app.test_client()
    sid = send(client, as_supervisor, visit("A-002"))
    answers = visit("A-002")["answers"]
    bodies = [
        {"outcome": "refused", "reason": "Refused after all."},
        {"outcome": "completed", "answers": answers, "reason": "Completed after all."},
    ] * 4

    def correct(body: dict[str, Any]) -> int:
        return (
            app.test_client().patch(f"{SUBMIT}/{sid}", json=body, headers=as_supervisor).status_code
        )

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        assert set(pool.map(correct, bodies)) <= {200, 409}
    doc = store.submissions.get(ROUND, sid)
    claimed_by = store.assignments.get(ROUND, "A-002").get("completed_by")
    assert counted(store, sid) == (doc["outcome"] == "completed")
    assert (claimed_by == sid) == counted(store, sid)
