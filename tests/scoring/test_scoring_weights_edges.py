"""The weighting engine at its edges: each refusal with its message and field, and the
answers at the limits of each rule (docs/design.md §9; pins what mutation testing found
unguarded, docs/statistics.md "Mutation testing")."""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from scoring import Design, Estimand, ScoringError, estimate
from scoring.weights import (
    Calibrated,
    CalibrationError,
    CalibrationSpec,
    CategoryWithoutTotal,
    CellTotals,
    InconsistentTotals,
    InfeasibleBounds,
    MarginSumsDiffer,
    NonresponseSpec,
    NotConverged,
    OutcomeSums,
    SpecError,
    TotalWithoutRespondent,
    WeightCells,
    adjust,
    adjusted_weights,
    calibrate,
    calibrate_rows,
    estimate_calibrated,
    estimate_calibrated_rows,
    field_name,
    summarize,
    variance_design,
)
from scoring.weights.calibration import linear_distance, raking_distance
from scoring.weights.rows import row_totals
from service import demo

DISTRICT = {"variables": ["district"], "totals": {"080": 40, "082": 40}}
AREA = {"variables": ["area"], "totals": {"urban": 20, "rural": 60}}
MEMBERS = {"variables": ["members"], "total": 300}


def _crossed(first: str, second: str, totals: dict[str, float]) -> dict:
    return {"variables": [first, second], "totals": totals}


def _refusal(obj: object) -> SpecError:
    with pytest.raises(SpecError) as err:
        CalibrationSpec.from_json(obj)
    return err.value


MALFORMED_CALIBRATIONS = [
    ([DISTRICT], "calibration must be an object", ("calibration",)),
    (
        {"method": "rake", "margins": [DISTRICT], "bound": [0.5, 2]},
        "calibration has an unknown key 'bound' (keys: method, margins, bounds)",
        ("calibration", "bound"),
    ),
    (
        {"method": "ipf", "margins": [DISTRICT]},
        "calibration.method must be one of poststratify, rake, linear, not 'ipf'",
        ("calibration", "method"),
    ),
    (
        {"method": "rake"},
        "calibration.margins must be a non-empty list",
        ("calibration", "margins"),
    ),
    (
        {"method": "rake", "margins": []},
        "calibration.margins must be a non-empty list",
        ("calibration", "margins"),
    ),
    (
        {"method": "rake", "margins": [DISTRICT, "area"]},
        "calibration.margins[1] must be an object",
        ("calibration", "margins", 1),
    ),
    (
        {"method": "rake", "margins": [{**DISTRICT, "weight": 2}]},
        "calibration.margins[0] has an unknown key 'weight' (keys: variables, totals, total)",
        ("calibration", "margins", 0, "weight"),
    ),
    (
        {"method": "rake", "margins": [{"variables": ["district", "district"], "totals": {}}]},
        "calibration.margins[0].variables must be a list of distinct variable names",
        ("calibration", "margins", 0, "variables"),
    ),
    (
        {"method": "rake", "margins": [{"variables": ["district"], "totals": {}}]},
        "calibration.margins[0].totals must be a non-empty object",
        ("calibration", "margins", 0, "totals"),
    ),
    (
        {"method": "rake", "margins": [{"variables": ["district"], "totals": {"080": math.inf}}]},
        "calibration.margins[0].totals.080 must be a number ≥ 0",
        ("calibration", "margins", 0, "totals", "080"),
    ),
    (
        {"method": "rake", "margins": [_crossed("district", "area", {"080": 40})]},
        "calibration.margins[0].totals.080 must name 2 categories joined by '|', one per variable",
        ("calibration", "margins", 0, "totals", "080"),
    ),
    (
        {"method": "rake", "margins": [DISTRICT, {**MEMBERS, "totals": {"1": 1}}]},
        "calibration.margins[1] has either totals (categories) or total (numeric), not both",
        ("calibration", "margins", 1),
    ),
    (
        {"method": "rake", "margins": [DISTRICT, {"variables": ["members", "rooms"], "total": 3}]},
        "calibration.margins[1].variables must name one numeric variable with a total",
        ("calibration", "margins", 1, "variables"),
    ),
    (
        {"method": "rake", "margins": [DISTRICT, {"variables": ["members"], "total": math.nan}]},
        "calibration.margins[1].total must be a finite number",
        ("calibration", "margins", 1, "total"),
    ),
    (
        {"method": "rake", "margins": [MEMBERS]},
        "calibration needs a categorical margin (the population) beside numeric ones",
        ("calibration", "margins"),
    ),
    (
        {"method": "rake", "margins": [DISTRICT, {"variables": ["district"], "total": 3}]},
        "a variable cannot be in both a numeric and a categorical margin",
        ("calibration", "margins"),
    ),
    (
        {"method": "poststratify", "margins": [DISTRICT, AREA]},
        "poststratify takes exactly one margin",
        ("calibration", "margins"),
    ),
    (
        {"method": "poststratify", "margins": [DISTRICT], "bounds": [0.5, 2]},
        "bounds apply to rake and linear calibration only",
        ("calibration", "bounds"),
    ),
    (
        {"method": "rake", "margins": [DISTRICT], "bounds": [0.5]},
        "calibration.bounds must be [low, high] with 0 < low ≤ 1 ≤ high",
        ("calibration", "bounds"),
    ),
]


@pytest.mark.parametrize(("obj", "message", "path"), MALFORMED_CALIBRATIONS)
def test_a_malformed_calibration_is_refused_with_its_message_and_field(
    obj: object, message: str, path: tuple
) -> None:
    err = _refusal(obj)
    assert (str(err), err.path) == (message, path)


@pytest.mark.parametrize(
    "variables", [[], "district", [""], ["district", 7]], ids=["none", "text", "empty", "number"]
)
def test_margin_variables_must_be_a_list_of_names(variables: object) -> None:
    err = _refusal({"method": "rake", "margins": [{"variables": variables, "totals": {"0": 1}}]})
    assert err.path == ("calibration", "margins", 0, "variables")


