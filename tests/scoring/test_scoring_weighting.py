"""Non-response classes, certainty PSUs and calibration errors (docs/design.md §8-§9)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring import ScoringError
from scoring.weights import (
    CalibrationSpec,
    CategoryWithoutTotal,
    InfeasibleBounds,
    MarginSumsDiffer,
    NonresponseSpec,
    NotConverged,
    TotalWithoutRespondent,
    WeightCells,
    adjusted_weights,
    calibrate,
    summarize,
    variance_design,
)
from service import demo

PSU_CLASSES = NonresponseSpec()


def _adjust(rows: list[tuple[str, str, str, float]], spec: NonresponseSpec = PSU_CLASSES):
    stratum, psu, outcome, d = (np.array(c, dtype=object) for c in zip(*rows, strict=True))
    return adjusted_weights(spec, stratum, psu, outcome, d.astype(float))


def test_two_steps_spread_unknown_eligibility_then_nonresponse_and_drop_ineligibles() -> None:
    rows = [("S", "P", o, 10.0) for o in ("completed", "completed", "refused", "not_found")]
    rows += [("S", "P", "ineligible", 10.0)]
    w, adjustment = _adjust(rows)
    # A = 50/40 (not_found spread over the 4 found units), B = 30/20 (eligible over completed)
    np.testing.assert_allclose(w, [18.75, 18.75, 0, 0, 0])
    [cls] = adjustment.classes
    assert (cls.eligible, cls.completed) == (3, 2)
    assert cls.factor == pytest.approx(1.875)


def test_a_psu_with_fewer_than_min_respondents_collapses_its_stratum() -> None:
    rows = [("S", "P1", "completed", 10.0), ("S", "P1", "refused", 10.0)]
    rows += [("S", "P2", o, 10.0) for o in ("completed", "completed", "completed")]
    w, adjustment = _adjust(rows)
    np.testing.assert_allclose(w[w > 0], [12.5] * 4)  # one class: 50 eligible over 40 completed
    assert [c.label for c in adjustment.classes] == ["stratum S"]
    assert "stratum S: PSU classes collapsed to the stratum" in adjustment.warnings


def test_a_factor_above_max_factor_collapses_its_stratum() -> None:
    rows = [("S", "P1", "completed", 10.0)] * 2 + [("S", "P1", "refused", 10.0)] * 5
    rows += [("S", "P2", "completed", 10.0)] * 6 + [("T", "Q", "completed", 5.0)] * 2
    w, adjustment = _adjust(rows)
    assert [c.label for c in adjustment.classes] == ["stratum S", "PSU Q (stratum T)"]
    assert w[0] == pytest.approx(10 * 13 / 8)


def test_a_collapsed_stratum_still_above_max_factor_is_a_warning() -> None:
    rows = [("S", "P1", "completed", 10.0)] + [("S", "P1", "refused", 10.0)] * 5
    rows += [("S", "P2", "completed", 10.0)] + [("S", "P2", "refused", 10.0)] * 5
    _, adjustment = _adjust(rows)
    assert any("above max_factor 3" in message for message in adjustment.warnings)


def test_a_stratum_without_completed_units_is_a_warning_and_carries_no_weight() -> None:
    rows = [("S", "P", "refused", 10.0), ("S", "P", "noncontact", 10.0)]
    rows += [("T", "Q", "completed", 10.0)] * 2
    w, adjustment = _adjust(rows, NonresponseSpec.from_json({"classes": "stratum"}))
    np.testing.assert_allclose(w, [0, 0, 10, 10])
    assert "stratum S has no completed unit: it carries no weight" in adjustment.warnings


def test_a_psu_with_no_visited_unit_forms_no_class() -> None:
    rows = [("S", "P1", "not_found", 10.0), ("S", "P2", "completed", 10.0)]
    rows += [("S", "P2", "completed", 10.0)]
    w, adjustment = _adjust(rows)
    np.testing.assert_allclose(w, [0, 10, 10])
    assert adjustment.warnings == ("PSU P1 (stratum S) has no visited unit: it forms no class",)


def test_with_stratum_classes_an_unvisited_psu_spreads_its_weight_over_the_stratum() -> None:
    rows = [("S", "P1", "not_found", 10.0), ("S", "P2", "completed", 10.0)]
    rows += [("S", "P2", "completed", 10.0)]
    w, adjustment = _adjust(rows, NonresponseSpec.from_json({"classes": "stratum"}))
    np.testing.assert_allclose(w, [0, 15, 15])
    assert adjustment.warnings == ()


def test_classes_none_adjusts_the_whole_sample_as_one_class() -> None:
    rows = [("S", "P", "completed", 10.0), ("T", "Q", "refused", 30.0)]
    w, _ = _adjust(rows, NonresponseSpec.from_json({"classes": "none"}))
    np.testing.assert_allclose(w, [40, 0])


@pytest.mark.parametrize(
    "obj",
    [{"classes": "district"}, {"min_respondents": 0}, {"max_factor": 0.5}, {"max_factor": True}],
)
def test_bad_nonresponse_settings_are_refused(obj: dict) -> None:
    with pytest.raises(ScoringError):
        NonresponseSpec.from_json(obj)


def test_an_unknown_outcome_is_refused() -> None:
    with pytest.raises(ScoringError, match="outcome must be one of"):
        _adjust([("S", "P", "pending", 1.0)])


def test_a_certainty_psu_is_its_own_variance_stratum_with_its_units_as_psus() -> None:
    strata, psus = variance_design(
        ["S", "S", "T"], ["P", "P", "Q"], ["u1", "u2", "u3"], [1.0, 1.0, 0.2]
    )
    assert strata.tolist() == ["S/P", "S/P", "T"]
    assert psus.tolist() == ["u1", "u2", "Q"]


def _calibrate(margins: list[dict], method: str = "rake", bounds: list | None = None):
    spec = CalibrationSpec.from_json({"method": method, "margins": margins, "bounds": bounds})
    labels = {"district": ["080", "080", "082"], "area": ["urban", "rural", "rural"]}
    return calibrate(spec, labels, np.array([10.0, 20.0, 30.0]))


DISTRICT = {"variables": ["district"], "totals": {"080": 40, "082": 40}}
AREA = {"variables": ["area"], "totals": {"urban": 20, "rural": 60}}


def test_margins_whose_sums_differ_are_refused_naming_the_margin() -> None:
    with pytest.raises(MarginSumsDiffer) as err:
        _calibrate([DISTRICT, {"variables": ["area"], "totals": {"urban": 20, "rural": 61}}])
    assert err.value.margin == "area"


def test_a_sample_category_without_a_total_is_refused_naming_it() -> None:
    with pytest.raises(CategoryWithoutTotal) as err:
        _calibrate([{"variables": ["district"], "totals": {"080": 80}}])
    assert (err.value.margin, err.value.category) == ("district", "082")


def test_a_total_without_a_responding_unit_is_refused_naming_it() -> None:
    crossed = {
        "variables": ["district", "area"],
        "totals": {"080|urban": 10, "080|rural": 30, "082|rural": 30, "082|urban": 10},
    }
    with pytest.raises(TotalWithoutRespondent) as err:
        _calibrate([crossed])
    assert (err.value.margin, err.value.category) == ("district|area", "082|urban")


def test_margins_that_no_positive_weights_meet_do_not_converge() -> None:
    # 082 is all rural: rural ≥ 082's total is impossible with rural = 30 < 50
    with pytest.raises(NotConverged) as err:
        _calibrate(
            [
                {"variables": ["district"], "totals": {"080": 30, "082": 50}},
                {"variables": ["area"], "totals": {"urban": 50, "rural": 30}},
            ]
        )
    assert err.value.margin in ("district", "area")


def test_bounds_that_cannot_be_met_are_refused() -> None:
    with pytest.raises(InfeasibleBounds):
        _calibrate([DISTRICT, AREA], "linear", [0.9, 1.1])


def test_bounded_calibration_keeps_g_within_bounds() -> None:
    calibrated = _calibrate([DISTRICT, AREA], "linear", [0.5, 2.0])
    assert np.all((calibrated.g >= 0.5) & (calibrated.g <= 2.0))
    assert [round(c.achieved, 9) for c in calibrated.categories] == [40, 40, 60, 20]


def test_rake_converges_when_the_cell_sums_carry_rounding_noise() -> None:
    """The demo's households raked to census counts: cell sums differing in the last bits (as
    summing the same weights in another order gives) once stalled Newton just above the
    tolerance, its line search halving on Φ's rounding noise."""
    households = demo.households()
    keys = [tuple(h["location"][v] for v in ("district", "commune", "area")) for h in households]
    classes = sorted(set(keys))
    sums = np.zeros(len(classes))
    np.add.at(sums, [classes.index(k) for k in keys], [h["sampling"]["weight"] for h in households])
    labels = {
        v: np.array([k[i] for k in classes], dtype=object)
        for i, v in enumerate(("district", "commune", "area"))
    }
    spec = CalibrationSpec.from_json(demo.household_calibration())
    for seed in range(200):
        noise = np.random.default_rng(seed).uniform(-1e-14, 1e-14, sums.shape)
        calibrated = calibrate(spec, labels, sums * (1 + noise))
        assert calibrated.iterations <= 5


