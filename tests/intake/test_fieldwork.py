"""Fieldwork (docs/design.md §8): assignment listings, progress, reassign, close, reserves."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.store import Store
from tests.support.apps import bearer
from tests.support.factories import sample_row, small_sample, visit

ROUND = "hh-field"
OUTCOMES = ("completed", "refused", "noncontact", "not_found", "ineligible", "other_nonresponse")


@pytest.fixture
def round_id(make_sample_round) -> str:
    return make_sample_round(ROUND)


@pytest.fixture
def phones(store: Store) -> dict[str, dict[str, str]]:
    """Enumerator tokens named like the sample's assignees."""
    return {
        name: bearer(store.tokens.create("enumerator", name)[1]) for name in ("enum-01", "enum-02")
    }


@pytest.fixture
def supervisor(store: Store) -> dict[str, str]:
    return bearer(store.tokens.create("supervisor", "sup-1")[1])


def send(client: FlaskClient, headers: dict[str, str], payload: dict[str, Any]) -> None:
    response = client.post(f"/api/v1/rounds/{ROUND}/submissions", json=payload, headers=headers)
    assert response.status_code == 201, response.json


def listed(client: FlaskClient, headers: dict[str, str], query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/rounds/{ROUND}/assignments{query}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_an_assignment_lists_its_sample_row_and_status(client, as_admin, round_id) -> None:
    first = listed(client, as_admin)[0]
    assert first == {
        **{k: v for k, v in sample_row("A-001").items()},
        "status": "pending",
        "closed": None,
    }


def test_an_enumerator_sees_only_its_own_assignments(client, phones, round_id) -> None:
    own = listed(client, phones["enum-02"])
    assert [a["assignment_id"] for a in own] == ["A-003", "A-004", "B-001"]
    assert {a["enumerator"] for a in own} == {"enum-02"}


def test_an_enumerator_may_not_ask_for_another_ones_assignments(client, phones, round_id):
    response = client.get(
        f"/api/v1/rounds/{ROUND}/assignments?enumerator=enum-01", headers=phones["enum-02"]
    )
    assert response.status_code == 403


def test_assignments_filter_by_status_and_district(client, as_admin, phones, round_id) -> None:
    send(client, phones["enum-01"], visit("A-001", "refused"))
    send(client, phones["enum-01"], visit("A-002"))
    assert [a["assignment_id"] for a in listed(client, as_admin, "?status=refused")] == ["A-001"]
    pending = listed(client, as_admin, "?status=pending&district=082")
    assert [a["assignment_id"] for a in pending] == ["B-001", "B-002"]


def test_assignments_page_with_a_cursor(client, as_admin, round_id) -> None:
    first = client.get(f"/api/v1/rounds/{ROUND}/assignments?limit=4", headers=as_admin).json
    rest = client.get(
        f"/api/v1/rounds/{ROUND}/assignments?limit=4&after={first['next']}", headers=as_admin
    ).json
    ids = [a["assignment_id"] for a in first["items"] + rest["items"]]
    assert ids == sorted(row["assignment_id"] for row in small_sample())
    assert rest["next"] is None


def test_a_supervisor_reassigns_an_assignment(client, supervisor, phones, round_id) -> None:
    response = client.patch(
        f"/api/v1/rounds/{ROUND}/assignments/B-002",
        json={"enumerator": "enum-01"},
        headers=supervisor,
    )
    assert response.status_code == 200, response.json
    assert response.json["enumerator"] == "enum-01"
    assert "B-002" in [a["assignment_id"] for a in listed(client, phones["enum-01"])]


def test_closing_makes_the_outcome_final(client, supervisor, phones, round_id) -> None:
    closing = {"closed": {"outcome": "refused", "reason": "Household moved to Hà Nội"}}
    response = client.patch(
        f"/api/v1/rounds/{ROUND}/assignments/A-001", json=closing, headers=supervisor
    )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "refused"
    send(client, phones["enum-01"], visit("A-001"))  # a late phone still gets its 201
    [closed] = [a for a in listed(client, supervisor) if a["assignment_id"] == "A-001"]
    assert closed["status"] == "refused"


def test_a_late_completion_of_a_closed_assignment_does_not_count(
    client, supervisor, phones, round_id, store: Store
) -> None:
    closing = {"closed": {"outcome": "noncontact", "reason": "Nobody home after 3 visits"}}
    client.patch(f"/api/v1/rounds/{ROUND}/assignments/A-001", json=closing, headers=supervisor)
    late = visit("A-001")
    send(client, phones["enum-01"], late)
    stored = store.submissions.get(ROUND, late["submission_id"])
    assert (stored["in_estimates"], stored["flags"]) == (False, ["closed_assignment"])


def test_a_closed_outcome_cannot_be_changed(client, supervisor, round_id) -> None:
    url = f"/api/v1/rounds/{ROUND}/assignments/A-001"
    client.patch(url, json={"closed": {"outcome": "refused", "reason": "r"}}, headers=supervisor)
    same = client.patch(
        url, json={"closed": {"outcome": "refused", "reason": "r"}}, headers=supervisor
    )
    other = client.patch(
        url, json={"closed": {"outcome": "ineligible", "reason": "r"}}, headers=supervisor
    )
    assert (same.status_code, other.status_code) == (200, 409)


def test_a_completed_assignment_cannot_be_closed(client, supervisor, phones, round_id) -> None:
    send(client, phones["enum-01"], visit("A-001"))
    response = client.patch(
        f"/api/v1/rounds/{ROUND}/assignments/A-001",
        json={"closed": {"outcome": "refused", "reason": "r"}},
        headers=supervisor,
    )
    assert response.status_code == 409


def test_an_unknown_assignment_is_404(client, supervisor, round_id) -> None:
    response = client.patch(
        f"/api/v1/rounds/{ROUND}/assignments/Z-1", json={"enumerator": "x"}, headers=supervisor
    )
    assert response.status_code == 404


def fieldwork(client: FlaskClient, phones: dict[str, dict[str, str]]) -> None:
    """Every outcome once, plus a held duplicate: A-001 completed twice."""
    visits = [
        ("enum-01", visit("A-001")),
        ("enum-01", visit("A-001")),
        ("enum-01", visit("A-002", "refused")),
        ("enum-02", visit("A-003", "noncontact")),
        ("enum-02", visit("A-003", "not_found")),
        ("enum-02", visit("A-004", "ineligible")),
        ("enum-02", visit("B-001", "other_nonresponse")),
    ]
    for name, payload in visits:
        send(client, phones[name], payload)


@pytest.mark.parametrize("by", ["district", "psu", "enumerator"])
def test_progress_equals_a_count_of_the_assignments(
    client, as_planner, phones, round_id, store: Store, by: str
) -> None:
    fieldwork(client, phones)
    response = client.get(f"/api/v1/rounds/{ROUND}/progress?by={by}", headers=as_planner)
    assert response.status_code == 200, response.json
    body = response.json
    expected_status = {
        "A-001": "completed",
        "A-002": "refused",
        "A-003": "noncontact",
        "A-004": "ineligible",
        "B-001": "other_nonresponse",
        "B-002": "pending",
    }
    for group in body["groups"]:
        rows = [r for r in small_sample() if r[by] == group["key"]]
        statuses = Counter(expected_status[r["assignment_id"]] for r in rows)
        assert group["assigned"] == len(rows)
        for status in (*OUTCOMES, "pending"):
            assert group[status] == statuses[status], (group["key"], status)
        assert group["duplicates"] == sum(r["assignment_id"] == "A-001" for r in rows)
    total = body["total"]
    assert (total["assigned"], total["completed"], total["duplicates"]) == (6, 1, 1)
    assert total["response_rate"] == pytest.approx(1 / 4)


def test_progress_of_an_untouched_group_has_no_response_rate(client, as_admin, round_id) -> None:
    body = client.get(f"/api/v1/rounds/{ROUND}/progress?by=district", headers=as_admin).json
    assert [g["response_rate"] for g in body["groups"]] == [None, None]


def test_progress_refuses_an_unknown_grouping(client, as_admin, round_id) -> None:
    response = client.get(f"/api/v1/rounds/{ROUND}/progress?by=village", headers=as_admin)
    assert response.status_code == 422


def test_reserve_units_take_the_psus_new_unit_prob(client, as_admin, phones, round_id, store):
    done = visit("A-001")
    send(client, phones["enum-01"], done)
    version = store.rounds.get(ROUND)["data_version"]
    reserves = [sample_row("A-005", unit_prob=0.125), sample_row("A-006", unit_prob=0.125)]
    response = client.post(
        f"/api/v1/rounds/{ROUND}/sample/rows", json={"assignments": reserves}, headers=as_admin
    )
    assert response.status_code == 200, response.json
    assert response.json == {"assignments": 8, "psus": 3, "strata": 2}
    units = {a["assignment_id"]: a for a in store.assignments.of_round(ROUND, {"_id": 0})}
    assert {units[a]["sampling"]["weight"] for a in ("A-001", "A-002", "A-005")} == {32.0}
    stored = store.submissions.get(ROUND, done["submission_id"])
    assert (stored["sampling"]["weight"], stored["agg"]["w"]) == (32.0, 32.0)
    assert store.rounds.get(ROUND)["data_version"] > version


def test_reserve_rows_are_checked_against_the_sample(client, as_admin, round_id, store) -> None:
    reserves = [sample_row("A-001"), sample_row("A-007", stratum="082-R")]
    response = client.post(
        f"/api/v1/rounds/{ROUND}/sample/rows", json={"assignments": reserves}, headers=as_admin
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"assignments.0.assignment_id", "assignments.1.stratum"}
    assert len(store.assignments.of_round(ROUND)) == 6