@pytest.mark.parametrize(
    "total", [-1, True, "40", math.nan], ids=["negative", "bool", "text", "nan"]
)
def test_a_category_total_must_be_a_number_at_least_zero(total: object) -> None:
    err = _refusal(
        {"method": "rake", "margins": [{"variables": ["district"], "totals": {"080": total}}]}
    )
    assert err.path == ("calibration", "margins", 0, "totals", "080")


def test_a_category_total_of_zero_is_accepted() -> None:
    spec = CalibrationSpec.from_json(
        {"method": "rake", "margins": [{"variables": ["district"], "totals": {"080": 0, "082": 1}}]}
    )
    assert spec.margins[0].totals == {"080": 0.0, "082": 1.0}


@pytest.mark.parametrize("total", [True, "300", math.inf], ids=["bool", "text", "inf"])
def test_a_numeric_total_must_be_a_finite_number(total: object) -> None:
    err = _refusal(
        {"method": "rake", "margins": [DISTRICT, {"variables": ["members"], "total": total}]}
    )
    assert err.path == ("calibration", "margins", 1, "total")


def test_a_numeric_margin_is_one_variable_with_its_total() -> None:
    spec = CalibrationSpec.from_json({"method": "rake", "margins": [DISTRICT, MEMBERS]})
    numeric = spec.margins[1]
    assert (numeric.variables, numeric.totals, numeric.total, numeric.numeric) == (
        ("members",),
        {},
        300.0,
        True,
    )
    assert (spec.variables, spec.numeric_variables) == (("district", "members"), ("members",))


@pytest.mark.parametrize(
    "bounds",
    [[0, 2], [1, 1], [1.1, 2], [0.5, 0.9], [0.5, math.inf], [True, 2], [0.5, "2"], "0.5,2"],
)
def test_bounds_must_hold_one_between_a_positive_low_and_a_finite_high(bounds: object) -> None:
    err = _refusal({"method": "rake", "margins": [DISTRICT], "bounds": bounds})
    assert err.path == ("calibration", "bounds")


@pytest.mark.parametrize("bounds", [[1, 2], [0.5, 1]])
def test_bounds_may_start_or_end_at_one(bounds: list[float]) -> None:
    spec = CalibrationSpec.from_json({"method": "linear", "margins": [DISTRICT], "bounds": bounds})
    assert spec.bounds == (float(bounds[0]), float(bounds[1]))


def test_margins_summing_to_another_population_name_the_margin_and_both_sums() -> None:
    area = {"variables": ["area"], "totals": {"urban": 20, "rural": 61}}
    with pytest.raises(MarginSumsDiffer) as err:
        CalibrationSpec.from_json({"method": "rake", "margins": [DISTRICT, area]})
    assert str(err.value) == "margin area sums to 81, margin district to 80"
    assert (err.value.path, err.value.margin) == (("calibration", "margins", 1, "totals"), "area")


def test_margin_sums_may_differ_by_rounding_of_one_in_a_million() -> None:
    census = demo.household_calibration()
    population = sum(census["margins"][0]["totals"].values())
    census["margins"][1]["totals"]["urban"] += 0.99e-6 * population
    assert CalibrationSpec.from_json(census).margins[1].name == "area"
    census["margins"][1]["totals"]["urban"] += 0.02e-6 * population
    with pytest.raises(MarginSumsDiffer):
        CalibrationSpec.from_json(census)


def test_a_numeric_margin_is_not_held_to_the_population() -> None:
    spec = CalibrationSpec.from_json({"method": "rake", "margins": [DISTRICT, MEMBERS, AREA]})
    assert [m.name for m in spec.margins] == ["district", "members", "area"]


def test_two_margins_of_the_same_variables_must_give_the_same_totals() -> None:
    same = {"variables": ["district"], "totals": {"080": 41, "082": 39}}
    err = _refusal({"method": "rake", "margins": [DISTRICT, same]})
    assert str(err) == (
        "the margins district and district select the same units "
        "(district 080 and district 080) but their totals differ (40 and 41)"
    )
    assert err.path == ("calibration", "margins", 1, "totals", "080")


def test_crossed_margins_in_another_order_are_compared_category_by_category() -> None:
    by_district = _crossed("district", "area", {"080|urban": 10, "080|rural": 30, "082|rural": 40})
    by_area = _crossed("area", "district", {"urban|080": 10, "rural|080": 30, "rural|082": 40})
    other = _crossed("area", "district", {"urban|080": 11, "rural|080": 29, "rural|082": 40})
    spec = CalibrationSpec.from_json({"method": "rake", "margins": [by_district, by_area]})
    assert len(spec.margins) == 2
    err = _refusal({"method": "rake", "margins": [by_district, by_area, other]})
    assert str(err) == (
        "the margins district|area and area|district select the same units "
        "(district|area 080|urban and area|district urban|080) but their totals differ "
        "(10 and 11)"
    )
    assert err.path == ("calibration", "margins", 2, "totals", "urban|080")


def test_a_category_one_margin_leaves_out_is_a_total_of_zero_for_the_other() -> None:
    with_zero = {"variables": ["district"], "totals": {"080": 80, "082": 0}}
    without = {"variables": ["district"], "totals": {"080": 80}}
    spec = CalibrationSpec.from_json({"method": "rake", "margins": [without, with_zero]})
    assert [m.totals for m in spec.margins] == [{"080": 80}, {"080": 80, "082": 0}]
    err = _refusal({"method": "rake", "margins": [without, DISTRICT]})
    assert err.path == ("calibration", "margins", 1, "totals", "080")


def test_margins_of_the_same_variables_may_differ_by_rounding_of_one_in_a_million() -> None:
    rounded = {"variables": ["district"], "totals": {"080": 40.00003, "082": 39.99997}}
    spec = CalibrationSpec.from_json({"method": "rake", "margins": [DISTRICT, rounded]})
    assert len(spec.margins) == 2


def test_margins_of_the_same_variables_are_compared_past_a_numeric_margin() -> None:
    other = {"variables": ["district"], "totals": {"080": 41, "082": 39}}
    err = _refusal({"method": "rake", "margins": [DISTRICT, MEMBERS, other]})
    assert err.path == ("calibration", "margins", 2, "totals", "080")


