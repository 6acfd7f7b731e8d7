"""Confidence intervals (R ``svyciprop``) and their edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from scoring import ScoringError
from scoring.intervals import (
    CiMethod,
    asin_interval,
    check_level,
    korn_graubard_interval,
    logit_interval,
    proportion_interval,
    t_quantile,
    wald_interval,
    xlogit_interval,
)

P, SE, T = np.array([0.3]), np.array([0.05]), np.array([2.0])


def test_wald_is_estimate_plus_minus_t_se() -> None:
    low, high = wald_interval(P, SE, T)
    assert (low[0], high[0]) == pytest.approx((0.2, 0.4))


def test_xlogit_is_symmetric_on_the_logit_scale() -> None:
    low, high = xlogit_interval(P, SE, T)
    logit = math.log(0.3 / 0.7)
    half = 2.0 * 0.05 / (0.3 * 0.7)
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert (low[0], high[0]) == pytest.approx((expit(logit - half), expit(logit + half)))


def test_logit_equals_xlogit_as_for_an_intercept_only_quasibinomial_fit() -> None:
    assert np.allclose(logit_interval(P, SE, T), xlogit_interval(P, SE, T))


def test_asin_is_symmetric_on_the_angle_scale() -> None:
    low, high = asin_interval(P, SE, T)
    theta = math.asin(math.sqrt(0.3))
    half = 2.0 * 0.05 / (2 * math.sqrt(0.21))
    assert (low[0], high[0]) == pytest.approx(
        (math.sin(theta - half) ** 2, math.sin(theta + half) ** 2)
    )


def test_asin_bounds_are_clamped_to_zero_and_one() -> None:
    low, high = asin_interval(np.array([0.01]), np.array([0.2]), T)
    assert low[0] == 0.0
    assert high[0] <= 1.0


def test_korn_graubard_with_df_n_minus_1_is_clopper_pearson() -> None:
    n, k = 40, 12
    low, high = korn_graubard_interval(
        np.array([k / n]), np.array([float(n)]), np.array([n - 1]), np.array([n]), 0.95
    )
    assert low[0] == pytest.approx(stats.beta.ppf(0.025, k, n - k + 1))
    assert high[0] == pytest.approx(stats.beta.ppf(0.975, k + 1, n - k))


def test_korn_graubard_widens_with_fewer_degrees_of_freedom() -> None:
    args = (np.array([0.3]), np.array([100.0]))
    wide = korn_graubard_interval(*args, np.array([5]), np.array([100]), 0.95)
    narrow = korn_graubard_interval(*args, np.array([99]), np.array([100]), 0.95)
    assert wide[1][0] - wide[0][0] > narrow[1][0] - narrow[0][0]


@pytest.mark.parametrize("method", list(CiMethod))
def test_a_proportion_of_zero_gets_the_one_sided_clopper_pearson_interval(method: CiMethod) -> None:
    n = 50
    low, high = proportion_interval(
        method, np.array([0.0]), np.array([0.0]), np.array([n - 1]), np.array([n]), 0.95
    )
    assert low[0] == 0.0
    assert high[0] == pytest.approx(1 - 0.025 ** (1 / n))


@pytest.mark.parametrize("method", list(CiMethod))
def test_a_proportion_of_one_gets_the_mirrored_interval(method: CiMethod) -> None:
    n = 50
    low, high = proportion_interval(
        method, np.array([1.0]), np.array([0.0]), np.array([n - 1]), np.array([n]), 0.95
    )
    assert high[0] == 1.0
    assert low[0] == pytest.approx(0.025 ** (1 / n))


@pytest.mark.parametrize("method", list(CiMethod))
def test_zero_standard_error_inside_zero_one_gives_a_point_interval(method: CiMethod) -> None:
    low, high = proportion_interval(
        method, P, np.array([0.0]), np.array([10]), np.array([50]), 0.95
    )
    assert (low[0], high[0]) == (0.3, 0.3)


@pytest.mark.parametrize("method", list(CiMethod))
def test_zero_degrees_of_freedom_gives_no_interval(method: CiMethod) -> None:
    low, high = proportion_interval(method, P, SE, np.array([0]), np.array([50]), 0.95)
    assert np.isnan(low[0]) and np.isnan(high[0])


def test_t_quantile_uses_student_t_with_the_design_df() -> None:
    assert t_quantile(0.9, np.array([7]))[0] == pytest.approx(stats.t.ppf(0.95, 7))


@pytest.mark.parametrize("level", [0.5, 0.9, 0.999])
def test_levels_from_half_to_0_999_are_accepted(level: float) -> None:
    assert check_level(level) == level


@pytest.mark.parametrize("level", [0.49, 0.9991, 1.0, float("nan")])
def test_levels_outside_the_range_are_refused(level: float) -> None:
    with pytest.raises(ScoringError):
        check_level(level)


def test_unknown_interval_method_is_refused() -> None:
    with pytest.raises(ScoringError, match="ci must be one of"):
        CiMethod.parse("wilson")


def test_an_unknown_interval_method_is_refused_with_the_methods_to_choose_from() -> None:
    with pytest.raises(
        ScoringError, match=r"^ci must be one of wald, logit, xlogit, asin, beta, not 'wilson'$"
    ):
        CiMethod.parse("wilson")


def test_a_level_outside_the_range_is_refused_with_the_range_and_the_value() -> None:
    with pytest.raises(ScoringError, match=r"^level must be a number in \[0.5, 0.999\], not 1.0$"):
        check_level(1.0)
