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

# Only the moments a kind needs are stored (smaller documents ingest faster); the others follow:
# a 0/1 rate has Σwy² = Σwy and x = 1; a member proportion's person-level Σwy² is Σw·count.
STORED_MOMENTS: dict[IndicatorKind, tuple[str, ...]] = {
    IndicatorKind.PROPORTION: ("wy",),
    IndicatorKind.MEAN: ("wy", "wyy"),
    IndicatorKind.MEMBER_PROPORTION: ("wy", "wx", "x"),
}
WEIGHTED_MOMENTS = ("wy", "wyy", "wx")  # sums of w·…; `x` (and a cell's `n`) are counts


def moment_field(indicator_id: str, moment: str) -> str:
    """A cell's field for Σ of one moment (flat: nx-27017 upserts keep dotted paths literal)."""
    return f"{indicator_id}__{moment}"


def moment_fields(indicators: list[Indicator]) -> list[str]:
    return [
        moment_field(indicator.id, moment)
        for indicator in indicators
        for moment in STORED_MOMENTS[indicator.kind]
    ]


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
    instrument: str, location: dict[str, Any], sampling: dict[str, Any], answers: dict[str, Any]
) -> dict[str, Any]:
    """The `agg` sub-document stored with a submission: {cell, w, v: {indicator: moments}}."""
    weight = sampling["weight"]
    values: dict[str, dict[str, float]] = {}
    for indicator in indicators_of(instrument):
        y, x = unit_values(indicator, answers)
        moments = {"wy": weight * y, "wyy": weight * y * y, "wx": weight * x, "x": x}
        values[indicator.id] = {name: moments[name] for name in STORED_MOMENTS[indicator.kind]}
    return {
        "cell": cell_key(instrument, location, sampling, answers),
        "w": weight,
        "v": values,
    }


def reweighted(cell: dict[str, Any], factor: float) -> dict[str, Any]:
    """A cell whose every unit's weight is multiplied by `factor`: Σw and the weighted moments
    scale, the counts (`n`, `x`) do not."""
    scaled = {**cell, "w": float(cell.get("w", 0.0)) * factor}
    for name, value in cell.items():
        _, separator, moment = name.rpartition("__")
        if separator and moment in WEIGHTED_MOMENTS:
            scaled[name] = float(value) * factor
    return scaled