def test_a_numeric_margin_is_not_compared_with_another_of_the_same_variable() -> None:
    other = {"variables": ["members"], "total": 250}
    spec = CalibrationSpec.from_json({"method": "rake", "margins": [DISTRICT, MEMBERS, other]})
    assert [m.total for m in spec.margins] == [None, 300.0, 250.0]


CHECKED_VARIABLES = [
    (["district"], None, 1, "'members', a variable the data do not have"),
    (["district", "members"], [], 1, "'members', not a numeric variable"),
    (
        [],
        ["district", "members"],
        0,
        "'district', a numeric variable: give it a total, not categories",
    ),
]


@pytest.mark.parametrize(("available", "numeric", "index", "reason"), CHECKED_VARIABLES)
def test_a_margin_variable_the_data_lack_or_have_of_the_other_kind_is_refused(
    available: list[str], numeric: list[str] | None, index: int, reason: str
) -> None:
    spec = CalibrationSpec.from_json({"method": "rake", "margins": [DISTRICT, MEMBERS]})
    with pytest.raises(SpecError) as err:
        spec.check_variables(available, numeric)
    assert str(err.value) == f"calibration.margins[{index}].variables names {reason}"
    assert err.value.path == ("calibration", "margins", index, "variables")


def test_every_variable_of_a_crossed_margin_is_checked() -> None:
    crossed = _crossed("district", "province", {"080|10": 80})
    spec = CalibrationSpec.from_json({"method": "rake", "margins": [crossed]})
    with pytest.raises(SpecError) as err:
        spec.check_variables(["district", "area"])
    assert str(err.value) == (
        "calibration.margins[0].variables names 'province', a variable the data do not have"
    )


def test_numeric_margins_read_the_numeric_variables_when_they_are_given_apart() -> None:
    spec = CalibrationSpec.from_json({"method": "rake", "margins": [DISTRICT, MEMBERS]})
    spec.check_variables(["district"], ["members"])


@pytest.mark.parametrize(
    ("margin", "category", "path"),
    [
        ("district", "082", ("calibration", "margins", 0, "totals", "082")),
        ("district", None, ("calibration", "margins", 0)),
        ("members", "total", ("calibration", "margins", 1)),
        ("area", "rural", ("calibration",)),
    ],
)
def test_a_calibration_the_data_cannot_meet_points_at_its_margin_and_category(
    margin: str, category: str | None, path: tuple
) -> None:
    spec = CalibrationSpec.from_json({"method": "rake", "margins": [DISTRICT, MEMBERS]})
    assert spec.path_of(CalibrationError("cannot", margin, category)) == path


def test_a_field_is_named_with_its_indices_in_brackets() -> None:
    assert field_name(("calibration", "margins", 0, "totals", "080")) == (
        "calibration.margins[0].totals.080"
    )


MALFORMED_NONRESPONSE = [
    ([], "nonresponse must be an object", ("nonresponse",)),
    (
        {"class": "psu"},
        "nonresponse has an unknown key 'class' (keys: classes, min_respondents, max_factor)",
        ("nonresponse", "class"),
    ),
    (
        {"classes": "district"},
        "nonresponse.classes must be one of psu, stratum, none",
        ("nonresponse", "classes"),
    ),
    (
        {"min_respondents": 0},
        "nonresponse.min_respondents must be an integer ≥ 1",
        ("nonresponse", "min_respondents"),
    ),
    (
        {"max_factor": 0.99},
        "nonresponse.max_factor must be a number ≥ 1",
        ("nonresponse", "max_factor"),
    ),
]


@pytest.mark.parametrize(("obj", "message", "path"), MALFORMED_NONRESPONSE)
def test_a_malformed_nonresponse_is_refused_with_its_message_and_field(
    obj: object, message: str, path: tuple
) -> None:
    with pytest.raises(SpecError) as err:
        NonresponseSpec.from_json(obj)
    assert (str(err.value), err.value.path) == (message, path)


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({"min_respondents": 1.5}, "min_respondents"),
        ({"min_respondents": True}, "min_respondents"),
        ({"max_factor": math.inf}, "max_factor"),
        ({"max_factor": "3"}, "max_factor"),
    ],
)
def test_nonresponse_limits_must_be_numbers_of_their_kind(obj: dict, field: str) -> None:
    with pytest.raises(SpecError) as err:
        NonresponseSpec.from_json(obj)
    assert err.value.path == ("nonresponse", field)


def test_nonresponse_limits_may_be_one() -> None:
    spec = NonresponseSpec.from_json({"min_respondents": 1, "max_factor": 1})
    assert (spec.min_respondents, spec.max_factor) == (1, 1.0)


def test_nonresponse_is_stored_with_every_default_filled_in() -> None:
    assert NonresponseSpec.from_json({}).to_json() == {
        "classes": "psu",
        "min_respondents": 2,
        "max_factor": 3.0,
    }


def _adjust(rows: list[tuple[str, str, str, float]], spec: NonresponseSpec | None = None):
    stratum, psu, outcome, d = (np.array(c, dtype=object) for c in zip(*rows, strict=True))
    return adjusted_weights(spec or NonresponseSpec(), stratum, psu, outcome, d.astype(float))


def test_a_psu_with_exactly_min_respondents_keeps_its_own_class() -> None:
    rows = [("S", "P1", "completed", 10.0)] * 2 + [("S", "P1", "refused", 10.0)]
    rows += [("S", "P2", "completed", 10.0)] * 3
    w, adjustment = _adjust(rows)
    np.testing.assert_allclose(w, [15, 15, 0, 10, 10, 10])
    assert [c.label for c in adjustment.classes] == ["PSU P1 (stratum S)", "PSU P2 (stratum S)"]
    assert adjustment.warnings == ()


def test_a_psu_whose_response_factor_is_exactly_max_factor_keeps_its_own_class() -> None:
    rows = [("S", "P1", "completed", 10.0)] * 2 + [("S", "P1", "refused", 10.0)] * 4
    rows += [("S", "P2", "completed", 10.0)] * 3
    w, adjustment = _adjust(rows)
    np.testing.assert_allclose(w[:2], [30, 30])
    assert len(adjustment.classes) == 2
    assert adjustment.warnings == ()


