"""Finite population correction per stratum, given as N_h or as a sampling fraction.

R ``survey:::as.fpc``: values all ≥ 1 (some > 1) are population PSU counts ``N_h``; values
all ≤ 1 are sampling fractions and ``N_h = n_h / fraction``; a mixture is refused. The
factor applied to stratum h is ``1 - f_h = (N_h - n_h) / N_h`` (``survey:::onestrat``),
with ``n_h`` the number of PSUs the (possibly person-expanded) design has in stratum h.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.arrays import FloatArray, IntArray, LabelArray
from scoring.errors import ScoringError


@dataclass(frozen=True)
class PopulationCorrection:
    """Per-stratum fpc values (``values[h]``), read as counts or as fractions."""

    values: FloatArray
    is_fraction: bool

    @classmethod
    def from_values(cls, values: FloatArray) -> PopulationCorrection:
        """Classify the values as R does; refuse non-finite, non-positive or mixed values."""
        values = np.asarray(values, dtype=np.float64)
        if not np.all(np.isfinite(values)) or np.any(values <= 0):
            raise ScoringError("fpc must be finite and > 0 (a PSU count N_h or a fraction ≤ 1)")
        counts = bool(np.any(values > 1))
        if counts and np.any(values < 1):
            raise ScoringError("fpc must be all population counts (≥ 1) or all fractions (≤ 1)")
        return cls(values=values, is_fraction=not counts)


def fpc_factor(
    correction: PopulationCorrection | None, n_h: IntArray, stratum_labels: LabelArray
) -> FloatArray:
    """``1 - f_h = (N_h - n_h) / N_h`` per stratum; 1 without fpc (sampling with replacement)."""
    if correction is None:
        return np.ones(n_h.shape[0], dtype=np.float64)
    if correction.is_fraction:
        return 1.0 - correction.values
    population = correction.values
    present = n_h > 0
    if np.any(population[present] < n_h[present]):
        h = int(np.flatnonzero(present & (population < n_h))[0])
        raise ScoringError(
            f"fpc implies more than 100% sampling: N_h={population[h]:g} < n_h={int(n_h[h])}"
            f" in stratum {stratum_labels[h]!s}"
        )
    return (population - n_h) / population
