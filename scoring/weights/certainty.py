"""Certainty PSUs (``psu_prob = 1``) in the variance design (docs/design.md §8).

A take-all PSU was not sampled, so it contributes no between-PSU variance: for variance it
is its own stratum and its units are its PSUs (R: ``svydesign(ids = ~unit, strata = ~psu)``
for those units, as ``survey``'s certainty PSUs). Non-response classes keep the sample's
stratum and PSU; only the variance design changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scoring.errors import ScoringError

ArrayLike = Sequence[object] | np.ndarray
CERTAINTY_STRATUM = "{stratum}/{psu}"
"""Label of a certainty PSU's variance stratum."""


def variance_design(
    stratum: ArrayLike, psu: ArrayLike, unit: ArrayLike, psu_prob: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Variance stratum and PSU labels per unit: certainty PSUs become strata of units."""
    prob = np.asarray(psu_prob, dtype=np.float64)
    if np.any(~(prob > 0)) or np.any(prob > 1):
        raise ScoringError("psu_prob must lie in (0, 1]")
    certain = prob == 1
    strata = np.array(
        [
            CERTAINTY_STRATUM.format(stratum=s, psu=p) if c else str(s)
            for s, p, c in zip(stratum, psu, certain, strict=True)
        ],
        dtype=object,
    )
    psus = np.array(
        [str(u) if c else str(p) for p, u, c in zip(psu, unit, certain, strict=True)],
        dtype=object,
    )
    return strata, psus