def test_a_class_above_max_factor_is_named_with_its_factor() -> None:
    rows = [("S", "P1", "completed", 10.0)] + [("S", "P1", "refused", 10.0)] * 5
    rows += [("S", "P2", "completed", 10.0)] + [("S", "P2", "refused", 10.0)] * 5
    _, adjustment = _adjust(rows)
    assert adjustment.warnings == (
        "stratum S: PSU classes collapsed to the stratum",
        "stratum S has a non-response factor 6 above max_factor 3",
    )


def test_only_the_strata_with_a_weak_psu_collapse() -> None:
    rows = [("S", "P1", "completed", 10.0), ("S", "P1", "refused", 10.0)]
    rows += [("S", "P2", "completed", 10.0)] * 3
    rows += [("T", "Q1", "completed", 5.0)] * 2 + [("T", "Q2", "completed", 5.0)] * 2
    _, adjustment = _adjust(rows)
    assert [c.label for c in adjustment.classes] == [
        "stratum S",
        "PSU Q1 (stratum T)",
        "PSU Q2 (stratum T)",
    ]
    assert adjustment.warnings == ("stratum S: PSU classes collapsed to the stratum",)


def test_psus_of_the_same_label_in_two_strata_are_two_classes() -> None:
    rows = [("S", "P", "completed", 10.0)] * 2 + [("S", "P", "refused", 10.0)]
    rows += [("T", "P", "completed", 10.0)] * 2
    w, adjustment = _adjust(rows)
    np.testing.assert_allclose(w, [15, 15, 0, 10, 10])
    assert adjustment.factors() == {("S", "P"): 1.5, ("T", "P"): 1.0}


def test_stratum_and_whole_sample_classes_are_labelled_by_what_they_hold() -> None:
    rows = [("S", "P1", "completed", 10.0), ("S", "P2", "completed", 10.0)]
    rows += [("T", "Q", "completed", 10.0)]
    _, by_stratum = _adjust(rows, NonresponseSpec.from_json({"classes": "stratum"}))
    _, whole = _adjust(rows, NonresponseSpec.from_json({"classes": "none"}))
    assert [c.label for c in by_stratum.classes] == ["stratum S", "stratum T"]
    assert [c.label for c in whole.classes] == ["all"]


def test_outcome_sums_count_units_and_spread_unknown_eligibility_by_weight() -> None:
    sums = OutcomeSums(
        stratum=["S"] * 4,
        psu=["P"] * 4,
        outcome=["completed", "refused", "not_found", "ineligible"],
        count=[3, 1, 1, 2],
        sd=[30.0, 10.0, 10.0, 20.0],
    )
    [cls] = adjust(NonresponseSpec(), sums).classes
    assert (cls.eligible, cls.completed) == (4, 3)
    assert cls.unknown_factor == pytest.approx(70 / 60)  # all over visited
    assert cls.response_factor == pytest.approx(40 / 30)  # eligible over completed


@pytest.mark.parametrize(
    ("sums", "message"),
    [
        (OutcomeSums([], [], [], [], []), "no units to adjust"),
        (
            OutcomeSums(["S"], ["P"], ["completed"], [1], [-1.0]),
            "sd must be one finite number ≥ 0 per row",
        ),
        (
            OutcomeSums(["S"], ["P"], ["completed"], [1], [math.inf]),
            "sd must be one finite number ≥ 0 per row",
        ),
        (
            OutcomeSums(["S"], ["P"], ["completed"], [1], [1.0, 2.0]),
            "sd must be one finite number ≥ 0 per row",
        ),
        (
            OutcomeSums([None], ["P"], ["completed"], [1], [1.0]),
            "every unit needs a stratum and a psu",
        ),
        (
            OutcomeSums(["S"], [None], ["completed"], [1], [1.0]),
            "every unit needs a stratum and a psu",
        ),
    ],
    ids=["empty", "negative", "infinite", "length", "no stratum", "no psu"],
)
def test_outcome_sums_that_cannot_be_adjusted_are_refused(sums: OutcomeSums, message: str) -> None:
    with pytest.raises(ScoringError) as err:
        adjust(NonresponseSpec(), sums)
    assert str(err.value) == message


def _demo_cells() -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The demo households' calibration cells (district × area) and their weight sums."""
    households = demo.households()
    keys = [(h["location"]["district"], h["location"]["area"]) for h in households]
    cells = sorted(set(keys))
    sums = np.zeros(len(cells))
    np.add.at(sums, [cells.index(k) for k in keys], [h["sampling"]["weight"] for h in households])
    labels = {
        "district": np.array([c[0] for c in cells], dtype=object),
        "area": np.array([c[1] for c in cells], dtype=object),
    }
    return labels, sums


def _demo_calibrate(obj: dict, sums: np.ndarray | None = None):
    labels, demo_sums = _demo_cells()
    spec = CalibrationSpec.from_json(obj)
    return calibrate(spec, labels, demo_sums if sums is None else sums)


CENSUS = demo.household_calibration()
FEW_URBAN = {"variables": ["area"], "totals": {"urban": 1000, "rural": 177900}}


def test_unbounded_linear_weights_at_or_below_zero_are_refused_naming_a_category() -> None:
    with pytest.raises(InfeasibleBounds) as err:
        _demo_calibrate({"method": "linear", "margins": [CENSUS["margins"][0], FEW_URBAN]})
    assert str(err.value) == (
        "linear calibration gives g ≤ 0 in margin district category 082: set bounds or use rake"
    )
    assert (err.value.margin, err.value.category) == ("district", "082")


def test_raking_meets_totals_that_unbounded_linear_weights_cannot() -> None:
    calibrated = _demo_calibrate({"method": "rake", "margins": [CENSUS["margins"][0], FEW_URBAN]})
    assert np.all(calibrated.g > 0)
    assert [c.achieved for c in calibrated.categories[-2:]] == [
        pytest.approx(177900),
        pytest.approx(1000),
    ]


