"""The change engine's behaviour beyond the R goldens: pairing rules, errors, edge cases,
and agreement with the single-round engines (plain and calibrated)."""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from scoring import Estimand, LonelyPsuError, PsuTotals, ScoringError, estimate_from_totals
from scoring.calibrated_rounds import CalibratedRound, calibrated_round_from_rows
from scoring.contrasts import MISSING_IN_ROUND, change_from_totals
from scoring.stacking import PairingError, RoundTotals
from scoring.weights import CalibrationSpec, CellTotals, calibrate, estimate_calibrated

CHANGE_FIXTURES = Path(__file__).parents[1] / "fixtures" / "reference_change"


def _totals(strata, psus, domains, n, sw, swy) -> PsuTotals:
    return PsuTotals(stratum=strata, psu=psus, domain=domains, n=n, sw=sw, swy=swy)


FROM = _totals(
    ["A", "A", "A", "B", "B"],
    ["a1", "a2", "a3", "b1", "b2"],
    ["x", "x", "y", "y", "x"],
    [10, 12, 9, 11, 8],
    [100.0, 130.0, 90.0, 120.0, 70.0],
    [40.0, 80.0, 30.0, 90.0, 20.0],
)
TO = _totals(
    ["A", "A", "B", "B", "B"],
    ["a1", "a4", "b1", "b2", "b3"],
    ["x", "y", "y", "x", "x"],
    [9, 13, 10, 12, 7],
    [95.0, 140.0, 110.0, 125.0, 60.0],
    [60.0, 90.0, 85.0, 70.0, 35.0],
)


def _by_domain(results):
    return {r.domain: r for r in results}


def test_independent_rounds_add_their_variances_and_their_df() -> None:
    change = _by_domain(change_from_totals(RoundTotals(FROM), RoundTotals(TO), "proportion"))
    before = _by_domain(estimate_from_totals(FROM, "proportion"))
    after = _by_domain(estimate_from_totals(TO, "proportion"))
    for d in ("x", "y"):
        assert math.isclose(change[d].se ** 2, before[d].se ** 2 + after[d].se ** 2, rel_tol=1e-12)
        assert change[d].df == before[d].df + after[d].df
        assert change[d].difference == pytest.approx(after[d].estimate - before[d].estimate)


def test_the_same_sample_twice_under_overlapping_has_no_change_and_no_variance() -> None:
    [result] = change_from_totals(
        RoundTotals(FROM), RoundTotals(FROM), "mean", pairing="overlapping"
    )[:1]
    assert result.difference == 0.0
    assert result.se == 0.0
    assert (result.ci_low, result.ci_high) == (0.0, 0.0)
    assert result.significant is False


def test_overlapping_counts_a_revisited_psu_and_its_stratum_once_in_df() -> None:
    change = _by_domain(
        change_from_totals(RoundTotals(FROM), RoundTotals(TO), "proportion", "overlapping")
    )
    # domain x: PSUs a1, a2, b2 (from) and a1, b2, b3 (to) → 4 PSUs in strata A and B
    assert change["x"].df == 4 - 2


def test_overlapping_refuses_a_psu_that_changed_stratum() -> None:
    moved = _totals(["B"], ["a1"], ["x"], [5], [50.0], [20.0])
    with pytest.raises(PairingError, match="PSU a1 lies in strata A and B"):
        change_from_totals(RoundTotals(FROM), RoundTotals(moved), "proportion", "overlapping")


def test_overlapping_refuses_an_fpc() -> None:
    fpc = {"A": 10, "B": 8}
    with pytest.raises(PairingError, match="without fpc"):
        change_from_totals(RoundTotals(FROM, fpc), RoundTotals(TO), "mean", "overlapping")


def test_independent_rounds_keep_each_rounds_fpc() -> None:
    fpc_from, fpc_to = {"A": 10, "B": 5}, {"A": 4, "B": 30}
    change = _by_domain(
        change_from_totals(RoundTotals(FROM, fpc_from), RoundTotals(TO, fpc_to), "mean")
    )
    before = _by_domain(estimate_from_totals(FROM, "mean", fpc=fpc_from))
    after = _by_domain(estimate_from_totals(TO, "mean", fpc=fpc_to))
    for d in ("x", "y"):
        assert math.isclose(change[d].se ** 2, before[d].se ** 2 + after[d].se ** 2, rel_tol=1e-12)


