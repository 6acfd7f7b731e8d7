"""Design effect as R ``svymean(..., deff = "replace")`` / ``svytotal``.

``deff = V / V_srs`` with the with-replacement SRS variance of the same domain:

- mean, proportion: ``V_srs = s²_w / n``
- total: ``V_srs = s²_w · (Σw)² / n``

where ``s²_w = n/(n−1) · Σw(y − ŷ)² / Σw`` is R ``svyvar`` on the domain's ``n`` rows.
Ratios have no design effect here (``None``), as in the reference script.
"""

from __future__ import annotations

import numpy as np

from scoring.estimands import Kind


def weighted_variance(n: np.ndarray, w: np.ndarray, wy: np.ndarray, wyy: np.ndarray) -> np.ndarray:
    """R ``svyvar``: ``n/(n−1) · Σw(y − ŷ)² / Σw`` from domain sums (NaN when ``n ≤ 1``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = wy / w
        squares = np.maximum(wyy - mean * wy, 0.0)
        return np.where(n > 1, squares / w * n / (n - 1), np.nan)


def design_effect(
    kind: Kind, variance: np.ndarray, n: np.ndarray, w: np.ndarray, wy: np.ndarray, wyy: np.ndarray
) -> np.ndarray:
    """``V / V_srs`` per domain; NaN where undefined (ratio, ``n ≤ 1``, ``s²_w = 0``)."""
    if kind is Kind.RATIO:
        return np.full(variance.shape, np.nan)
    srs = weighted_variance(n, w, wy, wyy) / n
    if kind is Kind.TOTAL:
        srs = srs * w**2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(srs > 0, variance / srs, np.nan)