def test_bounds_no_weights_meet_are_refused_naming_the_worst_margin_and_category() -> None:
    with pytest.raises(InfeasibleBounds) as err:
        _demo_calibrate(
            {"method": "linear", "margins": [CENSUS["margins"][0], FEW_URBAN], "bounds": [0.5, 2]}
        )
    assert str(err.value) == "no weights within bounds [0.5, 2] meet margin area (category urban)"
    assert (err.value.margin, err.value.category) == ("area", "urban")


def test_crossed_totals_that_contradict_a_margin_are_refused_with_what_was_reached() -> None:
    labels, sums = _demo_cells()
    crossed = {
        f"{d}|{a}": 1.3 * s
        for d, a, s in zip(labels["district"], labels["area"], sums, strict=True)
    }
    scale = sum(crossed.values()) / sum(CENSUS["margins"][0]["totals"].values())
    district = {k: v * scale for k, v in CENSUS["margins"][0]["totals"].items()}
    margins = [
        {"variables": ["district"], "totals": district},
        {"variables": ["district", "area"], "totals": crossed},
    ]
    with pytest.raises(InconsistentTotals) as err:
        _demo_calibrate({"method": "linear", "margins": margins})
    assert str(err.value) == (
        "calibration cannot meet margin district|area category 089|urban: it reaches 3875.98 "
        "of its total 3938.29, as the margins' totals contradict each other on the sample"
    )
    assert (err.value.margin, err.value.category) == ("district|area", "089|urban")


@pytest.mark.parametrize(
    "sums",
    [np.r_[np.ones(17), -1.0], np.r_[np.ones(17), np.nan], np.ones((18, 1))],
    ids=["negative", "nan", "matrix"],
)
def test_cell_weight_sums_must_be_one_finite_number_at_least_zero_per_cell(
    sums: np.ndarray,
) -> None:
    with pytest.raises(ScoringError) as err:
        _demo_calibrate(CENSUS, sums)
    assert str(err.value) == "cell weight sums must be finite and ≥ 0"


def test_each_category_reports_its_total_and_the_weight_sum_reached() -> None:
    calibrated = _demo_calibrate(CENSUS)
    first, *_, last = calibrated.categories
    assert (first.margin, first.key, first.total) == ("district", "080", 36000)
    assert first.achieved == pytest.approx(36000, rel=1e-10)
    assert (last.margin, last.key, last.total) == ("area", "urban", 60700)
    assert first.variables == ("district",)
    assert calibrated.iterations == 3


def _demo_design() -> tuple[Design, dict[str, np.ndarray], np.ndarray]:
    """The demo households' design, their calibration variables and fibre subscription."""
    households = demo.households()
    design = Design(
        np.array([h["sampling"]["weight"] for h in households]),
        strata=np.array([h["sampling"]["stratum"] for h in households], dtype=object),
        psu=np.array([h["sampling"]["psu"] for h in households], dtype=object),
    )
    variables = {
        "district": np.array([h["location"]["district"] for h in households], dtype=object),
        "area": np.array([h["location"]["area"] for h in households], dtype=object),
        "members": np.array([h["answers"]["members"] for h in households], dtype=float),
    }
    subscribed = np.array([float(h["answers"]["fiber_subscribed"]) for h in households])
    return design, variables, subscribed


WITH_MEMBERS = {"method": "rake", "margins": [CENSUS["margins"][0], MEMBERS]}


def _with_column(variables: dict, name: str, values: np.ndarray) -> dict:
    return {**variables, name: values}


def test_a_calibration_variable_with_a_missing_label_is_refused() -> None:
    design, variables, _ = _demo_design()
    district = variables["district"].copy()
    district[3] = None
    spec = CalibrationSpec.from_json(CENSUS)
    with pytest.raises(ScoringError) as err:
        calibrate_rows(design, spec, _with_column(variables, "district", district))
    assert str(err.value) == "calibration variable 'district' has missing values"


@pytest.mark.parametrize(
    ("members", "message"),
    [
        (["five"] * 1069, "calibration variable 'members' must be numbers"),
        ([5.0] * 1068 + [math.nan], "calibration variable 'members' must be a number in every row"),
        ([5.0] * 1068, "calibration variable 'members' must be a number in every row"),
    ],
    ids=["text", "missing", "short"],
)
def test_a_numeric_calibration_variable_must_be_a_number_in_every_row(
    members: list, message: str
) -> None:
    design, variables, _ = _demo_design()
    spec = CalibrationSpec.from_json(WITH_MEMBERS)
    with pytest.raises(ScoringError) as err:
        calibrate_rows(design, spec, _with_column(variables, "members", np.array(members)))
    assert str(err.value) == message


def test_a_variable_of_another_length_than_the_design_is_refused() -> None:
    design, variables, subscribed = _demo_design()
    spec = CalibrationSpec.from_json(CENSUS)
    with pytest.raises(ScoringError) as err:
        estimate_calibrated_rows(design, Estimand.proportion(subscribed[:-1]), spec, variables)
    assert str(err.value) == "the variable has 1068 rows, the design 1069"


def _demo_totals() -> tuple[CellTotals, Calibrated]:
    design, variables, subscribed = _demo_design()
    cell, calibrated = calibrate_rows(design, CalibrationSpec.from_json(CENSUS), variables)
    return row_totals(design, Estimand.proportion(subscribed), cell, None), calibrated


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (lambda c: np.r_[c[:-1], 18], "cell must be indices in [0, 18)"),
        (lambda c: np.r_[c[:-1], -1], "cell must be indices in [0, 18)"),
        (lambda c: c.reshape(-1, 1), "cell must be indices in [0, 18)"),
        (lambda c: ["first"] * c.shape[0], "cell must be integer indices of the calibration cells"),
    ],
    ids=["past the last", "negative", "matrix", "labels"],
)
def test_cell_totals_must_point_at_calibration_cells(cell, message: str) -> None:
    totals, calibrated = _demo_totals()
    with pytest.raises(ScoringError) as err:
        estimate_calibrated(
            dataclasses.replace(totals, cell=cell(totals.cell)), calibrated, "proportion"
        )
    assert str(err.value) == message


def test_cell_sums_must_be_numbers() -> None:
    totals, calibrated = _demo_totals()
    text = ["1.0"] * (totals.sd.shape[0] - 1) + ["one"]
    with pytest.raises(ScoringError) as err:
        estimate_calibrated(dataclasses.replace(totals, sd=text), calibrated, "proportion")
    assert str(err.value) == "cell sums must be numbers"


