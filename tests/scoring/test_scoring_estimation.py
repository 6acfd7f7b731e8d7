"""Design checks, lonely-PSU policies, domains and edge cases of ``scoring.estimate``."""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np
import pytest

from scoring import (
    Design,
    Estimand,
    LonelyPsuError,
    PsuTotals,
    Result,
    ScoringError,
    estimate,
    estimate_from_totals,
)

W = np.array([1.0, 2.0, 1.0, 3.0, 2.0, 1.0])
STRATA = np.array(["a", "a", "a", "b", "b", "c"])
PSU = np.array(["1", "1", "2", "1", "2", "1"])
Y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0])


def no_nan(result: Result) -> bool:
    values = [getattr(result, f.name) for f in fields(result)]
    return not any(isinstance(v, float) and not math.isfinite(v) for v in values)


def test_fail_policy_raises_naming_the_lonely_stratum() -> None:
    with pytest.raises(LonelyPsuError, match="stratum c has only one PSU") as err:
        estimate(Design(W, STRATA, PSU, lonely_psu="fail"), Estimand.mean(Y))
    assert err.value.stratum == "c"


def test_fail_policy_only_raises_for_domains_that_reach_the_lonely_stratum() -> None:
    domain = np.array(["x", "x", "x", "x", "x", None], dtype=object)
    (result,) = estimate(Design(W, STRATA, PSU, lonely_psu="fail"), Estimand.mean(Y), domain)
    assert result.domain == "x"


def test_fail_policy_ignores_a_lonely_stratum_that_is_a_census() -> None:
    fpc = np.array([5, 5, 5, 5, 5, 1.0])
    (result,) = estimate(Design(W, STRATA, PSU, fpc=fpc, lonely_psu="fail"), Estimand.mean(Y))
    assert result.se is not None


def test_unknown_lonely_psu_policy_is_refused() -> None:
    with pytest.raises(ScoringError, match="lonely_psu must be one of"):
        Design(W, STRATA, PSU, lonely_psu="ignore")


@pytest.mark.parametrize("policy", ["remove", "certainty"])
def test_remove_and_certainty_drop_the_lonely_stratum_from_the_variance(policy: str) -> None:
    (lonely,) = estimate(Design(W, STRATA, PSU, lonely_psu=policy), Estimand.total(Y))
    (without,) = estimate(Design(W[:5], STRATA[:5], PSU[:5]), Estimand.total(Y[:5]))
    assert lonely.se == pytest.approx(without.se)


def test_adjust_adds_the_lonely_psu_squared_deviation_from_the_grand_mean() -> None:
    (adjusted,) = estimate(Design(W, STRATA, PSU, lonely_psu="adjust"), Estimand.total(Y))
    (removed,) = estimate(Design(W, STRATA, PSU, lonely_psu="remove"), Estimand.total(Y))
    assert adjusted.se**2 == pytest.approx(removed.se**2 + (W[5] * Y[5]) ** 2)


def test_average_scales_the_variance_by_strata_over_strata_with_variance() -> None:
    (averaged,) = estimate(Design(W, STRATA, PSU, lonely_psu="average"), Estimand.total(Y))
    (removed,) = estimate(Design(W, STRATA, PSU, lonely_psu="remove"), Estimand.total(Y))
    assert averaged.se**2 == pytest.approx(removed.se**2 * 3 / 2)


def test_average_with_only_lonely_strata_has_no_standard_error() -> None:
    design = Design(W[3:], np.array(["b", "c", "d"]), PSU[3:], lonely_psu="average")
    (result,) = estimate(design, Estimand.mean(Y[3:]))
    assert (result.se, result.ci_low, result.reliability) == (None, None, "suppress")
    assert no_nan(result)


def test_a_design_of_one_psu_without_strata_is_refused_as_r_svydesign_does() -> None:
    with pytest.raises(ScoringError, match="only one primary sampling unit"):
        Design(W, psu=np.zeros(6))


