"""Stored PSU × domain totals (the service's input) and the cell sums built from rows.

Each test pins a behaviour of ``scoring.sufficient`` that mutation testing found unguarded
(issue 26): the refusals of malformed totals name the column, and the sums agree with the
rows they come from. The rows are the Lào Cai demo households of the R goldens.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scoring import Design, Estimand, PsuTotals, ScoringError, estimate, estimate_from_totals

LAOCAI_DEMO = Path(__file__).parents[1] / "fixtures" / "reference" / "laocai_demo"


def _households() -> dict[str, np.ndarray]:
    with open(LAOCAI_DEMO / "households.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return {key: np.array([row[key] for row in rows]) for key in rows[0]}


HOUSEHOLDS = _households()
WEIGHT = HOUSEHOLDS["weight"].astype(float)
SMARTPHONES = HOUSEHOLDS["smartphones"].astype(float)
MEMBERS = HOUSEHOLDS["members"].astype(float)

TWO_PSUS: dict[str, Any] = {
    "stratum": ["a", "a"],
    "psu": ["1", "2"],
    "domain": [None, None],
    "n": [2, 2],
    "sw": [2.0, 3.0],
    "swy": [1.0, 2.0],
}


def _ratio_totals(weight: np.ndarray) -> PsuTotals:
    psu = HOUSEHOLDS["psu"]
    labels, cell = np.unique(psu, return_inverse=True)
    y, x = SMARTPHONES, MEMBERS
    sums = {
        name: np.bincount(cell, weights=weight * values)
        for name, values in {
            "sw": 1.0,
            "swy": y,
            "swx": x,
            "swyy": y * y,
            "swxy": x * y,
            "swxx": x * x,
        }.items()
    }
    stratum = HOUSEHOLDS["stratum"][np.unique(cell, return_index=True)[1]]
    return PsuTotals(
        stratum=stratum, psu=labels, domain=[None] * labels.size, n=np.bincount(cell), **sums
    )


def _refusal(**changes: Any) -> str:
    with pytest.raises(ScoringError) as refused:
        estimate_from_totals(PsuTotals(**{**TWO_PSUS, **changes}), "mean")
    return str(refused.value)


def test_totals_without_any_cell_are_refused() -> None:
    empty = {key: [] for key in TWO_PSUS}
    assert _refusal(**empty) == "no PSU totals given"


def test_totals_of_one_psu_without_strata_are_refused_as_r_svydesign_does() -> None:
    one = {"stratum": [None], "psu": ["1"], "domain": [None], "n": [2], "sw": [2.0], "swy": [1.0]}
    assert _refusal(**one).startswith("the design has only one primary sampling unit")


def test_counts_that_are_not_numbers_are_refused_by_column_name() -> None:
    assert _refusal(n=["two", "2"]) == "n must be numbers"


def test_sums_that_are_not_numbers_are_refused_by_column_name() -> None:
    assert _refusal(sw=["2", "three"]) == "sw must be numbers"


def test_a_sum_that_is_not_finite_is_refused_by_column_name() -> None:
    assert _refusal(swy=[1.0, float("nan")]) == "swy must be a 1-d array of finite numbers"


def test_sums_of_the_wrong_length_are_refused_by_column_name() -> None:
    assert _refusal(sw=[2.0, 3.0, 1.0]) == "sw must have one entry per cell (2)"


def test_totals_without_the_weighted_sum_of_the_variable_are_refused() -> None:
    assert _refusal(swy=None) == "sw and swy are required"


def test_psu_labels_of_the_wrong_length_are_refused_by_column_name() -> None:
    assert _refusal(psu=["1"]).startswith("psu must have one entry per row (2)")


def test_a_cell_without_a_psu_is_refused() -> None:
    assert _refusal(psu=["1", None]) == "psu must be given for every cell"


def test_stratum_labels_of_the_wrong_length_are_refused_by_column_name() -> None:
    assert _refusal(stratum=["a"]).startswith("stratum must have one entry per row (2)")


def test_a_stratum_given_for_some_cells_only_is_refused() -> None:
    assert _refusal(stratum=["a", None]) == "stratum must be given for every cell (or for none)"


def test_unstratified_totals_give_the_estimate_of_the_rows_they_sum() -> None:
    psu = HOUSEHOLDS["psu"]
    labels, cell = np.unique(psu, return_inverse=True)
    sums = {
        "n": np.bincount(cell).astype(float),
        "sw": np.bincount(cell, weights=WEIGHT),
        "swy": np.bincount(cell, weights=WEIGHT * SMARTPHONES),
        "swyy": np.bincount(cell, weights=WEIGHT * SMARTPHONES**2),
    }
    stored = PsuTotals(
        stratum=[None] * labels.size, psu=labels, domain=[None] * labels.size, **sums
    )
    (from_totals,) = estimate_from_totals(stored, "mean")
    (from_rows,) = estimate(Design(WEIGHT, psu=psu), Estimand.mean(SMARTPHONES))
    assert (from_totals.estimate, from_totals.se, from_totals.deff) == pytest.approx(
        (from_rows.estimate, from_rows.se, from_rows.deff), rel=1e-9
    )


def _smartphones(kind: str, rows: np.ndarray, values: np.ndarray) -> Estimand:
    if kind == "ratio":
        return Estimand.ratio(values[rows], MEMBERS[rows])
    return Estimand.mean(values[rows])


@pytest.mark.parametrize("kind", ["mean", "ratio"])
def test_a_stratum_whose_rows_all_lack_a_value_leaves_the_design_effect(kind: str) -> None:
    stratum, psu = HOUSEHOLDS["stratum"], HOUSEHOLDS["psu"]
    silent = stratum == stratum[0]
    every, kept = np.ones(silent.size, dtype=bool), ~silent
    missing = np.where(silent, np.nan, SMARTPHONES)
    (with_silent,) = estimate(Design(WEIGHT, stratum, psu), _smartphones(kind, every, missing))
    (without,) = estimate(
        Design(WEIGHT[kept], stratum[kept], psu[kept]), _smartphones(kind, kept, SMARTPHONES)
    )
    assert with_silent.deff is not None
    assert (with_silent.estimate, with_silent.se, with_silent.deff) == pytest.approx(
        (without.estimate, without.se, without.deff), rel=1e-9
    )


def test_a_variable_of_another_length_than_the_design_is_refused_with_both_lengths() -> None:
    with pytest.raises(ScoringError, match=r"^the variable has 3 rows, the design 2$"):
        estimate(Design([1.0, 2.0]), Estimand.mean([1.0, 2.0, 3.0]))


def test_totals_without_squares_take_each_cells_values_as_equal() -> None:
    sums = {**TWO_PSUS, "stratum": ["a"] * 4, "psu": ["1", "2", "3", "4"], "domain": [None] * 4}
    sums |= {"n": [2, 3, 2, 4], "sw": [2.0, 3.0, 4.0, 5.0], "swy": [1.0, 2.0, 1.0, 4.0]}
    equal_in_cell = [swy**2 / sw for swy, sw in zip(sums["swy"], sums["sw"], strict=True)]
    (without,) = estimate_from_totals(PsuTotals(**sums), "mean")
    (constant,) = estimate_from_totals(PsuTotals(**sums, swyy=equal_in_cell), "mean")
    assert without.deff == pytest.approx(constant.deff, rel=1e-12)


@pytest.mark.parametrize("left_out", ["swxy", "swxx"])
def test_a_ratio_from_totals_without_one_cross_product_has_no_design_effect(left_out: str) -> None:
    (ratio,) = estimate_from_totals(replace(_ratio_totals(WEIGHT), **{left_out: None}), "ratio")
    assert ratio.estimate is not None
    assert ratio.deff is None


def test_a_ratio_from_totals_without_its_denominator_sums_is_refused() -> None:
    with pytest.raises(ScoringError, match=r"^the denominator total is zero in a domain$"):
        estimate_from_totals(PsuTotals(**TWO_PSUS), "ratio")


def test_a_member_proportion_counts_the_persons_of_positive_weight_only() -> None:
    adults = HOUSEHOLDS["members_15plus"].astype(float)
    paying = HOUSEHOLDS["members_15plus_with_epay"].astype(float)
    weight = np.where(np.arange(WEIGHT.size) % 10 == 0, 0.0, WEIGHT)
    design = Design(weight, HOUSEHOLDS["stratum"], HOUSEHOLDS["psu"])
    (share,) = estimate(design, Estimand.member_proportion(paying, adults))
    assert share.n == adults[weight > 0].sum()


@pytest.mark.parametrize("column", ["n", "sw"])
def test_a_negative_count_or_weight_sum_is_refused(column: str) -> None:
    changed = {column: [2.0, -1.0]}
    assert _refusal(**changed) == "cell counts n and weight sums sw must be ≥ 0"


def test_unit_counts_that_do_not_nest_are_refused_with_the_rule() -> None:
    assert _refusal(rows=[2, 1]) == (
        "rows counts every unit of a cell, weighted_rows those of positive weight, n those"
        " with a value: rows ≥ weighted_rows ≥ n"
    )


def test_a_cell_with_units_and_no_weight_is_refused() -> None:
    assert _refusal(n=[2, 1], sw=[2.0, 0.0]) == "a cell with units must have a positive weight sum"


def test_a_cell_without_units_or_weight_is_accepted() -> None:
    empty_cell = {**TWO_PSUS, "stratum": ["a"] * 3, "psu": ["1", "2", "3"], "domain": [None] * 3}
    empty_cell |= {"n": [2, 2, 0], "sw": [2.0, 3.0, 0.0], "swy": [1.0, 2.0, 0.0]}
    (mean,) = estimate_from_totals(PsuTotals(**empty_cell), "mean")
    assert mean.estimate == pytest.approx(3.0 / 5.0)


def test_domain_labels_of_the_wrong_length_are_refused_by_column_name() -> None:
    with pytest.raises(ScoringError, match=r"^domain must have one entry per row \(2\)"):
        estimate(Design([1.0, 2.0]), Estimand.mean([1.0, 2.0]), ["a"])


def test_a_ratios_design_effect_does_not_depend_on_the_scale_of_the_weights() -> None:
    cell = np.unique(HOUSEHOLDS["psu"], return_inverse=True)[1]
    heaviest_cell = np.bincount(cell, weights=WEIGHT).max()
    below_one = WEIGHT / (10 * heaviest_cell)  # every cell's weight sum below 1
    (as_given,) = estimate_from_totals(_ratio_totals(WEIGHT), "ratio")
    (scaled,) = estimate_from_totals(_ratio_totals(below_one), "ratio")
    assert scaled.deff == pytest.approx(as_given.deff, rel=1e-9)