def test_the_weight_summary_leaves_out_cells_without_units() -> None:
    cells = WeightCells(
        n=np.array([2, 0, 3]),
        sum_input=np.array([20.0, 0.0, 33.0]),
        sum_adjusted=np.array([24.0, 0.0, 36.0]),
        sum_squares=np.array([288.0, 0.0, 432.0]),
        low=np.array([12.0, 0.0, 12.0]),
        high=np.array([12.0, 0.0, 12.0]),
    )
    summary = summarize(cells, np.array([1.5, 9.0, 1.0]))
    assert (summary.min, summary.max) == (12.0, 18.0)
    assert (summary.g_min, summary.g_max) == (1.0, 1.5)
    assert (summary.n_respondents, summary.sum_input) == (5, 53.0)


def test_equal_weights_have_a_cv_of_zero_though_rounding_puts_kish_below_one() -> None:
    w = np.full(10, 0.7)
    cells = WeightCells(*(np.array([v]) for v in (10, w.sum(), w.sum(), w @ w, 0.7, 0.7)))
    summary = summarize(cells)
    assert summary.kish_deff == pytest.approx(1.0) and summary.kish_deff < 1
    assert summary.cv == 0.0


def test_a_summary_of_no_weighted_unit_is_refused() -> None:
    empty = WeightCells(*(np.zeros(1) for _ in range(6)))
    with pytest.raises(ScoringError) as err:
        summarize(empty)
    assert str(err.value) == "no unit carries weight"


@pytest.mark.parametrize("prob", [0.0, 1.5, math.nan])
def test_a_psu_probability_outside_zero_to_one_is_refused(prob: float) -> None:
    with pytest.raises(ScoringError) as err:
        variance_design(["080-U"], ["02668"], ["u1"], [prob])
    assert str(err.value) == "psu_prob must lie in (0, 1]"


def test_a_psu_sampled_with_probability_just_below_one_stays_a_psu() -> None:
    strata, psus = variance_design(["080-U"], ["02668"], ["u1"], [1 - 1e-9])
    assert (strata.tolist(), psus.tolist()) == (["080-U"], ["02668"])


BOUNDS = (0.5, 2.0)
UNBOUNDED = (-math.inf, math.inf)


def test_the_slope_of_g_is_zero_at_a_bound_as_r_calfun_df() -> None:
    at_bounds = np.array([-0.5, 0.0, 1.0])  # g = 0.5, 1, 2 for linear
    np.testing.assert_array_equal(linear_distance.derivative(at_bounds, BOUNDS), [0, 1, 0])
    np.testing.assert_array_equal(
        raking_distance.derivative(np.log([0.5, 1, 2]), BOUNDS), [0, 1, 0]
    )


def test_the_linear_dual_is_the_integral_of_g_minus_one() -> None:
    u = np.array([-1.0, 0.5, 3.0])
    np.testing.assert_allclose(linear_distance.dual(u, UNBOUNDED), u * u / 2)
    # beyond a bound g stays there: −1 → ∫ of −0.5 then of t; 3 → ∫ of t to 1, then of 1
    np.testing.assert_allclose(linear_distance.dual(u, BOUNDS), [0.375, 0.125, 2.5])


def test_the_raking_dual_is_the_integral_of_g_minus_one() -> None:
    u = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_allclose(raking_distance.dual(u, UNBOUNDED), np.exp(u) - 1 - u)
    ln2 = math.log(2)
    np.testing.assert_allclose(raking_distance.dual(u, BOUNDS), [ln2 / 2, 0, 2 - 2 * ln2])


def test_raking_within_bounds_meets_totals_where_clipped_cells_stall_the_newton_step() -> None:
    """Urban households at 2.1 times their sample weight: the first steps clip most cells at
    the bounds, a Newton step stalls and is damped towards X'DX, and raking still meets
    every total within [0.3, 5]."""
    most_urban = {"variables": ["area"], "totals": {"urban": 128000, "rural": 50900}}
    calibrated = _demo_calibrate(
        {"method": "rake", "margins": [CENSUS["margins"][0], most_urban], "bounds": [0.3, 5]}
    )
    assert np.all((calibrated.g >= 0.3) & (calibrated.g <= 5))
    for category in calibrated.categories:
        assert category.achieved == pytest.approx(category.total, rel=1e-9)
    assert calibrated.iterations == 12


DISAGREEMENTS = Path(__file__).parents[1] / "fixtures" / "reference_disagreements"


def _coinciding_round(extra: dict[str, str] | None = None) -> tuple[Design, dict[str, np.ndarray]]:
    """Issue 26's disagreement D: m = a exactly when m2 = u; ``extra`` adds one row."""
    with open(DISAGREEMENTS / "round_from.csv", newline="") as f:
        rows = list(csv.DictReader(f)) + ([extra] if extra else [])
    column = {k: np.array([r[k] for r in rows], dtype=object) for k in rows[0]}
    weights = column["w"].astype(float)
    design = Design(weights, strata=column["stratum"], psu=column["psu"])
    return design, {"m": column["m"], "m2": column["m2"]}


def test_margins_selecting_the_same_weighted_units_are_named_with_the_category_missed() -> None:
    design, variables = _coinciding_round()
    spec = CalibrationSpec.from_json(
        json.loads((DISAGREEMENTS / "coinciding_linear.json").read_text())
    )
    with pytest.raises(InconsistentTotals) as err:
        calibrate_rows(design, spec, variables)
    assert (err.value.margin, err.value.category) == ("m", "b")
    assert spec.path_of(err.value) == ("calibration", "margins", 0, "totals", "b")


def test_a_unit_of_weight_zero_does_not_part_margins_that_select_the_same_weighted_units() -> None:
    zero = {"stratum": "s1", "psu": "p1", "w": "0", "y": "1.0", "x": "1", "m": "b", "m2": "u"}
    design, variables = _coinciding_round(zero)
    spec = CalibrationSpec.from_json(
        json.loads((DISAGREEMENTS / "coinciding_linear.json").read_text())
    )
    with pytest.raises(InconsistentTotals) as err:
        calibrate_rows(design, spec, variables)
    assert str(err.value) == (
        "the margins m and m2 select the same units (m b and m2 v) "
        "but their totals differ (40 and 50)"
    )