def test_an_fpc_for_one_round_only_is_refused() -> None:
    with pytest.raises(ScoringError, match="both rounds or for neither"):
        change_from_totals(RoundTotals(FROM, {"A": 10, "B": 5}), RoundTotals(TO), "mean")


def test_an_unknown_pairing_is_refused() -> None:
    with pytest.raises(ScoringError, match="pairing must be one of"):
        change_from_totals(RoundTotals(FROM), RoundTotals(TO), "mean", pairing="paired")


def test_a_domain_in_one_round_only_has_a_reason_and_no_difference() -> None:
    later = _totals(["A", "A"], ["a1", "a2"], ["x", "z"], [5, 6], [50.0, 60.0], [20.0, 30.0])
    change = _by_domain(change_from_totals(RoundTotals(FROM), RoundTotals(later), "proportion"))
    assert sorted(change) == ["x", "y", "z"]
    for d, (before, after) in {"y": (True, False), "z": (False, True)}.items():
        assert change[d].reason == MISSING_IN_ROUND
        assert change[d].difference is None and change[d].se is None
        assert (change[d].from_estimate is not None, change[d].to_estimate is not None) == (
            before,
            after,
        )
    assert change["x"].reason is None


def test_significant_exactly_when_the_interval_excludes_zero() -> None:
    results = change_from_totals(RoundTotals(FROM), RoundTotals(TO), "proportion", level=0.9)
    with_interval = [r for r in results if r.ci_low is not None]
    assert with_interval
    for result in with_interval:
        assert result.significant == (result.ci_low > 0 or result.ci_high < 0)
        assert (result.p_value < 0.1) == result.significant


def test_no_df_no_interval_no_p_value_no_verdict() -> None:
    change = _by_domain(change_from_totals(RoundTotals(FROM), RoundTotals(TO), "proportion"))
    # domain y: one PSU in each of its two strata in each round
    assert change["y"].df == 0
    assert change["y"].se is not None
    assert (change["y"].ci_low, change["y"].p_value, change["y"].significant) == (None,) * 3


def test_a_lonely_stratum_anywhere_in_the_stack_fails_under_fail() -> None:
    lonely = _totals(
        ["A", "A", "C"], ["a1", "a2", "c1"], ["x", "x", "y"], [5] * 3, [50.0] * 3, [20.0] * 3
    )
    with pytest.raises(LonelyPsuError, match="C"):
        change_from_totals(
            RoundTotals(FROM), RoundTotals(lonely), "proportion", "overlapping", lonely_psu="fail"
        )


def test_the_level_sets_the_interval_width() -> None:
    wide = change_from_totals(RoundTotals(FROM), RoundTotals(TO), "mean", level=0.99)[0]
    narrow = change_from_totals(RoundTotals(FROM), RoundTotals(TO), "mean", level=0.8)[0]
    assert wide.ci_high - wide.ci_low > narrow.ci_high - narrow.ci_low
    assert wide.level == 0.99


def _calibrated(totals: PsuTotals, area: list[str], margins: list[dict]) -> CalibratedRound:
    """A round calibrated on area: one unit per row, cells by area."""
    spec = CalibrationSpec.from_json({"method": "rake", "margins": margins})
    cells = sorted(set(area))
    cell = np.array([cells.index(a) for a in area])
    calibrated = calibrate(spec, {"area": np.array(cells)}, np.bincount(cell, weights=totals.sw))
    rows = CellTotals(
        stratum=totals.stratum,
        psu=totals.psu,
        cell=cell,
        domain=totals.domain,
        n=totals.n,
        sd=totals.sw,
        sdy=totals.swy,
    )
    return CalibratedRound(rows, calibrated)


AREA_FROM, AREA_TO = ["u", "r", "r", "u", "r"], ["u", "u", "r", "r", "r"]
MARGINS_FROM = [{"variables": ["area"], "totals": {"u": 250.0, "r": 300.0}}]
MARGINS_TO = [{"variables": ["area"], "totals": {"u": 200.0, "r": 360.0}}]


def test_independent_calibrated_rounds_add_each_rounds_calibrated_variance() -> None:
    before, after = _calibrated(FROM, AREA_FROM, MARGINS_FROM), _calibrated(TO, AREA_TO, MARGINS_TO)
    change = _by_domain(change_from_totals(before, after, "proportion"))
    single = [
        _by_domain(estimate_calibrated(r.totals, r.calibrated, "proportion"))
        for r in (before, after)
    ]
    for d in ("x", "y"):
        assert math.isclose(
            change[d].se ** 2, single[0][d].se ** 2 + single[1][d].se ** 2, rel_tol=1e-10
        )
        assert change[d].from_estimate == pytest.approx(single[0][d].estimate, rel=1e-12)
        assert change[d].to_estimate == pytest.approx(single[1][d].estimate, rel=1e-12)


