"""A round's sample and its phones' visits, from a fixture folder of R goldens (sample CSV and
`visits.json`), sent as the admin and a supervisor would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient


def send_sample_and_visits(
    client: FlaskClient, round_id: str, fixture: Path, sample: bytes, as_admin, as_supervisor
) -> None:
    loaded = client.put(
        f"/api/v1/rounds/{round_id}/sample",
        data=sample,
        headers={**as_admin, "Content-Type": "text/csv"},
    )
    assert loaded.status_code == 200, loaded.json
    visits = json.loads((fixture / "visits.json").read_text())
    sent = client.post(
        f"/api/v1/rounds/{round_id}/submissions/batch",
        json={"submissions": visits},
        headers=as_supervisor,
    )
    assert sent.json["summary"]["created"] == len(visits), sent.json


def estimates_of(
    client: FlaskClient, round_id: str, headers: dict[str, str], query: str
) -> dict[str, Any]:
    """The round's estimates by indicator, withheld rows shown (every number is compared)."""
    url = f"/api/v1/rounds/{round_id}/estimates?{query}&suppressed=show"
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.json
    return {block["indicator"]: block for block in response.json["estimates"]}


def assert_equal_to_r(result: dict[str, Any], expected: dict[str, Any]) -> None:
    """Estimate, se and df as R's golden, and the interval where R gives one (at df 0 and 1
    R's logit interval is (0, NaN), which the golden writes as 0 and null: no interval)."""
    assert result["estimate"] == pytest.approx(expected["estimate"], rel=1e-6)
    assert result["se"] == pytest.approx(expected["se"], rel=1e-6)
    if expected.get("ci_low") is not None and expected.get("ci_high") is not None:
        for bound in ("ci_low", "ci_high"):
            assert result[bound] == pytest.approx(expected[bound], rel=1e-6), bound
    assert result["df"] == expected["df"]
