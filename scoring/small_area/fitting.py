"""Fitting the Fay–Herriot model θ̂_d = x_d′β + v_d + e_d (R ``sae::eblupFH``, sae 1.3).

v_d ~ N(0, σ²_v) is the area effect, e_d ~ N(0, ψ_d) the sampling error with known ψ_d.
σ²_v is found by Fisher scoring from σ²_v⁽⁰⁾ = median(ψ), as ``eblupFH`` does, step by step:

- ``reml``: score s = −½ tr(P) + ½ y′P P y, information F = ½ tr(P P), with
  P = V⁻¹ − V⁻¹X(X′V⁻¹X)⁻¹X′V⁻¹ and V = diag(σ²_v + ψ_d);
- ``ml``: s = −½ Σ 1/(σ²_v+ψ_d) + ½ y′P P y, F = ½ Σ 1/(σ²_v+ψ_d)²;
- ``fh`` (moments, Fay and Herriot 1979): s = Σ r_d²/(σ²_v+ψ_d) − (m − p), F = Σ 1/(σ²_v+ψ_d),
  with r = y − Xβ̃(σ²_v) the GLS residuals;

σ²_v ← σ²_v + s/F until |Δ/σ²_v| ≤ ``precision`` (relative, 10⁻⁴ by default) or ``max_iter``
steps; the result is max(σ²_v, 0): a zero is a finding (no area effect beyond sampling error)
and is reported as such. Then β̂ = (X′V⁻¹X)⁻¹X′V⁻¹y with V(β̂) = (X′V⁻¹X)⁻¹ (se = √diag).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import cast

import numpy as np

from scoring.arrays import FloatArray
from scoring.errors import ScoringError

DEFAULT_MAX_ITER = 100
DEFAULT_PRECISION = 1e-4


class FitMethod(StrEnum):
    """How σ²_v is estimated (``eblupFH(method=)``: "REML", "ML", "FH")."""

    REML = "reml"
    ML = "ml"
    FH = "fh"

    @classmethod
    def parse(cls, value: str | FitMethod) -> FitMethod:
        try:
            return cls(str(value).lower())
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise ScoringError(
                f"unknown fitting method {value!r} (expected one of {names})"
            ) from None


@dataclass(frozen=True)
class FayHerriotFit:
    """A fitted model on the m sampled areas (arrays in the areas' order).

    ``converged`` false (``max_iter`` reached with the last step above ``precision``) leaves
    the estimates NaN, as ``eblupFH`` returns NA: it is reported, never used.
    """

    method: FitMethod
    sigma2_v: float
    beta: FloatArray
    beta_cov: FloatArray
    converged: bool
    iterations: int
    X: FloatArray
    y: FloatArray
    psi: FloatArray

    @property
    def beta_se(self) -> FloatArray:
        return np.sqrt(np.diag(self.beta_cov))

    @property
    def synthetic(self) -> FloatArray:
        """x_d′β̂ for the sampled areas."""
        return self.X @ self.beta

    @property
    def shrinkage(self) -> FloatArray:
        """γ_d = σ²_v/(σ²_v + ψ_d): the weight of the direct estimate in the EBLUP."""
        return self.sigma2_v / (self.sigma2_v + self.psi)


def check_inputs(y: FloatArray, X: FloatArray, psi: FloatArray) -> None:
    """Refuse what ``eblupFH`` cannot fit: mismatched sizes, non-finite values, ψ ≤ 0, a
    rank-deficient X, or no degrees of freedom left (m ≤ p)."""
    m, p = X.shape
    if y.shape != (m,) or psi.shape != (m,):
        raise ScoringError("y, X and psi must describe the same areas")
    if not (np.isfinite(y).all() and np.isfinite(X).all() and np.isfinite(psi).all()):
        raise ScoringError("direct estimates, covariates and sampling variances must be finite")
    if (psi <= 0).any():
        raise ScoringError("every sampling variance psi must be > 0")
    if m <= p:
        raise ScoringError(f"{m} areas cannot fit {p} coefficients: need more areas than terms")
    if np.linalg.matrix_rank(X) < p:
        raise ScoringError("the covariates are collinear (X is not of full column rank)")


def _gls(
    A: float, y: FloatArray, X: FloatArray, psi: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """V⁻¹ (as a vector), (X′V⁻¹X)⁻¹, X′V⁻¹ at σ²_v = A."""
    Vi = 1.0 / (A + psi)
    XtVi = (Vi[:, None] * X).T
    Q = cast(FloatArray, np.linalg.inv(XtVi @ X))  # numpy's stub: floating[Any]
    return Vi, Q, XtVi


def _score_information(
    method: FitMethod, A: float, y: FloatArray, X: FloatArray, psi: FloatArray
) -> tuple[float, float]:
    """One Fisher-scoring step's (s, F) for ``method`` at σ²_v = A (see the module doc)."""
    Vi, Q, XtVi = _gls(A, y, X, psi)
    if method is FitMethod.FH:
        resid = y - X @ (Q @ (XtVi @ y))
        m, p = X.shape
        return float(np.sum(resid**2 * Vi) - (m - p)), float(np.sum(Vi))
    P = np.diag(Vi) - XtVi.T @ Q @ XtVi
    Py = P @ y
    if method is FitMethod.REML:
        return float(-0.5 * np.trace(P) + 0.5 * Py @ Py), float(0.5 * np.sum(P * P.T))
    return float(-0.5 * np.sum(Vi) + 0.5 * Py @ Py), float(0.5 * np.sum(Vi**2))


def _unconverged(
    method: FitMethod, iterations: int, X: FloatArray, y: FloatArray, psi: FloatArray
) -> FayHerriotFit:
    """A fit without σ²_v or β̂, as ``eblupFH`` reports one that does not converge."""
    p = X.shape[1]
    nan = np.full(p, np.nan)
    return FayHerriotFit(method, np.nan, nan, np.full((p, p), np.nan), False, iterations, X, y, psi)


def fit_fay_herriot(
    y: FloatArray,
    X: FloatArray,
    psi: FloatArray,
    method: str | FitMethod = FitMethod.REML,
    max_iter: int = DEFAULT_MAX_ITER,
    precision: float = DEFAULT_PRECISION,
) -> FayHerriotFit:
    """σ²_v, β̂ and V(β̂) as ``sae::eblupFH(y ~ X - 1, psi, method, MAXITER, PRECISION)``.

    ``X`` holds the intercept column when the model has one.
    """
    method = FitMethod.parse(method)
    y, X, psi = (np.asarray(a, dtype=float) for a in (y, X, psi))
    check_inputs(y, X, psi)
    A = float(np.median(psi))
    k, diff = 0, precision + 1.0
    while diff > precision and k < max_iter:
        k += 1
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow ends the fit below
            s, F = _score_information(method, A, y, X, psi)
            step = A + s / F
        if not np.isfinite(step):  # scoring overflowed (e.g. estimates near 1e200): no fit
            return _unconverged(method, k, X, y, psi)
        diff = abs((step - A) / A) if A != 0 else np.inf
        A = step
    if k >= max_iter and diff >= precision:
        return _unconverged(method, k, X, y, psi)
    sigma2_v = max(A, 0.0)
    _, Q, XtVi = _gls(sigma2_v, y, X, psi)
    beta = Q @ (XtVi @ y)
    return FayHerriotFit(method, sigma2_v, beta, Q, True, k, X, y, psi)
