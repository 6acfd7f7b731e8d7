"""EBLUP, its MSE (R ``sae::mseFH``), and synthetic estimates for areas without a sample.

EBLUP: θ̃_d = x_d′β̂ + γ_d (θ̂_d − x_d′β̂), γ_d = σ̂²_v/(σ̂²_v + ψ_d).

MSE exactly as ``mseFH`` (sae 1.3) computes it, with B_d = ψ_d/(σ̂²_v+ψ_d) = 1 − γ_d,
Q = V(β̂) = (X′V⁻¹X)⁻¹, S₁ = Σ 1/(σ̂²_v+ψ_d), S₂ = Σ 1/(σ̂²_v+ψ_d)²:

- g₁ = ψ_d (1 − B_d), g₂ = B_d² x_d′Q x_d, g₃ = B_d² V̄(σ̂²_v)/(σ̂²_v+ψ_d);
- ``reml`` (Prasad–Rao / Datta–Lahiri): V̄ = 2/S₂; MSE = g₁ + g₂ + 2g₃;
- ``ml`` (Datta–Lahiri): V̄ = 2/S₂, bias b = −tr(Q X′V⁻²X)/S₂; MSE = g₁ + g₂ + 2g₃ − b B_d²;
- ``fh`` (sae's own): V̄ = 2m/S₁², b = 2(m S₂ − S₁²)/S₁³; MSE = g₁ + g₂ + 2g₃ − b B_d².

An area outside the fit (no interviews, or no usable direct variance) gets the synthetic
x_d′β̂ with MSE σ̂²_v + x_d′V(β̂)x_d: the area effect is unknown, so its whole variance counts,
plus the uncertainty of β̂ (Rao and Molina 2015, §6.1.2; sae has no such function).
"""

from __future__ import annotations

import numpy as np

from scoring.arrays import FloatArray
from scoring.small_area.fitting import FayHerriotFit, FitMethod


def eblup(fit: FayHerriotFit) -> FloatArray:
    """θ̃_d for the fitted areas (``eblupFH(...)$eblup``)."""
    synthetic = fit.synthetic
    return synthetic + fit.shrinkage * (fit.y - synthetic)


def leverages(X: FloatArray, beta_cov: FloatArray) -> FloatArray:
    """x_d′V(β̂)x_d for every row of X."""
    quadratic_forms: FloatArray = np.einsum("ij,jk,ik->i", X, beta_cov, X)
    return quadratic_forms


def eblup_mse(fit: FayHerriotFit) -> FloatArray:
    """MSE(θ̃_d) for the fitted areas, as ``sae::mseFH(...)$mse`` for ``fit.method``."""
    A, psi, X, Q = fit.sigma2_v, fit.psi, fit.X, fit.beta_cov
    Vi = 1.0 / (A + psi)
    Bd = psi * Vi
    sum_vi2 = float(np.sum(Vi**2))
    g1 = psi * (1.0 - Bd)
    g2 = Bd**2 * leverages(X, Q)
    if fit.method is FitMethod.FH:
        m = len(psi)
        sum_vi = float(np.sum(Vi))
        var_A = 2.0 * m / sum_vi**2
        bias = 2.0 * (m * sum_vi2 - sum_vi**2) / sum_vi**3
    else:
        var_A = 2.0 / sum_vi2
        bias = 0.0
        if fit.method is FitMethod.ML:
            bias = -float(np.trace(Q @ ((Vi**2)[:, None] * X).T @ X)) / sum_vi2
    g3 = Bd**2 * var_A * Vi
    return g1 + g2 + 2.0 * g3 - bias * Bd**2


def synthetic(fit: FayHerriotFit, X_out: FloatArray) -> tuple[FloatArray, FloatArray]:
    """x_d′β̂ and its MSE σ̂²_v + x_d′V(β̂)x_d for areas outside the fit."""
    X_out = np.asarray(X_out, dtype=float)
    return X_out @ fit.beta, fit.sigma2_v + leverages(X_out, fit.beta_cov)
