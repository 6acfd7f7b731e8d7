"""Exports an analyst can rebuild the estimates from (docs/design.md §15): the submissions export
of a sample round with its visits' assignment, outcome and start, review, in_estimates and
version; the assignments as CSV; booleans written `true`/`false`; codes kept as text."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.factories import visit

ROUND = "hh-exports"


@pytest.fixture
def visited(make_sample_round, client: FlaskClient, as_supervisor) -> str:
    make_sample_round(ROUND)
    # a supervisor may record any visit; an enumerator only its own assignments' (issue 22)
    for payload in (visit("A-001"), visit("A-002", outcome="refused")):
        response = client.post(
            f"/api/v1/rounds/{ROUND}/submissions", json=payload, headers=as_supervisor
        )
        assert response.status_code == 201, response.json
    return ROUND


def rows_of(client: FlaskClient, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_submissions_export_of_a_sample_round_says_what_became_of_each_visit(
    client, as_analyst, visited
) -> None:
    rows = rows_of(client, f"/api/v1/rounds/{ROUND}/submissions?format=csv", as_analyst)

    by_assignment = {row["assignment_id"]: row for row in rows}
    assert set(by_assignment) == {"A-001", "A-002"}
    completed, refused = by_assignment["A-001"], by_assignment["A-002"]
    assert (completed["outcome"], completed["in_estimates"]) == ("completed", "true")
    assert (refused["outcome"], refused["in_estimates"]) == ("refused", "false")
    assert all(row["version"] == "1" and row["review"] == "" for row in rows)
    assert all("started_at" in row for row in rows)
    assert completed["location.district"] == "080"


def test_a_review_shows_in_the_export(client, as_supervisor, as_analyst, visited) -> None:
    rows = rows_of(client, f"/api/v1/rounds/{ROUND}/submissions?format=csv", as_analyst)
    sid = next(row["submission_id"] for row in rows if row["assignment_id"] == "A-001")
    reviewed = client.post(
        f"/api/v1/rounds/{ROUND}/submissions/{sid}/review",
        json={"state": "has_issues", "comment": "check the 4G answer"},
        headers=as_supervisor,
    )
    assert reviewed.status_code == 200, reviewed.json

    rows = rows_of(client, f"/api/v1/rounds/{ROUND}/submissions?format=csv", as_analyst)
    row = next(row for row in rows if row["submission_id"] == sid)
    assert (row["review"], row["review_comment"]) == ("has_issues", "check the 4G answer")


def test_the_assignments_as_csv_have_every_assignment_with_its_status(
    client, as_analyst, visited
) -> None:
    json_items = client.get(
        f"/api/v1/rounds/{ROUND}/assignments?limit=1000", headers=as_analyst
    ).json["items"]
    rows = rows_of(client, f"/api/v1/rounds/{ROUND}/assignments?format=csv", as_analyst)

    assert [row["assignment_id"] for row in rows] == [i["assignment_id"] for i in json_items]
    assert {row["assignment_id"]: row["status"] for row in rows}["A-001"] == "completed"
    assert all(row["district"].startswith("0") for row in rows)  # `080`, not 80


def test_an_enumerator_gets_only_its_own_assignments_as_csv(
    client, as_enumerator, as_admin, visited
) -> None:
    rows = rows_of(client, f"/api/v1/rounds/{ROUND}/assignments?format=csv", as_enumerator)
    everyone = rows_of(client, f"/api/v1/rounds/{ROUND}/assignments?format=csv", as_admin)

    assert {row["enumerator"] for row in rows} <= {"enumerator-1"}
    assert len(rows) <= len(everyone)


def test_booleans_are_true_or_false_in_the_change_csv_too(
    client, as_analyst, as_admin, as_enumerator
) -> None:
    from tests.support.factories import household, household_round

    for round_id in ("hh-bool-1", "hh-bool-2"):
        body = household_round(round_id, series="hh-bool")
        assert client.post("/api/v1/rounds", json=body, headers=as_admin).status_code == 201
        for _ in range(8):
            payload = household()
            sent = client.post(
                f"/api/v1/rounds/{round_id}/submissions", json=payload, headers=as_enumerator
            )
            assert sent.status_code == 201, sent.json
    rows = rows_of(client, "/api/v1/series/hh-bool/change?format=csv&suppressed=show", as_analyst)

    assert rows and {row["significant"] for row in rows} <= {"true", "false", ""}
