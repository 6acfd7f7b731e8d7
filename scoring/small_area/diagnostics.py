"""Goodness of fit of a Fay–Herriot model (R ``eblupFH(...)$fit$goodness``) and residuals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.arrays import FloatArray
from scoring.small_area.fitting import FayHerriotFit


@dataclass(frozen=True)
class Diagnostics:
    """``loglike`` = −½ Σ [log 2π(σ̂²_v+ψ_d) + r_d²/(σ̂²_v+ψ_d)], r = θ̂ − Xβ̂;
    AIC = −2ℓ + 2(p+1); BIC = −2ℓ + (p+1) log m (sae's definitions); standardized residuals
    r_d/√(σ̂²_v+ψ_d), which should look like N(0, 1) when the model holds."""

    loglike: float
    aic: float
    bic: float
    sigma2_v_at_zero: bool
    standardized_residuals: FloatArray

    def as_dict(self) -> dict[str, object]:
        residuals = self.standardized_residuals
        return {
            "loglike": self.loglike,
            "aic": self.aic,
            "bic": self.bic,
            "sigma2_v_at_zero": self.sigma2_v_at_zero,
            "residuals_mean": float(np.mean(residuals)),
            "residuals_sd": float(np.std(residuals, ddof=1)) if len(residuals) > 1 else None,
            "residuals_max_abs": float(np.max(np.abs(residuals))),
        }


def diagnose(fit: FayHerriotFit) -> Diagnostics:
    m, p = fit.X.shape
    total = fit.sigma2_v + fit.psi
    resid = fit.y - fit.synthetic
    loglike = float(-0.5 * np.sum(np.log(2 * np.pi * total) + resid**2 / total))
    return Diagnostics(
        loglike=loglike,
        aic=-2 * loglike + 2 * (p + 1),
        bic=-2 * loglike + (p + 1) * np.log(m),
        sigma2_v_at_zero=fit.sigma2_v == 0,
        standardized_residuals=resid / np.sqrt(total),
    )