def test_one_calibrated_round_beside_an_uncalibrated_one() -> None:
    after = _calibrated(TO, AREA_TO, MARGINS_TO)
    change = _by_domain(change_from_totals(RoundTotals(FROM), after, "mean"))
    before = _by_domain(estimate_from_totals(FROM, "mean"))
    calibrated = _by_domain(estimate_calibrated(after.totals, after.calibrated, "mean"))
    for d in ("x", "y"):
        expected = before[d].se ** 2 + calibrated[d].se ** 2
        assert math.isclose(change[d].se ** 2, expected, rel_tol=1e-10)


def test_a_change_whose_interval_lies_above_zero_is_significant() -> None:
    nearly_all = replace(FROM, swy=[95.0, 125.0, 85.0, 115.0, 66.0])  # same units, more yes
    change = _by_domain(
        change_from_totals(RoundTotals(FROM), RoundTotals(nearly_all), "proportion")
    )
    assert 0 < change["x"].ci_low < 1
    assert change["x"].significant is True


def test_a_domain_in_one_round_only_reports_the_level_asked_for() -> None:
    later = _totals(["A", "A"], ["a1", "a2"], ["x", "z"], [5, 6], [50.0, 60.0], [20.0, 30.0])
    change = _by_domain(
        change_from_totals(RoundTotals(FROM), RoundTotals(later), "proportion", level=0.9)
    )
    assert change["z"].reason == MISSING_IN_ROUND
    assert change["z"].level == 0.9


def test_rounds_without_any_value_are_refused() -> None:
    silent = _totals(["A", "A"], ["a1", "a2"], ["x", "x"], [0, 0], [50.0, 60.0], [0.0, 0.0])
    with pytest.raises(ScoringError, match=r"^no rows with a value: every domain is empty$"):
        change_from_totals(RoundTotals(silent), RoundTotals(silent), "mean")


def test_at_one_degree_of_freedom_the_p_value_is_two_sided_student_t_with_one_df() -> None:
    before = _totals(["A", "A"], ["a1", "a2"], ["x", "x"], [10, 12], [100.0, 130.0], [40.0, 80.0])
    after = _totals(["A", "A"], ["a1", "a2"], ["x", "x"], [9, 13], [95.0, 140.0], [60.0, 70.0])
    (change,) = change_from_totals(
        RoundTotals(before), RoundTotals(after), "proportion", pairing="overlapping"
    )
    assert change.df == 1
    statistic = abs(change.difference) / change.se
    assert change.p_value == pytest.approx(2 * stats.t.sf(statistic, 1), rel=1e-12)


def _with_row(totals: PsuTotals, **row: object) -> PsuTotals:
    """``totals`` with one more PSU × domain cell."""
    return replace(totals, **{name: [*getattr(totals, name), v] for name, v in row.items()})


def test_a_domain_with_a_single_unit_in_one_round_only_is_reported_missing_in_the_other() -> None:
    before = _with_row(FROM, stratum="A", psu="a3", domain="w", n=1, sw=10.0, swy=10.0)
    after = _with_row(TO, stratum="B", psu="b3", domain="z", n=1, sw=10.0, swy=0.0)
    change = _by_domain(change_from_totals(RoundTotals(before), RoundTotals(after), "proportion"))
    assert (change["w"].from_estimate, change["w"].to_estimate) == (1.0, None)
    assert (change["z"].from_estimate, change["z"].to_estimate) == (None, 0.0)
    assert change["w"].reason == change["z"].reason == MISSING_IN_ROUND


def test_a_domain_with_a_single_unit_in_each_round_has_a_difference() -> None:
    before = _with_row(FROM, stratum="A", psu="a3", domain="w", n=1, sw=10.0, swy=10.0)
    after = _with_row(TO, stratum="B", psu="b3", domain="w", n=1, sw=10.0, swy=0.0)
    change = _by_domain(change_from_totals(RoundTotals(before), RoundTotals(after), "proportion"))
    assert change["w"].difference == -1.0
    assert change["w"].reason is None


