"""Each weighting rule and its message is written once, in the engine (issue 23): the same
invalid calibration is refused by the API (PATCH a round's weighting → 422, under the field it
names) and by the command line (`--calibration`, exit status 2) with the same message."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.apps import module_app

ROUND = "rules-once"
DATA = Path(__file__).parents[1] / "fixtures" / "reference_disagreements" / "round_from.csv"
DESIGN = ["--weight", "w", "--strata", "stratum", "--psu", "psu", "--mean", "y"]
AREA = {"variables": ["area"], "totals": {"urban": 60.0, "rural": 40.0}}

CASES = [
    pytest.param(
        {"method": "rake", "margins": [{"variables": ["province"], "totals": {"10": 100.0}}]},
        "calibration.margins.0.variables",
        "calibration.margins[0].variables names 'province', a variable the data do not have",
        id="an unknown margin variable",
    ),
    pytest.param(
        {"method": "rake", "margins": [{"variables": ["area", "district"], "totals": {"u": 1.0}}]},
        "calibration.margins.0.totals.u",
        "calibration.margins[0].totals.u must name 2 categories joined by '|', one per variable",
        id="a key with the wrong number of parts",
    ),
    pytest.param(
        {"method": "rake", "margins": [{"variables": ["area"], "totals": {"urban": -5.0}}]},
        "calibration.margins.0.totals.urban",
        "calibration.margins[0].totals.urban must be a number ≥ 0",
        id="a negative total",
    ),
    pytest.param(
        {"method": "linear", "bounds": [2.0, 0.5], "margins": [AREA]},
        "calibration.bounds",
        "calibration.bounds must be [low, high] with 0 < low ≤ 1 ≤ high",
        id="bounds reversed",
    ),
    pytest.param(
        {"method": "ipf", "margins": [AREA]},
        "calibration.method",
        "calibration.method must be one of poststratify, rake, linear, not 'ipf'",
        id="an unknown method",
    ),
    pytest.param(
        {
            "method": "linear",
            "margins": [AREA, {"variables": ["area"], "totals": {"urban": 50.0, "rural": 50.0}}],
        },
        "calibration.margins.1.totals.urban",
        "the margins area and area select the same units (area urban and area urban) "
        "but their totals differ (60 and 50)",
        id="coinciding margins with different totals",
    ),
    pytest.param(
        {"method": "rake", "margins": [AREA, {"variables": ["district"], "totals": {"80": 1.0}}]},
        "calibration.margins.1.totals",
        "margin district sums to 1, margin area to 100",
        id="margins whose sums differ",
    ),
    pytest.param(
        {"method": "poststratify", "margins": [AREA, AREA]},
        "calibration.margins",
        "poststratify takes exactly one margin",
        id="poststratify with two margins",
    ),
]


@pytest.fixture(scope="module")
def api(store_server) -> Iterator[tuple[Any, dict[str, str]]]:
    """A household round without submissions: (client, the admin's headers)."""
    with module_app(store_server.uri, "rules_once") as (client, headers):
        body = {
            "id": ROUND,
            "instrument": "household",
            "title": "Weighting rules",
            "period": {"start": "2025-01-01", "end": "2025-12-31"},
        }
        assert client.post("/api/v1/rounds", json=body, headers=headers["admin"]).status_code == 201
        yield client, headers["admin"]


def api_refusal(api: tuple[Any, dict[str, str]], calibration: dict[str, Any]) -> dict[str, Any]:
    client, admin = api
    body = {"weighting": {"calibration": calibration}}
    response = client.patch(f"/api/v1/rounds/{ROUND}", json=body, headers=admin)
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    errors: dict[str, Any] = response.json["errors"]
    return errors


def cli_refusal(tmp_path: Path, calibration: dict[str, Any]) -> str:
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(calibration), encoding="utf-8")
    argv = ["estimate", str(DATA), *DESIGN, "--calibration", str(path)]
    proc = subprocess.run(
        [sys.executable, "-m", "scoring", *argv], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    return proc.stderr


@pytest.mark.parametrize(("calibration", "field", "message"), CASES)
def test_the_api_and_the_command_line_refuse_with_the_same_message(
    api, tmp_path, calibration, field, message
):
    assert api_refusal(api, calibration) == {f"weighting.{field}": [message]}
    assert cli_refusal(tmp_path, calibration) == f"error: {message}\n"