def test_a_single_psu_stratified_design_has_zero_df_and_no_interval() -> None:
    (result,) = estimate(Design(W, strata=np.zeros(6), psu=np.zeros(6)), Estimand.proportion(Y))
    assert result.df == 0
    assert (result.ci_low, result.ci_high) == (None, None)
    assert no_nan(result)


def test_a_census_has_zero_standard_error_and_a_point_interval() -> None:
    (result,) = estimate(Design(W, fpc=np.full(6, 6.0)), Estimand.proportion(Y))
    assert result.se == 0.0
    assert result.ci_low == result.ci_high == result.estimate


def test_fpc_fraction_and_population_count_agree() -> None:
    counts = estimate(Design(W, STRATA, PSU, fpc=np.array([4, 4, 4, 8, 8, 3.0])), Estimand.mean(Y))
    fractions = estimate(
        Design(W, STRATA, PSU, fpc=np.array([0.5, 0.5, 0.5, 0.25, 0.25, 1 / 3])), Estimand.mean(Y)
    )
    assert counts[0].se == pytest.approx(fractions[0].se)


def test_fpc_mixing_counts_and_fractions_is_refused() -> None:
    with pytest.raises(ScoringError, match="all population counts"):
        Design(W, STRATA, PSU, fpc=np.array([4, 4, 4, 0.5, 0.5, 3.0]))


def test_fpc_varying_within_a_stratum_is_refused() -> None:
    with pytest.raises(ScoringError, match="constant within each stratum"):
        Design(W, STRATA, PSU, fpc=np.array([4, 5, 4, 8, 8, 3.0]))


def test_fpc_smaller_than_the_sample_is_refused() -> None:
    with pytest.raises(ScoringError, match="more than 100% sampling"):
        estimate(Design(W, STRATA, PSU, fpc=np.array([1, 1, 1, 8, 8, 3.0])), Estimand.mean(Y))


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_weights_must_be_finite_and_not_negative(bad: float) -> None:
    with pytest.raises(ScoringError, match=r"weight .* in row 2: weights must be finite and ≥ 0"):
        Design(np.array([1.0, bad]))


def test_a_weight_of_0_keeps_its_row_in_the_design() -> None:
    assert Design(np.array([1.0, 0.0])).n_rows == 2


def test_proportion_needs_a_0_1_variable() -> None:
    with pytest.raises(ScoringError, match="0/1"):
        Estimand.proportion([0, 1, 2])


def test_member_count_cannot_exceed_the_unit_size() -> None:
    with pytest.raises(ScoringError, match="cannot exceed"):
        Estimand.member_proportion([3], [2])


def test_ratio_with_a_zero_denominator_total_is_refused() -> None:
    with pytest.raises(ScoringError, match="denominator total is zero"):
        estimate(Design(W), Estimand.ratio(Y, np.zeros(6)))


def test_results_come_in_sorted_domain_order() -> None:
    domain = np.array(["z", "b", "z", "m", "b", "m"])
    results = estimate(Design(W, STRATA, PSU), Estimand.mean(Y), domain)
    assert [r.domain for r in results] == ["b", "m", "z"]


def test_rows_with_a_missing_value_leave_the_estimate_but_keep_their_psu_in_n_h_and_df() -> None:
    y = np.array([1.0, 0.0, np.nan, 1.0, 0.0, 1.0])
    keep = np.arange(6) != 5  # drop stratum c so that only a missing row could make a lonely PSU
    design = Design(W[keep], STRATA[keep], PSU[keep], lonely_psu="fail")
    (missing,) = estimate(design, Estimand.mean(y[keep]))
    outside = np.array(["all", "all", None, "all", "all"], dtype=object)
    (excluded,) = estimate(design, Estimand.mean(np.nan_to_num(y[keep])), outside)
    assert (missing.n, missing.df) == (4, 4 - 2)  # R na.rm = TRUE: degf() of the design
    assert missing.se == pytest.approx(excluded.se)


