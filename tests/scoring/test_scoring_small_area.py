"""Fay–Herriot beyond what R `sae` computes: areas without a direct estimate (synthetic, MSE
σ̂²_v + x′V(β̂)x), the sampling variances ψ, the publication rule, and refused input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from scoring import ScoringError
from scoring.small_area import (
    Diagnostics,
    FitMethod,
    Source,
    Why,
    estimate_areas,
    fit_fay_herriot,
    publish,
    sampling_variances,
)
from scoring.small_area.prediction import eblup, eblup_mse

MILK = json.loads((Path(__file__).parents[1] / "fixtures/small_area/expected.json").read_text())[
    "cases"
][0]
Y, X, PSI = (np.array(MILK[k], float) for k in ("y", "X", "vardir"))


@pytest.mark.parametrize("method", list(FitMethod))
def test_areas_without_a_direct_estimate_get_the_synthetic_estimate_and_its_mse(
    method: FitMethod,
) -> None:
    direct = Y.copy()
    direct[[0, 10, 20]] = np.nan
    areas = estimate_areas(direct, PSI, X, method)
    inside = fit_fay_herriot(
        np.delete(Y, [0, 10, 20]), np.delete(X, [0, 10, 20], 0), np.delete(PSI, [0, 10, 20]), method
    )
    assert areas.fit.sigma2_v == inside.sigma2_v
    np.testing.assert_allclose(areas.estimate[areas.in_fit], eblup(inside))
    np.testing.assert_allclose(areas.mse[areas.in_fit], eblup_mse(inside))
    for d in (0, 10, 20):
        x = X[d]
        assert areas.estimate[d] == pytest.approx(x @ inside.beta)
        assert areas.mse[d] == pytest.approx(inside.sigma2_v + x @ inside.beta_cov @ x)
        assert areas.shrinkage[d] == 0


def test_an_area_without_a_usable_variance_is_predicted_like_one_without_interviews() -> None:
    psi = PSI.copy()
    psi[5] = np.nan
    areas = estimate_areas(Y, psi, X)
    assert not areas.in_fit[5]
    assert areas.estimate[5] == pytest.approx(X[5] @ areas.fit.beta)


def test_a_zero_area_variance_is_reported_and_the_model_is_then_the_regression() -> None:
    rng = np.random.default_rng(3)
    Xz = np.column_stack([np.ones(40), rng.normal(size=40)])
    y = Xz @ [1.0, 0.5] + rng.normal(0, 0.1, 40)  # no area effect, and ψ overstated
    areas = estimate_areas(y, np.full(40, 0.2), Xz)
    assert areas.fit.sigma2_v == 0
    assert areas.diagnostics is not None and areas.diagnostics.sigma2_v_at_zero
    np.testing.assert_allclose(areas.estimate, Xz @ areas.fit.beta)
    assert areas.model_dict(["(intercept)", "x"])["sigma2_v"] == 0.0


def test_a_fit_that_does_not_converge_leaves_every_model_number_empty() -> None:
    areas = estimate_areas(Y, PSI, X, "reml", max_iter=1)
    assert not areas.fit.converged
    assert np.isnan(areas.estimate).all()
    model = areas.model_dict(["a", "b", "c", "d"])
    assert model["sigma2_v"] is None and model["diagnostics"] is None
    assert all(b["estimate"] is None for b in model["beta"])


def test_smoothed_variances_are_the_province_variance_at_the_area_size() -> None:
    # ψ_d = p(1−p)·deff/n_d with deff = V/(p(1−p)/n): V·n/n_d.
    p, deff, n = 0.4, 1.8, 2000
    se = np.sqrt(p * (1 - p) * deff / n)
    psi = sampling_variances("smoothed", np.array([]), np.array([10, 40, 0]), se, n)
    np.testing.assert_allclose(psi[:2], [p * (1 - p) * deff / 10, p * (1 - p) * deff / 40])
    assert np.isnan(psi[2])


def test_pooled_variances_are_the_mean_variance_per_interview_at_the_area_size() -> None:
    se, n = np.array([0.1, 0.2, 0.0, np.nan]), np.array([10, 40, 5, 0])
    psi = sampling_variances("pooled", se, n, 0, 0)
    c = (10 * 0.01 + 40 * 0.04) / 2
    np.testing.assert_allclose(psi[:3], [c / 10, c / 40, c / 5])
    assert np.isnan(psi[3])
    with pytest.raises(ScoringError, match="no area has a positive direct variance"):
        sampling_variances("pooled", np.zeros(3), np.ones(3), 0, 0)


def test_direct_variances_are_se_squared_and_a_zero_se_cannot_enter_the_fit() -> None:
    psi = sampling_variances("direct", np.array([0.1, 0.0, np.nan]), np.array([]), 0, 0)
    assert psi[0] == pytest.approx(0.01)
    assert np.isnan(psi[1:]).all()


@pytest.mark.parametrize(
    ("y", "x", "psi", "message"),
    [
        ([1.0, 2.0], [[1.0], [1.0]], [0.1, 0.0], "psi must be > 0"),
        ([1.0, 2.0], [[1.0, 0], [1.0, 1]], [0.1, 0.1], "need more areas"),
        ([1, 2, 3.0], [[1.0, 2], [1, 2], [1, 2]], [0.1] * 3, "collinear"),
        ([1, np.inf, 3.0], [[1.0], [1], [1]], [0.1] * 3, "finite"),
    ],
)
def test_refuses_what_cannot_be_fitted(y: list, x: list, psi: list, message: str) -> None:
    with pytest.raises(ScoringError, match=message):
        fit_fay_herriot(np.array(y), np.array(x), np.array(psi))


def test_unknown_methods_are_refused_by_name() -> None:
    with pytest.raises(ScoringError, match="unknown fitting method 'bayes'"):
        fit_fay_herriot(Y, X, PSI, "bayes")
    with pytest.raises(ScoringError, match="unknown variance"):
        sampling_variances("gvf", Y, Y, 1, 1)


def test_a_publishable_direct_estimate_is_published_as_it_is() -> None:
    out = publish(True, (0.42, 0.30, 0.55), True, 0.40, 0.01, is_rate=True)
    assert (out.source, out.reason, out.estimate, out.ci_low) == (
        Source.DIRECT,
        Why.DIRECT_RELIABLE,
        0.42,
        0.30,
    )


def test_a_fit_with_no_area_variance_publishes_no_model_estimate() -> None:
    out = publish(False, None, True, 0.40, 0.01, is_rate=True, sigma2_v_zero=True)
    assert (out.source, out.reason, out.estimate) == (
        Source.WITHHELD,
        Why.MODEL_SIGMA2_V_ZERO,
        None,
    )
    direct = publish(True, (0.42, 0.3, 0.55), True, 0.40, 0.01, is_rate=True, sigma2_v_zero=True)
    assert direct.source is Source.DIRECT


def test_the_model_replaces_a_suppressed_direct_estimate_when_its_cv_is_at_most_30_percent() -> (
    None
):
    out = publish(False, None, True, 0.40, 0.12, is_rate=True)
    assert (out.source, out.reason) == (Source.MODEL, Why.DIRECT_UNRELIABLE)
    assert out.ci_low == pytest.approx(0.40 - 1.959963984540054 * 0.12)
    synthetic = publish(False, None, False, 0.05, 0.015, is_rate=True)
    assert (synthetic.source, synthetic.reason) == (Source.MODEL, Why.NO_INTERVIEWS)
    assert synthetic.ci_low == 0.05 - 1.959963984540054 * 0.015


def test_rates_clip_the_model_interval_to_zero_and_one() -> None:
    out = publish(False, None, True, 0.95, 0.05, is_rate=True)
    assert out.ci_high == 1.0
    assert publish(False, None, True, 0.95, 0.05, is_rate=False).ci_high > 1.0


@pytest.mark.parametrize(
    ("estimate", "rmse", "why"),
    [
        (0.40, 0.1201, Why.MODEL_CV_ABOVE_LIMIT),
        (0.0, 0.01, Why.MODEL_UNAVAILABLE),
        (1.008, 0.05, Why.MODEL_UNAVAILABLE),  # a share above 100 %
        (np.nan, np.nan, Why.MODEL_UNAVAILABLE),
    ],
)
def test_withheld_rows_carry_no_number(estimate: float, rmse: float, why: Why) -> None:
    out = publish(False, None, True, estimate, rmse, is_rate=True)
    assert (out.source, out.reason) == (Source.WITHHELD, why)
    assert (out.estimate, out.ci_low, out.ci_high) == (None, None, None)


def test_the_model_json_names_the_method_each_coefficient_and_the_convergence() -> None:
    areas = estimate_areas(Y, PSI, X, "ml")
    model = areas.model_dict(["(intercept)", "a", "b", "c"])
    fit = areas.fit
    assert model["method"] == "ml"
    assert model["sigma2_v"] == fit.sigma2_v
    assert model["beta"] == [
        {"name": name, "estimate": b, "se": se}
        for name, b, se in zip(["(intercept)", "a", "b", "c"], fit.beta, fit.beta_se, strict=True)
    ]
    assert (model["converged"], model["iterations"]) == (True, fit.iterations)
    assert model["areas_in_fit"] == len(Y)


def test_the_model_json_needs_one_name_per_coefficient() -> None:
    with pytest.raises(ValueError, match="zip"):
        estimate_areas(Y, PSI, X).model_dict(["(intercept)", "a", "b"])


def test_the_model_json_carries_the_goodness_of_fit_and_the_residuals_summary() -> None:
    areas = estimate_areas(Y, PSI, X)
    fit = areas.fit
    residuals = (Y - X @ fit.beta) / np.sqrt(fit.sigma2_v + PSI)
    assert areas.model_dict(["(intercept)", "a", "b", "c"])["diagnostics"] == {
        "loglike": areas.diagnostics.loglike,
        "aic": areas.diagnostics.aic,
        "bic": areas.diagnostics.bic,
        "sigma2_v_at_zero": False,
        "residuals_mean": pytest.approx(np.mean(residuals), rel=1e-12),
        "residuals_sd": pytest.approx(np.std(residuals, ddof=1), rel=1e-12),
        "residuals_max_abs": pytest.approx(np.max(np.abs(residuals)), rel=1e-12),
    }


def test_the_standardized_residuals_are_the_residuals_over_their_model_sd() -> None:
    areas = estimate_areas(Y, PSI, X)
    fit = areas.fit
    expected = (Y - X @ fit.beta) / np.sqrt(fit.sigma2_v + PSI)
    np.testing.assert_allclose(areas.diagnostics.standardized_residuals, expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("direct", "psi", "covariates"),
    [
        (Y, PSI, X[:, 0]),  # one covariate column given as a vector
        (Y, PSI, X[1:]),  # a covariate row missing
        (Y, PSI[1:], X),  # a sampling variance missing
    ],
)
def test_the_areas_must_be_the_same_in_every_input(direct, psi, covariates) -> None:
    message = r"^direct estimates, variances and covariates must cover the same areas$"
    with pytest.raises(ScoringError, match=message):
        estimate_areas(direct, psi, covariates)


def test_a_coarser_precision_stops_the_fit_sooner() -> None:
    assert estimate_areas(Y, PSI, X, precision=0.5).fit.iterations == 1
    assert estimate_areas(Y, PSI, X).fit.iterations > 1


def test_a_fit_that_does_not_converge_has_no_mse_and_no_shrinkage() -> None:
    areas = estimate_areas(Y, PSI, X, "reml", max_iter=1)
    assert np.isnan(areas.mse).all()
    assert np.isnan(areas.shrinkage).all()


@pytest.mark.parametrize(
    ("y", "x", "psi", "message"),
    [
        ([1.0, 2.0], [[1.0]] * 3, [0.1] * 3, "y, X and psi must describe the same areas"),
        ([1.0, 2.0, 3.0], [[1.0]] * 3, [0.1] * 2, "y, X and psi must describe the same areas"),
        (
            [1.0, np.nan, 3.0],
            [[1.0]] * 3,
            [0.1] * 3,
            "direct estimates, covariates and sampling variances must be finite",
        ),
        ([1.0, 2.0, 3.0], [[1.0]] * 3, [0.1, -0.1, 0.1], "every sampling variance psi must be > 0"),
        (
            [1.0, 2.0, 3.0],
            [[1.0, 2.0]] * 3,
            [0.1] * 3,
            "the covariates are collinear (X is not of full column rank)",
        ),
    ],
)
def test_each_refusal_of_the_fit_says_what_is_wrong(
    y: list, x: list, psi: list, message: str
) -> None:
    with pytest.raises(ScoringError) as refused:
        fit_fay_herriot(np.array(y), np.array(x), np.array(psi))
    assert str(refused.value) == message


def test_an_unknown_method_is_refused_with_the_methods_there_are() -> None:
    with pytest.raises(ScoringError) as refused:
        fit_fay_herriot(Y, X, PSI, "bayes")
    assert str(refused.value) == "unknown fitting method 'bayes' (expected one of reml, ml, fh)"


def test_a_fit_that_reaches_the_precision_at_its_last_allowed_iteration_has_converged() -> None:
    needed = fit_fay_herriot(Y, X, PSI).iterations
    fit = fit_fay_herriot(Y, X, PSI, max_iter=needed)
    assert fit.converged
    assert fit.iterations == needed


def test_a_fit_that_does_not_converge_keeps_the_areas_it_was_given() -> None:
    fit = fit_fay_herriot(Y, X, PSI, max_iter=1)
    assert not fit.converged
    np.testing.assert_array_equal(fit.y, Y)
    np.testing.assert_array_equal(fit.X, X)
    np.testing.assert_array_equal(fit.psi, PSI)


def test_a_fit_whose_scoring_overflows_has_not_converged() -> None:
    fit = fit_fay_herriot(Y * 1e200, X, PSI)
    assert not fit.converged
    assert np.isnan(fit.sigma2_v)


def test_a_direct_estimate_that_is_not_publishable_gives_way_to_the_model() -> None:
    out = publish(False, (0.42, 0.30, 0.55), True, 0.40, 0.12, is_rate=True)
    assert (out.source, out.reason, out.estimate) == (Source.MODEL, Why.DIRECT_UNRELIABLE, 0.40)


def test_the_model_interval_is_the_estimate_plus_and_minus_z_times_the_rmse() -> None:
    out = publish(False, None, True, 40.0, 5.0, is_rate=False)
    z = 1.959963984540054
    assert (out.ci_low, out.ci_high) == pytest.approx((40.0 - z * 5.0, 40.0 + z * 5.0), rel=1e-12)


def test_a_rate_modelled_at_exactly_one_is_published() -> None:
    out = publish(False, None, True, 1.0, 0.05, is_rate=True)
    assert (out.source, out.estimate, out.ci_high) == (Source.MODEL, 1.0, 1.0)


@pytest.mark.parametrize(("province_se", "province_n"), [(0.0, 2000), (0.02, 0), (np.nan, 2000)])
def test_smoothing_needs_a_province_variance_and_its_interviews(
    province_se: float, province_n: int
) -> None:
    with pytest.raises(ScoringError) as refused:
        sampling_variances("smoothed", np.array([]), np.array([10.0]), province_se, province_n)
    assert str(refused.value) == "the province estimate has no positive variance to smooth"


def test_an_area_with_one_interview_gets_the_province_variance_times_its_interviews() -> None:
    psi = sampling_variances("smoothed", np.array([]), np.array([1.0, 4.0]), 0.02, 1)
    np.testing.assert_allclose(psi, [0.0004, 0.0001], rtol=1e-12)


def test_an_area_with_one_interview_is_pooled_and_gets_the_whole_variance_per_interview() -> None:
    psi = sampling_variances("pooled", np.array([0.3, 0.1]), np.array([1.0, 4.0]), 0, 0)
    c = (1 * 0.09 + 4 * 0.01) / 2
    np.testing.assert_allclose(psi, [c, c / 4], rtol=1e-12)


def test_pooling_without_any_positive_variance_is_refused_naming_the_alternative() -> None:
    with pytest.raises(ScoringError) as refused:
        sampling_variances("pooled", np.zeros(3), np.ones(3), 0, 0)
    assert str(refused.value) == (
        "no area has a positive direct variance to pool (variance=smoothed takes the "
        "province's instead)"
    )


def test_two_standardized_residuals_have_a_standard_deviation() -> None:
    two = Diagnostics(0.0, 0.0, 0.0, False, np.array([1.0, -1.0]))
    assert two.as_dict()["residuals_sd"] == pytest.approx(np.sqrt(2.0), rel=1e-12)


def test_a_single_standardized_residual_has_no_standard_deviation() -> None:
    one = Diagnostics(0.0, 0.0, 0.0, False, np.array([0.5]))
    assert one.as_dict()["residuals_sd"] is None
