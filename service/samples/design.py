"""What the sample says about the design of one unit (docs/design.md §8)."""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class StageFractions:
    """One sampling fraction per group of a two-stage design's stage: per variance stratum its
    PSUs' `psu_prob` (stage 1, n_h/N_h; a certainty PSU is a stratum of its own) or per PSU its
    units' `unit_prob` (stage 2, m_j/M_j), as R `svydesign(fpc = ~psu_prob + unit_prob)` reads
    them. The one rule of the sample's import and of a two-stage estimate (a round may become
    two-stage after its sample)."""

    stage: int  # 1: groups are variance strata, fractions psu_prob; 2: PSUs and unit_prob
    seen: dict[object, float] = field(default_factory=dict)  # group → its fraction

    def conflict(self, group: str, fraction: float) -> str | None:
        """Why the design is refused when `group` already has another fraction, else None."""
        known = self.seen.setdefault(group, fraction)
        if known == fraction:
            return None
        if self.stage == 1:
            return (
                f"The PSUs of stratum {group} have different psu_prob ({known:g}, "
                f"{fraction:g}): the first stage reads it as the stratum's sampling fraction "
                "n_h/N_h."
            )
        return (
            f"The units of PSU {group} have different unit_prob ({known:g}, {fraction:g}): "
            "the second stage reads it as the PSU's sampling fraction m_j/M_j."
        )