@pytest.mark.parametrize(
    "obj",
    [
        {"method": "poststratify", "margins": [CENSUS["margins"][0]]},
        {"method": "linear", "margins": CENSUS["margins"]},
    ],
    ids=["poststratify", "linear"],
)
def test_closed_form_calibrations_take_no_newton_step(obj: dict) -> None:
    assert _demo_calibrate(obj).iterations == 0


def test_a_numeric_margin_between_categorical_ones_is_met_as_its_total() -> None:
    design, variables, _ = _demo_design()
    members = {"variables": ["members"], "total": 700000}
    spec = CalibrationSpec.from_json(
        {"method": "rake", "margins": [CENSUS["margins"][0], members, CENSUS["margins"][1]]}
    )
    _, calibrated = calibrate_rows(design, spec, variables)
    reached = {(c.margin, c.key): (c.total, c.achieved) for c in calibrated.categories}
    assert reached[("members", "total")] == (700000, pytest.approx(700000))
    assert reached[("area", "urban")] == (60700, pytest.approx(60700))


def test_a_category_whose_units_all_weigh_zero_has_no_responding_unit() -> None:
    zero = {"stratum": "s1", "psu": "p1", "w": "0", "y": "1.0", "x": "1", "m": "c", "m2": "u"}
    design, variables = _coinciding_round(zero)
    spec = CalibrationSpec.from_json(
        {"method": "rake", "margins": [{"variables": ["m"], "totals": {"a": 60, "b": 40, "c": 5}}]}
    )
    with pytest.raises(TotalWithoutRespondent) as err:
        calibrate_rows(design, spec, variables)
    assert str(err.value) == "margin m category c has a total of 5 but no responding unit"


def test_a_category_with_units_but_no_total_is_refused_naming_it() -> None:
    only_080 = {"variables": ["district"], "totals": {"080": 36000, "082": 0}}
    with pytest.raises(CategoryWithoutTotal) as err:
        _demo_calibrate({"method": "poststratify", "margins": [only_080]})
    assert str(err.value) == (
        "margin district has no positive total for category 082, which has responding units"
    )
    assert (err.value.margin, err.value.category) == ("district", "082")


def _categories(obj: dict) -> list[tuple[str, float, float]]:
    design, variables = _coinciding_round()
    _, calibrated = calibrate_rows(design, CalibrationSpec.from_json(obj), variables)
    return [(c.key, c.total, round(c.achieved, 9)) for c in calibrated.categories]


def test_raking_margins_that_select_the_same_units_to_other_totals_does_not_converge() -> None:
    design, variables = _coinciding_round()
    m = {"variables": ["m"], "totals": {"a": 60, "b": 40}}
    m2 = {"variables": ["m2"], "totals": {"u": 50, "v": 50}}
    spec = CalibrationSpec.from_json({"method": "rake", "margins": [m, m2]})
    with pytest.raises(NotConverged) as err:
        calibrate_rows(design, spec, variables)
    assert str(err.value) == "calibration did not meet margin m (category b) within 50 iterations"
    assert (err.value.margin, err.value.category) == ("m", "b")


def test_totals_given_as_shares_below_one_are_met() -> None:
    shares = {"variables": ["m"], "totals": {"a": 0.6, "b": 0.4}}
    assert _categories({"method": "poststratify", "margins": [shares]}) == [
        ("a", 0.6, 0.6),
        ("b", 0.4, 0.4),
    ]


def test_a_category_with_a_total_of_zero_and_no_unit_is_dropped_as_r_does() -> None:
    with_c = {"variables": ["m"], "totals": {"a": 60, "b": 40, "c": 0}}
    assert _categories({"method": "poststratify", "margins": [with_c]}) == [
        ("a", 60, 60),
        ("b", 40, 40),
    ]


def test_an_unknown_outcome_is_refused_listing_the_outcomes_and_naming_it_as_written() -> None:
    with pytest.raises(ScoringError) as err:
        adjust(NonresponseSpec(), OutcomeSums(["S"], ["P"], ["pending"], [1], [1.0]))
    assert str(err.value) == (
        "outcome must be one of completed, ineligible, refused, other_nonresponse, noncontact, "
        "not_found, not 'pending'"
    )


@pytest.mark.parametrize("column", ["stratum", "psu", "outcome"])
def test_outcome_sums_columns_of_another_length_are_refused_naming_the_column(column: str) -> None:
    columns = {"stratum": ["S"] * 3, "psu": ["P"] * 3, "outcome": ["completed"] * 3}
    columns[column] = columns[column][:2]
    with pytest.raises(ScoringError) as err:
        adjust(NonresponseSpec(), OutcomeSums(**columns, count=[1] * 3, sd=[1.0] * 3))
    assert str(err.value) == f"{column} must have one entry per row (3), got shape (2,)"


def test_weights_below_one_and_of_zero_are_adjusted_as_any_other() -> None:
    """Normalised weights: a PSU with one completed unit collapses its stratum, and a unit
    of weight 0 keeps weight 0 (R keeps zero-weight units in the design)."""
    rows = [("S", "P1", "completed", 0.5), ("S", "P1", "refused", 0.5)]
    rows += [("S", "P2", "completed", 0.5)] * 3 + [("S", "P2", "completed", 0.0)]
    w, adjustment = _adjust(rows)
    np.testing.assert_allclose(w, [0.625, 0, 0.625, 0.625, 0.625, 0])
    assert [c.label for c in adjustment.classes] == ["stratum S"]


def test_a_cell_of_one_unit_counts_in_the_weight_summary() -> None:
    cells = WeightCells(
        n=np.array([1, 3]),
        sum_input=np.array([10.0, 33.0]),
        sum_adjusted=np.array([12.0, 36.0]),
        sum_squares=np.array([144.0, 432.0]),
        low=np.array([12.0, 12.0]),
        high=np.array([12.0, 12.0]),
    )
    summary = summarize(cells, np.array([2.0, 1.0]))
    assert (summary.max, summary.g_max) == (24.0, 2.0)
    assert summary.n_respondents == 4


