"""What one submission adds to its round's cells (docs/design.md §7).

A cell is stratum × PSU × the unit's categorical attributes (`BY_DIMENSIONS` of the instrument:
district, commune, area, plus type and sector for businesses), so every `by` domain and every
calibration cell is a function of the cell key. Each submission stores `agg`: its cell key, its
weight and, per indicator, the weighted moments whose sums the cells keep.
"""

from __future__ import annotations

from typing import Any

from catalogue import Indicator, IndicatorKind, indicators_of, unit_values
from service.domain.cells import CellKey
from service.domain.round import Round

# Only the moments a kind needs are stored (smaller documents ingest faster); the others follow:
# a 0/1 rate has Σwy² = Σwy and x = 1; a member proportion's person-level Σwy² is Σw·count.
STORED_MOMENTS: dict[IndicatorKind, tuple[str, ...]] = {
    IndicatorKind.PROPORTION: ("wy",),
    IndicatorKind.MEAN: ("wy", "wyy"),
    IndicatorKind.MEMBER_PROPORTION: ("wy", "wx", "x"),
}
WEIGHTED_MOMENTS = ("wy", "wyy", "wx")  # sums of w·…; `x` (and a cell's `n`) are counts
# A sample round's units may be a second stage (docs/design.md §8): its contributions also
# carry the squared weight `ww` and the w²-moments a kind's Σ_k z_k² needs
# (scoring/two_stage_totals.py): a 0/1 rate Σw²y (y² = y), a mean Σw²y and Σw²y², a member
# proportion Σw²y², Σw²xy and Σw²x².
SQUARED_MOMENTS: dict[IndicatorKind, tuple[str, ...]] = {
    IndicatorKind.PROPORTION: ("wwy",),
    IndicatorKind.MEAN: ("wwy", "wwyy"),
    IndicatorKind.MEMBER_PROPORTION: ("wwyy", "wwxy", "wwxx"),
}
SQUARED_WEIGHT = "ww"
SQUARED_WEIGHT_MOMENTS = (SQUARED_WEIGHT, "wwy", "wwyy", "wwxy", "wwxx")  # sums of w²·…


def moment_field(indicator_id: str, moment: str) -> str:
    """A cell's field for Σ of one moment (flat: nx-27017 upserts keep dotted paths literal)."""
    return f"{indicator_id}__{moment}"


def moment_fields(indicators: list[Indicator], squared: bool = False) -> list[str]:
    """The cells' per-indicator fields; `squared`: with the second-stage moments."""
    return [
        moment_field(indicator.id, moment)
        for indicator in indicators
        for moment in stored_moments(indicator.kind, squared)
    ]


def stored_moments(kind: IndicatorKind, squared: bool) -> tuple[str, ...]:
    return STORED_MOMENTS[kind] + (SQUARED_MOMENTS[kind] if squared else ())


def domain_values(
    instrument: str, location: dict[str, Any], answers: dict[str, Any]
) -> dict[str, str]:
    values = {
        "district": location.get("district") or "",
        "commune": location["commune"],
        "area": location["area"],
    }
    if instrument == "business":
        values |= {"type": answers["type"], "sector": answers["sector"]}
    return values


def cell_key(
    instrument: str, location: dict[str, Any], sampling: dict[str, Any], answers: dict[str, Any]
) -> str:
    attributes = {"stratum": sampling["stratum"], "psu": sampling["psu"]}
    attributes |= domain_values(instrument, location, answers)
    return str(CellKey.of(instrument, attributes))


def contributions(
    instrument: str,
    location: dict[str, Any],
    sampling: dict[str, Any],
    answers: dict[str, Any],
    *,
    squared: bool = False,
) -> dict[str, Any]:
    """The `agg` sub-document stored with a submission: {cell, w, v: {indicator: moments}};
    `squared` (a sample round's): with `ww` and the second-stage moments."""
    weight = sampling["weight"]
    values: dict[str, dict[str, float]] = {}
    for indicator in indicators_of(instrument):
        y, x = unit_values(indicator, answers)
        moments = {"wy": weight * y, "wyy": weight * y * y, "wx": weight * x, "x": x}
        if squared:
            ww = weight * weight
            moments |= {"wwy": ww * y, "wwyy": ww * y * y, "wwxy": ww * x * y, "wwxx": ww * x * x}
        kept = stored_moments(indicator.kind, squared)
        values[indicator.id] = {name: moments[name] for name in kept}
    agg = {"cell": cell_key(instrument, location, sampling, answers), "w": weight, "v": values}
    return agg | ({SQUARED_WEIGHT: weight * weight} if squared else {})


def round_contributions(
    survey_round: Round,
    location: dict[str, Any],
    sampling: dict[str, Any],
    answers: dict[str, Any],
) -> dict[str, Any]:
    """A submission's `agg` in `survey_round`: a sample round's carries the squared weights
    (its units may be a second stage, docs/design.md §8), a plain round's does not."""
    return contributions(
        survey_round.instrument, location, sampling, answers, squared=survey_round.has_sample
    )


def weight_fields(squared: bool) -> list[str]:
    """The cells' weight sums: `w`, and `ww` where the contributions carry squares."""
    return ["w", SQUARED_WEIGHT] if squared else ["w"]


def has_squares(agg: dict[str, Any]) -> bool:
    """Whether a stored contribution carries the second-stage moments."""
    return SQUARED_WEIGHT in agg


def reweighted(cell: dict[str, Any], factor: float) -> dict[str, Any]:
    """A cell whose every unit's weight is multiplied by `factor`: Σw and the weighted moments
    scale, the squared-weight ones by `factor²`, the counts (`n`, `x`) do not."""
    scaled = {**cell, "w": float(cell.get("w", 0.0)) * factor}
    for name, value in cell.items():
        _, _, moment = name.rpartition("__")
        if moment in SQUARED_WEIGHT_MOMENTS:
            scaled[name] = float(value) * factor * factor
        elif moment in WEIGHTED_MOMENTS and moment != name:
            scaled[name] = float(value) * factor
    return scaled
