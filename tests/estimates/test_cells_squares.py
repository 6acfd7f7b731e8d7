"""A sample round's contributions carry what a two-stage estimate needs (each unit's squared
weight and the w²-moments of its kind), a plain round's do not, and reweighting keeps them."""

from __future__ import annotations

import pytest

from service.cells.contributions import contributions, moment_field, reweighted

LOCATION = {"district": "080", "commune": "02641", "area": "urban"}
SAMPLING = {"stratum": "080-U", "psu": "080001", "weight": 40.0}
ANSWERS = {
    "members": 5,
    "members_15plus": 3,
    "fiber_available": True,
    "fiber_subscribed": False,
    "mobile_4g_5g": True,
    "smartphones": 2,
    "members_15plus_with_epay": 2,
    "members_15plus_egov_mobile": 1,
}


def test_a_sample_round_stores_the_squared_weight_and_each_kinds_squared_moments() -> None:
    agg = contributions("household", LOCATION, SAMPLING, ANSWERS, squared=True)
    assert agg["ww"] == 1600.0
    assert agg["v"]["fiber_available"] == {"wy": 40.0, "wwy": 1600.0}
    assert agg["v"]["epay_account"] == {
        "wy": 80.0,
        "wx": 120.0,
        "x": 3.0,
        "wwyy": 1600.0 * 4,
        "wwxy": 1600.0 * 6,
        "wwxx": 1600.0 * 9,
    }


def test_a_plain_round_stores_no_squares() -> None:
    agg = contributions("household", LOCATION, SAMPLING, ANSWERS)
    assert "ww" not in agg
    assert agg["v"]["fiber_available"] == {"wy": 40.0}


def test_reweighting_scales_the_squared_moments_by_the_square_of_the_factor() -> None:
    cell = {"n": 2, "w": 10.0, "ww": 50.0, moment_field("fiber_available", "wy"): 5.0}
    cell[moment_field("fiber_available", "wwy")] = 25.0
    scaled = reweighted(cell, 1.5)
    assert scaled["w"] == pytest.approx(15.0)
    assert scaled["ww"] == pytest.approx(112.5)
    assert scaled[moment_field("fiber_available", "wy")] == pytest.approx(7.5)
    assert scaled[moment_field("fiber_available", "wwy")] == pytest.approx(56.25)
    assert scaled["n"] == 2
