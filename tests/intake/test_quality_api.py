"""The interview-quality report over HTTP (docs/design.md §11): per enumerator, from the round's
visits, rejected ones left out."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.factories import visit

ROUND = "hh-quality"
SUBMIT = f"/api/v1/rounds/{ROUND}/submissions"


@pytest.fixture
def round_id(make_sample_round) -> str:
    return make_sample_round(ROUND)


def quality(client: FlaskClient, headers: dict[str, str], **query: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/rounds/{ROUND}/quality", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_durations_outcomes_and_flags_per_enumerator(client, round_id, as_supervisor) -> None:
    rushed = visit("A-001", started_at="2025-05-01T09:55:00+07:00")  # 5 minutes
    overlapping = visit("A-002", started_at="2025-05-01T09:50:00+07:00")
    for payload in (
        rushed,
        overlapping,
        visit(
            "A-003",
            outcome="refused",
            started_at="2025-05-01T10:30:00+07:00",
            interviewed_at="2025-05-01T10:35:00+07:00",
        ),
    ):
        assert client.post(SUBMIT, json=payload, headers=as_supervisor).status_code == 201
    report = quality(client, as_supervisor, short_minutes="8")
    (group,) = report["groups"]
    assert (group["key"], group["submissions"], group["completed"]) == ("enum-01", 3, 2)
    assert group["median_duration_min"] == pytest.approx(7.5)
    assert group["refusal_rate"] == pytest.approx(1 / 3)
    codes = {flag["code"]: flag for flag in group["flags"]}
    assert set(codes) == {"overlapping_interviews"}  # one short interview is not a pattern
    assert set(codes["overlapping_interviews"]["submission_ids"]) == {
        rushed["submission_id"],
        overlapping["submission_id"],
    }


def test_rejected_submissions_do_not_count(client, round_id, as_supervisor) -> None:
    payload = visit("A-001")
    client.post(SUBMIT, json=payload, headers=as_supervisor)
    client.post(
        f"{SUBMIT}/{payload['submission_id']}/review",
        json={"state": "rejected"},
        headers=as_supervisor,
    )
    assert quality(client, as_supervisor)["groups"] == []


def test_only_enumerator_grouping_exists(client, round_id, as_supervisor) -> None:
    response = client.get(f"/api/v1/rounds/{ROUND}/quality?by=district", headers=as_supervisor)
    assert response.status_code == 422
