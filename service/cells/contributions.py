"""What one submission adds to the per-PSU sums that estimates are computed from.

At ingest every submission gets `agg`: its cell keys (stratum|psu, and stratum|psu|domain for
each `by` dimension) and, per indicator, the weighted values whose sums the store returns
with a single-field `$group`. The scoring engine's sufficient-statistics path does the rest.
"""

from __future__ import annotations

from typing import Any

from catalogue import BY_DIMENSIONS, IndicatorKind, indicators_of, unit_values

# Only the moments a kind needs are stored (smaller documents ingest faster); the others follow:
# a 0/1 rate has Σwy² = Σwy and x = 1; a member proportion's person-level Σwy² is Σw·count.
STORED_MOMENTS: dict[IndicatorKind, tuple[str, ...]] = {
    IndicatorKind.PROPORTION: ("wy",),
    IndicatorKind.MEAN: ("wy", "wyy"),
    IndicatorKind.MEMBER_PROPORTION: ("wy", "wx", "x"),
}
SEPARATOR = "|"  # never inside a code: codes match [A-Za-z0-9_-]
OVERALL = "all"


def domain_values(
    instrument: str, location: dict[str, Any], answers: dict[str, Any]
) -> dict[str, str]:
    values = {
        "district": location["district"],
        "commune": location["commune"],
        "area": location["area"],
    }
    if instrument == "business":
        values |= {"type": answers["type"], "sector": answers["sector"]}
    return values


def contributions(
    instrument: str, location: dict[str, Any], sampling: dict[str, Any], answers: dict[str, Any]
) -> dict[str, Any]:
    """The `agg` sub-document stored with a submission."""
    weight = sampling["weight"]
    cell = f"{sampling['stratum']}{SEPARATOR}{sampling['psu']}"
    domains = domain_values(instrument, location, answers)
    keys = {OVERALL: cell} | {
        by: f"{cell}{SEPARATOR}{domains[by]}"
        for by in BY_DIMENSIONS[instrument]  # type: ignore[index]
    }
    values: dict[str, dict[str, float]] = {}
    for indicator in indicators_of(instrument):
        y, x = unit_values(indicator, answers)
        moments = {"wy": weight * y, "wyy": weight * y * y, "wx": weight * x, "x": x}
        values[indicator.id] = {name: moments[name] for name in STORED_MOMENTS[indicator.kind]}
    return {"keys": keys, "w": weight, "v": values}
