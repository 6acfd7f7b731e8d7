"""Estimates of a round with a sample on its input weights (`?weighting=input`, before the
non-response step) use its base weights 1/(psu_prob·unit_prob), certainty PSUs as their own
strata, only the completion that counts per assignment, and equal R `survey` on the same units
(tests/fixtures/sample_round/golden.R). The non-response step:
tests/estimates/test_weighting_sample_api.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.factories import household_round
from tests.support.sample_fixture import assert_equal_to_r, estimates_of, send_sample_and_visits

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sample_round"
ROUND = "hh-golden"
GOLDEN = json.loads((FIXTURE / "golden.json").read_text())


@pytest.fixture
def round_id(make_round, client: FlaskClient, as_admin, as_supervisor) -> str:
    make_round(household_round(ROUND))
    sample = (FIXTURE / "sample.csv").read_bytes()
    send_sample_and_visits(client, ROUND, FIXTURE, sample, as_admin, as_supervisor)
    return ROUND


def estimates(client: FlaskClient, headers: dict[str, str], query: str) -> dict[str, Any]:
    return estimates_of(client, ROUND, headers, f"{query}&weighting=input")


@pytest.mark.parametrize("indicator", ["fiber_available", "mobile_4g_5g"])
def test_a_province_rate_equals_r(client, as_analyst, round_id, indicator: str) -> None:
    [result] = estimates(client, as_analyst, f"indicator={indicator}")[indicator]["results"]
    expected = GOLDEN[indicator][0]
    assert_equal_to_r(result, expected)
    assert result["n"] == expected["n"] == GOLDEN["n_units"]
    assert result["population"] == pytest.approx(GOLDEN["population"], rel=1e-9)


@pytest.mark.parametrize("indicator", ["fiber_available", "mobile_4g_5g"])
def test_district_rates_equal_r(client, as_analyst, round_id, indicator: str) -> None:
    block = estimates(client, as_analyst, f"indicator={indicator}&by=district")[indicator]
    results = {r["domain"]["district"]: r for r in block["results"]}
    expected = {row["domain"]: row for row in GOLDEN[indicator][1:]}
    assert set(results) == set(expected)
    for district, row in expected.items():
        assert_equal_to_r(results[district], row)
        assert results[district]["n"] == row["n"]


def test_a_person_level_rate_equals_r(client, as_analyst, round_id) -> None:
    [result] = estimates(client, as_analyst, "indicator=epay_account")["epay_account"]["results"]
    assert_equal_to_r(result, GOLDEN["epay_account"][0])
