"""What the sample says about the design of one unit (docs/design.md §8)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def base_weight(psu_prob: float, unit_prob: float) -> float:
    """d = 1 / (psu_prob · unit_prob): the inverse of the unit's inclusion probability."""
    return 1.0 / (psu_prob * unit_prob)


def is_certainty(row: dict[str, Any]) -> bool:
    """A PSU selected with certainty (psu_prob = 1: a take-all commune or enterprise)."""
    return float(row["psu_prob"]) >= 1.0


def sampling_of(row: dict[str, Any]) -> dict[str, Any]:
    """The variance stratum, PSU and base weight of a sampled unit.

    A certainty PSU is its own stratum for variance and its units are its PSUs (R: the PSU
    contributes no between-PSU variance; its units are the first stage). The sample's own
    stratum and PSU stay on the assignment for non-response classes.
    """
    weight = base_weight(row["psu_prob"], row["unit_prob"])
    if is_certainty(row):
        return {"stratum": row["psu"], "psu": row["assignment_id"], "weight": weight}
    return {"stratum": row["stratum"], "psu": row["psu"], "weight": weight}


@dataclass(frozen=True)
class PsuSelection:
    """How one sample PSU and its units were drawn: `psu_prob` and its units' `unit_prob`s
    (one value once the PSU is a second stage's: an equal-probability draw of units)."""

    psu_prob: float
    unit_probs: frozenset[float]

    @property
    def is_certainty(self) -> bool:
        return self.psu_prob >= 1.0
