"""Confidence intervals, vectorised over domains (R ``svyciprop``, survey 4.1-1).

All use Student t quantiles with the domain's design df (``t_df``); ``df ≤ 0`` gives no
interval (NaN, reported as ``None``). Edge cases we define where R gives NaN or nonsense:

- ``p̂ = 0`` or ``1`` (so ``se = 0``): every proportion method returns the Korn–Graubard
  interval with ``n_eff = n``, e.g. ``[0, upper]``, the NCHS convention;
- ``se = 0`` with ``0 < p̂ < 1`` (a census, or lonely PSUs removed): ``[p̂, p̂]``;
- ``asin``: the bounds on the angle scale are clamped to ``[0, π/2]`` before
  back-transforming (R's ``sin²`` folds an out-of-range bound back into [0, 1]);
- ``logit`` where R's ``confint.svyglm`` rounds ``1 − 2·pnorm(qt(α/2, df))`` to 1 and
  answers ``[0, NaN]`` (df = 1 at any level; df = 2 at 99 %): the exact t interval.

Quantiles come from scipy.special's ``stdtrit`` and ``betaincinv`` (:mod:`scoring.special`): the
functions ``scipy.stats`` itself calls, without the cost of importing ``scipy.stats``.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

from scoring.arrays import FloatArray, IntArray
from scoring.errors import ScoringError
from scoring.special import betaincinv, stdtrit

Interval = tuple[FloatArray, FloatArray]


class CiMethod(StrEnum):
    """Interval methods; ``wald`` is R's ``method = "mean"``."""

    WALD = "wald"
    LOGIT = "logit"
    XLOGIT = "xlogit"
    ASIN = "asin"
    BETA = "beta"

    @classmethod
    def parse(cls, value: str | CiMethod) -> CiMethod:
        """The method named ``value``; unknown names are refused."""
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(m.value for m in cls)
            raise ScoringError(f"ci must be one of {names}, not {value!r}") from None


def check_level(level: float) -> float:
    """The confidence level, which must lie in [0.5, 0.999]."""
    if not isinstance(level, int | float) or not 0.5 <= float(level) <= 0.999:
        raise ScoringError(f"level must be a number in [0.5, 0.999], not {level!r}")
    return float(level)


def t_quantile(level: float, df: IntArray | FloatArray) -> FloatArray:
    """``t_{df}(1 − α/2)``; NaN for ``df ≤ 0``."""
    df = np.asarray(df, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(df > 0, stdtrit(np.where(df > 0, df, 1.0), 0.5 + level / 2), np.nan)


def wald_interval(estimate: FloatArray, se: FloatArray, t: FloatArray) -> Interval:
    """``θ̂ ± t_df · se`` (R ``confint(svymean)``, ``svyciprop(method = "mean")``)."""
    return estimate - t * se, estimate + t * se


def xlogit_interval(p: FloatArray, se: FloatArray, t: FloatArray) -> Interval:
    """Delta method on ``η = log(p/(1−p))``, ``se_η = se / (p(1−p))``; back by ``expit``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.log(p / (1 - p))
        se_eta = se / (p * (1 - p))
    return _expit(eta - t * se_eta), _expit(eta + t * se_eta)


def logit_interval(p: FloatArray, se: FloatArray, t: FloatArray) -> Interval:
    """R's default: Wald on the logit scale from ``svyglm(y ~ 1, family = quasibinomial)``.

    The intercept-only weighted MLE is ``logit(p̂)`` and its sandwich variance is
    ``V(p̂) / (p̂(1−p̂))²``, so the interval coincides with :func:`xlogit_interval`.
    """
    return xlogit_interval(p, se, t)


def asin_interval(p: FloatArray, se: FloatArray, t: FloatArray) -> Interval:
    """Delta method on ``θ = asin(√p)``, ``se_θ = se / (2√(p(1−p)))``; back by ``sin²``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.arcsin(np.sqrt(p))
        se_theta = se / (2 * np.sqrt(p * (1 - p)))
    low = np.clip(theta - t * se_theta, 0.0, np.pi / 2)
    high = np.clip(theta + t * se_theta, 0.0, np.pi / 2)
    return np.sin(low) ** 2, np.sin(high) ** 2


def korn_graubard_interval(
    p: FloatArray, n_eff: FloatArray, df: IntArray, n: FloatArray, level: float
) -> Interval:
    """Korn & Graubard (1998) as R ``svyciprop(method = "beta")``.

    ``n* = n_eff · (t_{n−1}(α/2) / t_df(α/2))²`` and Clopper–Pearson with ``n*``:
    ``[Beta⁻¹(α/2; n*p, n*(1−p)+1), Beta⁻¹(1−α/2; n*p+1, n*(1−p))]``, where ``n`` is the
    number of rows in the domain (R ``nrow(design)``).
    """
    alpha = 1 - level
    ratio = t_quantile(level, np.asarray(n, dtype=np.float64) - 1) / t_quantile(level, df)
    adjusted = n_eff * ratio**2
    with np.errstate(invalid="ignore", divide="ignore"):
        a, b = adjusted * p, adjusted * (1 - p)
        low = np.where(p <= 0, 0.0, betaincinv(np.where(p <= 0, 1, a), b + 1, alpha / 2))
        high = np.where(p >= 1, 1.0, betaincinv(a + 1, np.where(p >= 1, 1, b), 1 - alpha / 2))
    undefined = np.isnan(adjusted)
    return np.where(undefined, np.nan, low), np.where(undefined, np.nan, high)


def mean_interval(estimate: FloatArray, se: FloatArray, df: IntArray, level: float) -> Interval:
    """Means, totals and ratios: Wald with ``t_df``."""
    return wald_interval(estimate, se, t_quantile(level, df))


def proportion_interval(
    method: CiMethod,
    p: FloatArray,
    se: FloatArray,
    df: IntArray,
    n: FloatArray,
    level: float,
    nrow: FloatArray | None = None,
) -> Interval:
    """The ``method`` interval for proportions, with the edge cases of the module docstring.

    ``n`` counts the rows with a value, ``nrow`` (default ``n``) the domain's rows with or
    without one: R's Korn–Graubard takes ``nrow(design)`` of the domain it is given.
    """
    nrow = n if nrow is None else nrow
    t = t_quantile(level, df)
    boundary = (p <= 0) | (p >= 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(boundary, n, p * (1 - p) / se**2)
    if method is CiMethod.BETA:
        low, high = korn_graubard_interval(p, n_eff, df, nrow, level)
    else:
        low, high = _TRANSFORMED[method](p, se, t)
        if boundary.any():
            edge_low, edge_high = korn_graubard_interval(p, n_eff, df, nrow, level)
            low, high = np.where(boundary, edge_low, low), np.where(boundary, edge_high, high)
    exact = (se == 0) & ~boundary
    low, high = np.where(exact, p, low), np.where(exact, p, high)
    undefined = np.isnan(se) | ~(np.asarray(df) > 0)
    return np.where(undefined, np.nan, low), np.where(undefined, np.nan, high)


_TRANSFORMED = {
    CiMethod.WALD: wald_interval,
    CiMethod.LOGIT: logit_interval,
    CiMethod.XLOGIT: xlogit_interval,
    CiMethod.ASIN: asin_interval,
}


def _expit(eta: FloatArray) -> FloatArray:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-eta))
