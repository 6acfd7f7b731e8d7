"""The two-stage sample round of tests/fixtures/two_stage_round: its sample, loaded with the
phones' visits (completed units and non-response)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from tests.support.factories import household_round

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
    loaded = client.put(
        f"/api/v1/rounds/{ROUND}/sample",
        data=sample.encode(),
        headers={**as_admin, "Content-Type": "text/csv"},
    )
    assert loaded.status_code == 200, loaded.json
    visits = json.loads((FIXTURE / "visits.json").read_text())
    sent = client.post(
        f"/api/v1/rounds/{ROUND}/submissions/batch",
        json={"submissions": visits},
        headers=as_supervisor,
    )
    assert sent.json["summary"]["created"] == len(visits), sent.json
    return ROUND