def test_a_cell_without_a_unit_with_a_value_adds_nothing_to_the_change() -> None:
    # three units of positive weight without a value (rows 3, n 0): they count in the df,
    # but not in the estimate, whatever weight sum was stored with them
    silent = replace(
        _with_row(FROM, stratum="A", psu="a3", domain="x", n=0, sw=40.0, swy=0.0),
        rows=[*FROM.n, 3],
    )
    change = _by_domain(change_from_totals(RoundTotals(silent), RoundTotals(TO), "proportion"))
    expected = _by_domain(change_from_totals(RoundTotals(FROM), RoundTotals(TO), "proportion"))
    single = _by_domain(estimate_from_totals(silent, "proportion"))
    assert change["x"].from_estimate == single["x"].estimate
    assert (change["x"].difference, change["x"].se) == (
        expected["x"].difference,
        expected["x"].se,
    )


def test_a_stratum_without_a_unit_yet_is_not_averaged_over_under_average() -> None:
    lonely = _with_row(TO, stratum="C", psu="c1", domain="x", n=4, sw=40.0, swy=10.0)
    # stratum D's only PSU has no unit yet (rows = 0): it is not in the design
    empty = replace(
        _with_row(lonely, stratum="D", psu="d1", domain="x", n=0, sw=0.0, swy=0.0),
        rows=[*lonely.n, 0],
    )
    for pairing in ("independent", "overlapping"):
        with_empty, without = (
            _by_domain(
                change_from_totals(
                    RoundTotals(FROM), RoundTotals(r), "proportion", pairing, lonely_psu="average"
                )
            )
            for r in (empty, lonely)
        )
        assert with_empty["x"].se == without["x"].se


def test_a_calibrated_domain_whose_weights_sum_to_one_keeps_its_calibration_residuals() -> None:
    # domain y's calibrated weights sum to exactly 1 (0.25 + 0.75, g = 1: the totals are met)
    small = replace(FROM, sw=[2.0, 3.0, 0.25, 0.75, 1.0], swy=[1.0, 2.0, 0.25, 0.5, 0.0])
    margins = [{"variables": ["area"], "totals": {"u": 2.75, "r": 4.25}}]
    before = _calibrated(small, AREA_FROM, margins)
    change = _by_domain(change_from_totals(before, RoundTotals(TO), "proportion"))
    single = _by_domain(estimate_calibrated(before.totals, before.calibrated, "proportion"))
    after = _by_domain(estimate_from_totals(TO, "proportion"))
    assert math.isclose(
        change["y"].se ** 2, single["y"].se ** 2 + after["y"].se ** 2, rel_tol=1e-10
    )


def test_a_calibrated_round_refuses_a_numeric_margin_value_that_is_not_a_number() -> None:
    columns = _change_columns("round_2023.csv")
    columns["members_15plus"][0] = "n/a"
    spec = CalibrationSpec.from_json(
        {
            "method": "linear",
            "margins": [
                {"variables": ["area"], "totals": {"rural": 105532.0, "urban": 19750.9}},
                {"variables": ["members_15plus"], "total": 400000.0},
            ],
        }
    )
    with pytest.raises(
        ScoringError, match=r"^calibration variable 'members_15plus' must be numbers$"
    ):
        calibrated_round_from_rows(
            columns["weight"].astype(float),
            columns["stratum"],
            columns["psu"],
            Estimand.proportion(columns["fiber_available"].astype(float)),
            spec,
            columns,
        )


def _change_columns(name: str) -> dict[str, np.ndarray]:
    with open(CHANGE_FIXTURES / name, newline="") as f:
        rows = list(csv.DictReader(f))
    return {column: np.array([r[column] for r in rows], dtype=object) for column in rows[0]}


def test_a_domain_sorting_last_whose_units_all_weigh_zero_leaves_the_others_alone() -> None:
    # domain z: two units of weight 0 (rows 2, weighted_rows 0) in PSU a3
    weightless = replace(
        _with_row(FROM, stratum="A", psu="a3", domain="z", n=0, sw=0.0, swy=0.0),
        rows=[*FROM.n, 2],
        weighted_rows=[*FROM.n, 0],
    )
    change = _by_domain(change_from_totals(RoundTotals(weightless), RoundTotals(TO), "proportion"))
    expected = _by_domain(change_from_totals(RoundTotals(FROM), RoundTotals(TO), "proportion"))
    assert sorted(change) == ["x", "y"]
    assert change["x"].df == expected["x"].df