def test_domain_df_counts_psus_and_strata_with_a_domain_member() -> None:
    domain = np.array(["x", "y", "y", "x", "y", "y"])
    x, y = estimate(Design(W, STRATA, PSU), Estimand.mean(Y), domain)
    assert (x.df, y.df) == (2 - 2, 4 - 3)


def test_member_proportion_counts_persons_and_weights_them() -> None:
    count, size = np.array([1, 0, 2, 0, 1, 1.0]), np.array([2, 0, 2, 1, 3, 1.0])
    (result,) = estimate(Design(W, STRATA, PSU), Estimand.member_proportion(count, size))
    assert result.n == 9
    assert result.population == pytest.approx(float(W @ size))
    assert result.estimate == pytest.approx(float(W @ count) / float(W @ size))


def test_a_proportion_of_zero_is_shown_with_the_boundary_flag_and_no_nan() -> None:
    y = np.zeros(40)
    (result,) = estimate(Design(np.ones(40), psu=np.arange(40) % 10), Estimand.proportion(y))
    assert result.ci_low == 0.0 and 0 < result.ci_high < 1
    assert "boundary" in result.reliability_reasons
    assert no_nan(result)


def test_means_report_the_wald_method_whatever_ci_is_asked() -> None:
    (result,) = estimate(Design(W, STRATA, PSU), Estimand.mean(Y), ci="beta")
    assert result.ci_method == "wald"


def test_ratio_design_effect_equals_the_mean_one_when_the_denominator_is_constant() -> None:
    (ratio,) = estimate(Design(W, STRATA, PSU), Estimand.ratio(Y, np.ones(6) * 2))
    (mean,) = estimate(Design(W, STRATA, PSU), Estimand.mean(Y))
    assert ratio.deff == pytest.approx(mean.deff)


def test_ratio_from_totals_without_cross_products_has_no_design_effect() -> None:
    totals = PsuTotals(
        stratum=["a", "a"],
        psu=["1", "2"],
        domain=[None] * 2,
        n=[2, 2],
        sw=[2, 3],
        swy=[1, 2],
        swx=[4, 5],
        swyy=[1, 2],
    )
    (result,) = estimate_from_totals(totals, "ratio")
    assert result.deff is None


def test_totals_fpc_is_given_by_stratum_label() -> None:
    totals = PsuTotals(
        stratum=["a", "a", "b", "b"],
        psu=["1", "2", "1", "2"],
        domain=[None] * 4,
        n=[2, 2, 2, 2],
        sw=[2, 3, 4, 5],
        swy=[1, 2, 1, 4],
        swyy=[1, 2, 1, 4],
    )
    without = estimate_from_totals(totals, "proportion")[0]
    halved = estimate_from_totals(totals, "proportion", fpc={"a": 0.5, "b": 0.5})[0]
    assert halved.se == pytest.approx(without.se * math.sqrt(0.5))


def test_totals_fpc_missing_a_stratum_is_refused() -> None:
    totals = PsuTotals(
        stratum=["a", "b"], psu=["1", "1"], domain=[None, None], n=[1, 1], sw=[1, 1], swy=[1, 0]
    )
    with pytest.raises(ScoringError, match="no value for stratum b"):
        estimate_from_totals(totals, "mean", fpc={"a": 4})


def test_totals_psu_labels_are_nested_in_strata() -> None:
    totals = PsuTotals(
        stratum=["a", "a", "b", "b"],
        psu=["1", "2", "1", "2"],
        domain=[None] * 4,
        n=[1, 1, 1, 1],
        sw=[1, 1, 1, 1],
        swy=[1, 0, 1, 1],
        swyy=[1, 0, 1, 1],
    )
    (result,) = estimate_from_totals(totals, "proportion")
    assert result.df == 4 - 2


def test_unknown_estimand_kind_is_refused() -> None:
    totals = PsuTotals(stratum=[None], psu=["1"], domain=[None], n=[1], sw=[1], swy=[1])
    with pytest.raises(ScoringError, match="kind must be one of"):
        estimate_from_totals(totals, "median")
