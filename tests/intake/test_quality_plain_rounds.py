"""`started_at` on rounds without a sample (the contract accepts it on every submission, §4):
stored, and interview durations and short-interview flags work there too (§11)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support import factories

ROUND = "hh-plain-quality"
SUBMIT = f"/api/v1/rounds/{ROUND}/submissions"
FIRST_START = datetime.fromisoformat("2025-05-01T08:00:00+07:00")


@pytest.fixture
def round_id(make_round) -> str:
    return make_round(factories.household_round(ROUND))["id"]


def interview(hour: int, minutes: int, **answers: Any) -> dict[str, Any]:
    """An interview of enum-01 starting `hour` hours after the first, lasting `minutes`."""
    started = FIRST_START + timedelta(hours=hour)
    payload = factories.household(**answers)
    payload["started_at"] = started.isoformat()
    payload["interviewed_at"] = (started + timedelta(minutes=minutes)).isoformat()
    return payload


def test_a_plain_round_stores_the_start_of_an_interview(
    client: FlaskClient, round_id: str, as_enumerator: dict[str, str], as_supervisor: dict[str, str]
) -> None:
    payload = interview(0, 30)

    assert client.post(SUBMIT, json=payload, headers=as_enumerator).status_code == 201

    stored = client.get(f"{SUBMIT}/{payload['submission_id']}", headers=as_supervisor).json
    assert stored["started_at"] == "2025-05-01T01:00:00+00:00"


def test_a_plain_round_resend_without_a_start_is_still_a_duplicate(
    client: FlaskClient, round_id: str, as_enumerator: dict[str, str]
) -> None:
    payload = factories.household()

    assert client.post(SUBMIT, json=payload, headers=as_enumerator).status_code == 201
    again = client.post(SUBMIT, json=payload, headers=as_enumerator)

    assert (again.status_code, again.json["status"]) == (200, "duplicate")


def test_a_start_that_is_not_a_time_is_refused_on_its_field(
    client: FlaskClient, round_id: str, as_enumerator: dict[str, str]
) -> None:
    payload = {**factories.household(), "started_at": "this morning"}

    response = client.post(SUBMIT, json=payload, headers=as_enumerator)

    assert response.status_code == 422
    assert "started_at" in str(response.json)


def test_quality_flags_short_interviews_in_a_plain_round(
    client: FlaskClient, round_id: str, as_enumerator: dict[str, str], as_supervisor: dict[str, str]
) -> None:
    honest = [interview(hour, 30, smartphones=hour % 4) for hour in range(8)]
    rushed = [interview(8 + hour, 4, smartphones=hour) for hour in range(3)]
    batch = {"submissions": honest + rushed}
    sent = client.post(f"{SUBMIT}/batch", json=batch, headers=as_enumerator)
    assert sent.json["summary"]["created"] == 11

    report = client.get(f"/api/v1/rounds/{ROUND}/quality", headers=as_supervisor).json

    (group,) = report["groups"]
    assert group["median_duration_min"] == pytest.approx(30)
    assert report["short_minutes"] == pytest.approx(10)
    (flag,) = group["flags"]
    assert flag["code"] == "short_interviews"
    assert set(flag["submission_ids"]) == {payload["submission_id"] for payload in rushed}
