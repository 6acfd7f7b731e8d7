"""ψ_d, the sampling variance of each area's direct estimate, as the model takes it as known.

- ``pooled`` (default; a generalised variance function from the areas themselves):
  ψ_d = c / n_d with c the mean of n_d·se_d² over the areas with a positive direct variance:
  each area's variance per interview, which keeps the clustering inside areas and leaves out
  what ``smoothed`` also counts, the spread of the weights across areas and of p̂_d around p̂.
  Direct variances of areas with a handful of interviews are themselves too noisy to be taken
  as known (a commune with 3 interviews all "yes" has se 0), which is why statistical offices
  smooth them (Rao and Molina 2015, §6.4.1); pooling smooths them without borrowing the
  province's between-area spread.
- ``smoothed`` (the contract's GVF, kept on request): ψ_d = p̂(1−p̂)·deff / n_d, with the
  province estimate p̂, its design effect deff = V̂(p̂)/(p̂(1−p̂)/n) and n the province's
  interviews, so ψ_d = V̂(p̂) · n / n_d: the province's variance at the area's sample size
  (for means and person-level rates the same V̂ · n / n_d). In the simulation of
  docs/statistics.md it overstates ψ by about 30 %, σ̂²_v comes out too small and model
  intervals cover 82–88 % for communes with ≤ 30 interviews; ``pooled`` covers 91–95 %, which
  is why it is the default (docs/design.md §14).
- ``direct``: ψ_d = se_d², the design-based variance of the area's own estimate; an area whose
  se is 0 or undefined cannot enter the fit and is treated like an area without interviews.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

from scoring.errors import ScoringError


class VarianceSource(StrEnum):
    POOLED = "pooled"
    SMOOTHED = "smoothed"
    DIRECT = "direct"

    @classmethod
    def parse(cls, value: str | VarianceSource) -> VarianceSource:
        try:
            return cls(str(value).lower())
        except ValueError:
            raise ScoringError(
                f"unknown variance {value!r} (expected pooled, smoothed or direct)"
            ) from None


def smoothed_variances(province_se: float, province_n: int, n: np.ndarray) -> np.ndarray:
    """ψ_d = V̂(p̂) · n / n_d (NaN where n_d = 0)."""
    if not province_se > 0 or province_n <= 0:
        raise ScoringError("the province estimate has no positive variance to smooth")
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(n > 0, province_se**2 * province_n / n, np.nan)


def pooled_variances(se: np.ndarray, n: np.ndarray) -> np.ndarray:
    """ψ_d = mean(n_k·se_k² over areas with se_k > 0) / n_d (NaN where n_d = 0)."""
    se, n = np.asarray(se, dtype=float), np.asarray(n, dtype=float)
    usable = (se > 0) & (n > 0)
    if not usable.any():
        raise ScoringError(
            "no area has a positive direct variance to pool (variance=smoothed takes the "
            "province's instead)"
        )
    per_interview = float(np.mean(n[usable] * se[usable] ** 2))
    with np.errstate(divide="ignore"):
        return np.where(n > 0, per_interview / n, np.nan)


def direct_variances(se: np.ndarray) -> np.ndarray:
    """ψ_d = se_d² (NaN where se is undefined or 0)."""
    se = np.asarray(se, dtype=float)
    return np.where(se > 0, se**2, np.nan)


def sampling_variances(
    source: str | VarianceSource,
    se: np.ndarray,
    n: np.ndarray,
    province_se: float,
    province_n: int,
) -> np.ndarray:
    """ψ for every area under ``source``; NaN marks an area that cannot enter the fit."""
    match VarianceSource.parse(source):
        case VarianceSource.DIRECT:
            return direct_variances(se)
        case VarianceSource.POOLED:
            return pooled_variances(se, n)
        case VarianceSource.SMOOTHED:
            return smoothed_variances(province_se, province_n, n)
