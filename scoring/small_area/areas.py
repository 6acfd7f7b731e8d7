"""Model estimates for every area: EBLUP where the area enters the fit, synthetic elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.arrays import BoolArray, FloatArray
from scoring.errors import ScoringError
from scoring.small_area.diagnostics import Diagnostics, diagnose
from scoring.small_area.fitting import (
    DEFAULT_MAX_ITER,
    DEFAULT_PRECISION,
    FayHerriotFit,
    FitMethod,
    fit_fay_herriot,
)
from scoring.small_area.prediction import eblup, eblup_mse, synthetic


@dataclass(frozen=True)
class AreaEstimates:
    """One entry per area, in the caller's order.

    ``in_fit`` marks areas with a direct estimate and a usable ψ (EBLUP); the others carry the
    synthetic estimate. ``shrinkage`` is γ_d (0 for synthetic areas: nothing of a direct
    estimate is in them). Everything is NaN when the fit did not converge.
    """

    fit: FayHerriotFit
    diagnostics: Diagnostics | None
    in_fit: BoolArray
    estimate: FloatArray
    mse: FloatArray
    shrinkage: FloatArray

    def model_dict(self, names: list[str]) -> dict[str, Any]:
        """The fitted model as JSON: method, σ̂²_v, β̂ with se by covariate name, convergence,
        goodness of fit (numbers NaN only when the fit did not converge: then null)."""
        fit = self.fit
        return {
            "method": fit.method.value,
            "sigma2_v": finite_or_none(fit.sigma2_v),
            "beta": [
                {"name": name, "estimate": finite_or_none(b), "se": finite_or_none(se)}
                for name, b, se in zip(names, fit.beta, fit.beta_se, strict=True)
            ],
            "converged": fit.converged,
            "iterations": fit.iterations,
            "areas_in_fit": int(self.in_fit.sum()),
            "diagnostics": None if self.diagnostics is None else self.diagnostics.as_dict(),
        }

    @property
    def rmse(self) -> FloatArray:
        return np.sqrt(self.mse)

    @property
    def cv(self) -> FloatArray:
        """√MSE / estimate (NaN unless the estimate is positive)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.estimate > 0, self.rmse / self.estimate, np.nan)


def estimate_areas(
    direct: FloatArray,
    psi: FloatArray,
    X: FloatArray,
    method: str | FitMethod = FitMethod.REML,
    max_iter: int = DEFAULT_MAX_ITER,
    precision: float = DEFAULT_PRECISION,
) -> AreaEstimates:
    """Fit on the areas with a direct estimate and ψ (NaN marks neither), predict for all."""
    direct, psi, X = (np.asarray(a, dtype=float) for a in (direct, psi, X))
    if X.ndim != 2 or X.shape[0] != len(direct) or len(psi) != len(direct):
        raise ScoringError("direct estimates, variances and covariates must cover the same areas")
    in_fit = np.isfinite(direct) & np.isfinite(psi)
    fit = fit_fay_herriot(direct[in_fit], X[in_fit], psi[in_fit], method, max_iter, precision)
    m = len(direct)
    estimate, mse, shrinkage = np.full(m, np.nan), np.full(m, np.nan), np.full(m, np.nan)
    if not fit.converged:
        return AreaEstimates(fit, None, in_fit, estimate, mse, shrinkage)
    estimate[in_fit], mse[in_fit], shrinkage[in_fit] = eblup(fit), eblup_mse(fit), fit.shrinkage
    out = ~in_fit
    estimate[out], mse[out] = synthetic(fit, X[out])
    shrinkage[out] = 0.0
    return AreaEstimates(fit, diagnose(fit), in_fit, estimate, mse, shrinkage)


def finite_or_none(value: float) -> float | None:
    """A finite number as float, else None (JSON has no NaN)."""
    return float(value) if np.isfinite(value) else None
