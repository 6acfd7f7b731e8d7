"""The two-stage sample round of tests/fixtures/two_stage_round: its sample, loaded with the
phones' visits (completed units and non-response)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from tests.support.factories import household_round
from tests.support.sample_fixture import send_sample_and_visits

FIXTURE = Path(__file__).parents[1] / "fixtures" / "two_stage_round"
ROUND = "hh-two-stage"
SAMPLE = (FIXTURE / "sample.csv").read_text(encoding="utf-8")


def load_sample(
    client: FlaskClient, as_admin, as_supervisor, sample: str = SAMPLE, **design: Any
) -> str:
    made = client.post(
        "/api/v1/rounds", json=household_round(ROUND, design=design), headers=as_admin
    )
    assert made.status_code == 201, made.json
    send_sample_and_visits(client, ROUND, FIXTURE, sample.encode(), as_admin, as_supervisor)
    return ROUND