def test_one_weighted_unit_has_a_summary() -> None:
    one = WeightCells(*(np.array([v]) for v in (1, 10.0, 12.0, 144.0, 12.0, 12.0)))
    summary = summarize(one)
    assert (summary.n_respondents, summary.sum_final, summary.kish_deff) == (1, 12.0, 1.0)


def test_psu_probabilities_read_as_text_are_numbers() -> None:
    strata, psus = variance_design(
        ["S", "S", "T"], ["P", "P", "Q"], ["u1", "u2", "u3"], ["1", "1", "0.2"]
    )
    assert strata.tolist() == ["S/P", "S/P", "T"]
    assert psus.tolist() == ["u1", "u2", "Q"]


@pytest.mark.parametrize(
    ("stratum", "psu", "unit"),
    [(["S"], ["P", "P"], ["u1", "u2"]), (["S", "S"], ["P", "P"], ["u1"])],
    ids=["stratum", "unit"],
)
def test_variance_design_columns_of_another_length_are_refused(
    stratum: list[str], psu: list[str], unit: list[str]
) -> None:
    with pytest.raises(ValueError, match="zip"):
        variance_design(stratum, psu, unit, [1.0, 1.0])


@pytest.mark.parametrize("missing", [None, math.nan], ids=["none", "nan"])
def test_cell_totals_whose_domains_are_all_missing_estimate_the_whole_population(
    missing: object,
) -> None:
    """The service hands over ``None`` per row when no ``by`` is asked."""
    totals, calibrated = _demo_totals()
    [whole] = estimate_calibrated(totals, calibrated, "proportion")
    unlabelled = dataclasses.replace(totals, domain=[missing] * totals.sd.shape[0])
    [ours] = estimate_calibrated(unlabelled, calibrated, "proportion")
    assert (ours.domain, ours.n) == (None, whole.n)
    assert (ours.estimate, ours.se) == (pytest.approx(whole.estimate), pytest.approx(whole.se))


def _with_a_lonely_psu(policy: str) -> Design:
    """The demo design with the first household's PSU made a stratum of its own."""
    design, _, _ = _demo_design()
    households = demo.households()
    psu = np.array([h["sampling"]["psu"] for h in households], dtype=object)
    strata = np.array([h["sampling"]["stratum"] for h in households], dtype=object)
    strata[psu == psu[0]] = "lonely"
    return Design(design.weights, strata=strata, psu=psu, lonely_psu=policy)


def test_a_calibrated_estimate_follows_the_designs_lonely_psu_policy() -> None:
    _, variables, subscribed = _demo_design()
    spec = CalibrationSpec.from_json(CENSUS)
    se = {
        policy: estimate_calibrated_rows(
            _with_a_lonely_psu(policy), Estimand.proportion(subscribed), spec, variables
        )[0].se
        for policy in ("adjust", "remove")
    }
    assert se["remove"] < se["adjust"]


def test_a_calibrated_interval_has_the_level_asked() -> None:
    design, variables, subscribed = _demo_design()
    spec = CalibrationSpec.from_json(CENSUS)
    [at_95] = estimate_calibrated_rows(design, Estimand.proportion(subscribed), spec, variables)
    [at_90] = estimate_calibrated_rows(
        design, Estimand.proportion(subscribed), spec, variables, level=0.9
    )
    assert (at_90.level, at_90.se) == (0.9, at_95.se)
    assert at_95.ci_low < at_90.ci_low < at_90.ci_high < at_95.ci_high


def test_a_domain_column_of_another_length_is_refused_naming_it() -> None:
    design, variables, subscribed = _demo_design()
    spec = CalibrationSpec.from_json(CENSUS)
    with pytest.raises(ScoringError) as err:
        estimate_calibrated_rows(
            design, Estimand.proportion(subscribed), spec, variables, variables["area"][:-1]
        )
    assert str(err.value) == "domain must have one entry per row (1069), got shape (1068,)"


def test_a_calibrated_member_proportion_has_the_srs_variance_of_the_uncalibrated_one() -> None:
    """Poststratified to its own district sums (g = 1), the design effect changes only by the
    variance: members are counted as 0/1 rows (``sdyy = sdy``), not squared counts."""
    design, variables, _ = _demo_design()
    households = demo.households()
    with_epay = np.array([h["answers"]["members_15plus_with_epay"] for h in households], float)
    adults = np.array([h["answers"]["members_15plus"] for h in households], float)
    estimand = Estimand.member_proportion(with_epay, adults)
    district = variables["district"]
    own = {k: float(design.weights[district == k].sum()) for k in sorted(set(district))}
    spec = CalibrationSpec.from_json(
        {"method": "poststratify", "margins": [{"variables": ["district"], "totals": own}]}
    )
    calibrated = estimate_calibrated_rows(design, estimand, spec, variables, variables["area"])
    plain = estimate(design, estimand, domain=variables["area"])
    for cal, unc in zip(calibrated, plain, strict=True):
        assert cal.estimate == pytest.approx(unc.estimate)
        assert cal.deff * unc.se**2 == pytest.approx(unc.deff * cal.se**2)


def test_a_share_for_a_category_without_units_is_refused() -> None:
    design, variables = _coinciding_round()
    shares = {"variables": ["m"], "totals": {"a": 0.55, "b": 0.4, "c": 0.05}}
    spec = CalibrationSpec.from_json({"method": "poststratify", "margins": [shares]})
    with pytest.raises(TotalWithoutRespondent) as err:
        calibrate_rows(design, spec, variables)
    assert (err.value.margin, err.value.category) == ("m", "c")


def test_a_calibration_variable_of_another_length_is_refused_naming_it() -> None:
    design, variables, _ = _demo_design()
    spec = CalibrationSpec.from_json(CENSUS)
    short = _with_column(variables, "area", variables["area"][:-1])
    with pytest.raises(ScoringError) as err:
        calibrate_rows(design, spec, short)
    assert str(err.value) == "area must have one entry per row (1069), got shape (1068,)"
