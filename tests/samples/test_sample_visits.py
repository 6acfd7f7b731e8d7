"""Visits to assignments (docs/design.md §8): outcomes, status precedence, held duplicates."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.samples.status import recompute_status
from service.store import Store
from tests.support.factories import changed, visit

ROUND = "hh-visits"


@pytest.fixture
def round_id(make_sample_round) -> str:
    return make_sample_round(ROUND)


@pytest.fixture
def send(client: FlaskClient, as_supervisor, round_id):
    def post(payload: dict[str, Any]) -> Any:
        return client.post(
            f"/api/v1/rounds/{ROUND}/submissions", json=payload, headers=as_supervisor
        )

    return post


def status_of(client: FlaskClient, headers: dict[str, str], assignment_id: str) -> str:
    items = client.get(f"/api/v1/rounds/{ROUND}/assignments", headers=headers).json["items"]
    return next(item["status"] for item in items if item["assignment_id"] == assignment_id)


def test_a_completed_visit_takes_location_and_weight_from_its_assignment(send, store) -> None:
    response = send(visit("A-003"))
    assert response.status_code == 201, response.json
    doc = store.submissions.get(ROUND, response.json["submission_id"])
    assert doc["location"] == {"district": "080", "commune": "02641", "area": "urban"}
    assert doc["sampling"] == {"stratum": "080-U", "psu": "080002", "weight": 10.0}
    assert doc["in_estimates"] is True
    assert doc["agg"]["w"] == 10.0


@pytest.mark.parametrize("outcome", ["refused", "noncontact", "not_found", "ineligible"])
def test_a_visit_without_interview_is_stored_but_not_estimated(send, store, outcome) -> None:
    response = send(visit("A-001", outcome))
    assert response.status_code == 201, response.json
    doc = store.submissions.get(ROUND, response.json["submission_id"])
    assert (doc["outcome"], doc["in_estimates"], doc["agg"]) == (outcome, False, None)


def test_answers_are_required_exactly_when_completed(send) -> None:
    without = send(changed(visit("A-001"), "answers", ...))
    assert without.status_code == 422
    assert "answers" in without.json["errors"]
    refused_with_answers = send({**visit("A-001"), "outcome": "refused"})
    assert refused_with_answers.status_code == 422
    assert "answers" in refused_with_answers.json["errors"]


def test_an_unknown_assignment_is_refused(send, store) -> None:
    response = send(visit("Z-999"))
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["assignment_id"]
    assert store.submissions.count(ROUND) == 0


def test_a_location_that_disagrees_with_the_assignment_is_refused(send) -> None:
    sent = {**visit("A-001"), "location": {"district": "082", "commune": "02641", "area": "urban"}}
    response = send(sent)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["location.district"]


def test_a_weight_that_disagrees_with_the_sample_is_refused(send) -> None:
    sent = {**visit("A-001"), "sampling": {"stratum": "080-U", "psu": "080001", "weight": 5}}
    response = send(sent)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["sampling.weight"]


def test_a_matching_location_and_sampling_are_accepted(send) -> None:
    sent = {
        **visit("A-001"),
        "location": {"district": "080", "commune": "02641", "area": "urban"},
        "sampling": {"stratum": "080-U", "psu": "080001", "weight": 40},
    }
    assert send(sent).status_code == 201


def test_a_second_completion_is_stored_and_held_as_duplicate(send, store) -> None:
    first, second = send(visit("A-001")), send(visit("A-001"))
    assert (first.status_code, second.status_code) == (201, 201)
    held = store.submissions.get(ROUND, second.json["submission_id"])
    assert held["in_estimates"] is False
    assert held["review"]["state"] == "duplicate"
    assert store.submissions.get(ROUND, first.json["submission_id"])["in_estimates"] is True


def test_a_replay_stays_200_and_keeps_its_standing(send, store) -> None:
    first = visit("A-001")
    second = visit("A-001")
    send(first), send(second)
    assert send(first).status_code == 200
    assert send(second).status_code == 200
    assert store.submissions.get(ROUND, first["submission_id"])["in_estimates"] is True
    assert store.submissions.get(ROUND, second["submission_id"])["in_estimates"] is False


def test_a_resend_with_other_content_is_a_conflict(send, store) -> None:
    first = visit("A-001", "refused")
    send(first)
    response = send({**first, "outcome": "noncontact"})
    assert response.status_code == 409


VISITS = ["not_found", "noncontact", "refused", "completed", "other_nonresponse"]


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(VISITS))))[::17], ids=str)
def test_visits_in_any_order_give_the_same_status(
    client, as_admin, send, order: tuple[int, ...]
) -> None:
    for index in order:
        assert send(visit("A-002", VISITS[index])).status_code == 201
    assert status_of(client, as_admin, "A-002") == "completed"


@pytest.mark.parametrize(
    ("outcomes", "status"),
    [
        ((), "pending"),
        (("not_found",), "not_found"),
        (("not_found", "noncontact"), "noncontact"),
        (("noncontact", "other_nonresponse"), "other_nonresponse"),
        (("refused", "noncontact"), "refused"),
        (("refused", "ineligible"), "ineligible"),
        (("ineligible", "completed"), "completed"),
    ],
)
def test_status_is_the_highest_precedence_outcome(client, as_admin, send, outcomes, status):
    for outcome in reversed(outcomes):
        send(visit("A-001", outcome))
    assert status_of(client, as_admin, "A-001") == status


def test_an_interview_dated_outside_the_period_is_flagged(send, store) -> None:
    sent = visit("A-001", interviewed_at="2024-06-01T10:00:00+07:00")
    response = send(sent)
    assert response.status_code == 201
    assert store.submissions.get(ROUND, sent["submission_id"])["flags"] == ["clock"]


def test_an_interview_on_time_carries_no_flag(send, store) -> None:
    sent = visit("A-001")
    send(sent)
    assert store.submissions.get(ROUND, sent["submission_id"])["flags"] == []


def test_a_batch_of_visits_reports_each(client, as_supervisor, round_id, store: Store) -> None:
    items = [visit("A-001"), visit("A-001"), visit("Z-404"), visit("B-001", "refused")]
    response = client.post(
        f"/api/v1/rounds/{ROUND}/submissions/batch",
        json={"submissions": items},
        headers=as_supervisor,
    )
    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == [
        "created",
        "created",
        "invalid",
        "created",
    ]
    assert store.submissions.held_duplicates(ROUND) == {"A-001": 1}


def test_estimates_count_only_the_completion_that_counts(client, as_analyst, send) -> None:
    without_fiber = {"fiber_available": False, "fiber_subscribed": False}
    assert send(visit("A-001")).status_code == 201
    held = visit("A-001", answers={**visit("A-001")["answers"], **without_fiber})
    assert send(held).status_code == 201
    assert send(visit("A-002", "refused")).status_code == 201
    body = client.get(
        f"/api/v1/rounds/{ROUND}/estimates?indicator=fiber_available&suppressed=show",
        headers=as_analyst,
    ).json
    assert body["n_submissions"] == 1
    assert body["estimates"][0]["results"][0]["estimate"] == 1.0


def test_a_rejected_visit_no_longer_sets_the_status(client, as_admin, send, store) -> None:
    refused, completed = visit("A-001", "refused"), visit("A-001")
    send(refused), send(completed)
    store.submissions.collection.update_one(  # what a supervisor's rejection will do (§11)
        {"round_id": ROUND, "submission_id": completed["submission_id"]},
        {"$set": {"review": {"state": "rejected"}}},
    )
    assert recompute_status(store, ROUND, "A-001") == "refused"
    assert status_of(client, as_admin, "A-001") == "refused"


def test_a_visit_resent_after_the_round_closed_is_still_a_replay(client, as_admin, send) -> None:
    sent = visit("A-001", "refused")
    assert send(sent).status_code == 201
    closing = client.patch(f"/api/v1/rounds/{ROUND}", json={"status": "closed"}, headers=as_admin)
    assert closing.status_code == 200
    assert send(sent).status_code == 200
    assert send(visit("A-002", "refused")).status_code == 409


FAR_FUTURE = "9999-12-31T23:59:59-23:59"  # year 10000 once in UTC


@pytest.mark.parametrize("field", ["interviewed_at", "started_at"])
def test_a_time_beyond_the_calendar_in_utc_is_refused_with_422(send, store, field) -> None:
    response = send(visit("A-001", **{field: FAR_FUTURE}))
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert store.submissions.count(ROUND) == 0


def test_a_batch_with_a_time_beyond_the_calendar_reports_that_item_and_can_be_resent(
    client, as_supervisor, round_id
) -> None:
    items = [visit("A-001"), visit("A-003", interviewed_at=FAR_FUTURE)]
    url = f"/api/v1/rounds/{ROUND}/submissions/batch"
    for expected in (["created", "invalid"], ["duplicate", "invalid"]):  # then the phone resends
        response = client.post(url, json={"submissions": items}, headers=as_supervisor)
        assert response.status_code == 200
        assert [r["status"] for r in response.json["results"]] == expected
