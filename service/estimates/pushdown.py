"""Per-PSU × domain sums from the store, shaped as the scoring engine's PsuTotals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from catalogue import Indicator, IndicatorKind
from scoring import PsuTotals
from service.cells.contributions import OVERALL, SEPARATOR, STORED_MOMENTS
from service.store import Store


@dataclass(frozen=True)
class CellSums:
    """What one `$group` returned: one entry per stratum|psu|domain cell."""

    stratum: list[str]
    psu: list[str]
    domain: list[str | None]
    rows: np.ndarray
    sw: np.ndarray
    moments: dict[str, np.ndarray]  # "<indicator>.<moment>" → per-cell sums

    @property
    def n_submissions(self) -> int:
        return int(self.rows.sum())


def fetch_cell_sums(
    store: Store, round_id: str, indicators: Sequence[Indicator], by: str | None
) -> CellSums:
    """One aggregation in the store: Σ per cell of the weight and every indicator's moments."""
    names = [
        f"{indicator.id}.{moment}"
        for indicator in indicators
        for moment in STORED_MOMENTS[indicator.kind]
    ]
    fields = ["agg.w"] + [f"agg.v.{name}" for name in names]
    groups = [
        g
        for g in store.submissions.grouped_sums(round_id, f"agg.keys.{by or OVERALL}", fields)
        if g["key"]
    ]
    parts = [str(g["key"]).split(SEPARATOR) for g in groups]
    sums = np.array([g["sums"] for g in groups], dtype=np.float64).reshape(len(groups), len(fields))
    return CellSums(
        stratum=[p[0] for p in parts],
        psu=[p[1] for p in parts],
        domain=[p[2] if by else None for p in parts],
        rows=np.array([g["rows"] for g in groups], dtype=np.float64),
        sw=sums[:, 0],
        moments={name: sums[:, 1 + i] for i, name in enumerate(names)},
    )


def psu_totals(cells: CellSums, indicator: Indicator) -> PsuTotals:
    """The engine's input for one indicator (see scoring.PsuTotals for each kind's columns)."""
    swy = cells.moments[f"{indicator.id}.wy"]
    match indicator.kind:
        case IndicatorKind.MEMBER_PROPORTION:  # persons 15+ are the units
            n, swx = cells.moments[f"{indicator.id}.x"], cells.moments[f"{indicator.id}.wx"]
            swyy = swy
        case IndicatorKind.MEAN:
            n, swx, swyy = cells.rows, cells.sw, cells.moments[f"{indicator.id}.wyy"]
        case IndicatorKind.PROPORTION:  # a 0/1 rate: y² = y
            n, swx, swyy = cells.rows, cells.sw, swy
    return PsuTotals(cells.stratum, cells.psu, cells.domain, n, cells.sw, swy, swx, swyy)