@pytest.mark.parametrize(
    "obj",
    [
        {"method": "ipf", "margins": [DISTRICT]},
        {"method": "rake", "margins": []},
        {"method": "poststratify", "margins": [DISTRICT, AREA]},
        {"method": "poststratify", "margins": [DISTRICT], "bounds": [0.5, 2]},
        {"method": "linear", "margins": [DISTRICT], "bounds": [1.2, 2]},
        {"method": "rake", "margins": [{"variables": ["district"], "totals": {"080": -1}}]},
        {"method": "rake", "margins": [{"variables": ["district", "area"], "totals": {"080": 1}}]},
    ],
)
def test_malformed_calibrations_are_refused(obj: dict) -> None:
    with pytest.raises(ScoringError):
        CalibrationSpec.from_json(obj)


def test_the_weight_summary_from_cells_equals_the_unit_level_formulas() -> None:
    d = np.array([10.0, 12.0, 30.0, 31.0, 33.0])
    w_nr = d * np.array([1.2, 1.2, 1.5, 1.5, 1.5])
    g = np.array([0.9, 1.1])
    cell = np.array([0, 0, 1, 1, 1])
    cells = WeightCells(
        n=np.bincount(cell),
        sum_input=np.bincount(cell, weights=d),
        sum_adjusted=np.bincount(cell, weights=w_nr),
        sum_squares=np.bincount(cell, weights=w_nr**2),
        low=np.array([w_nr[:2].min(), w_nr[2:].min()]),
        high=np.array([w_nr[:2].max(), w_nr[2:].max()]),
    )
    final = g[cell] * w_nr
    summary = summarize(cells, g)
    assert summary.n_respondents == 5
    assert summary.sum_input == pytest.approx(d.sum())
    assert summary.sum_final == pytest.approx(final.sum())
    assert (summary.min, summary.max) == (pytest.approx(final.min()), pytest.approx(final.max()))
    assert summary.cv == pytest.approx(final.std() / final.mean())
    assert summary.kish_deff == pytest.approx(1 + (final.std() / final.mean()) ** 2)
    assert (summary.g_min, summary.g_max) == (0.9, 1.1)
