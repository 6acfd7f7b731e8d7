"""Cells summed per stratum × PSU × domain, shaped as the scoring engine's PsuTotals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue import Indicator, IndicatorKind
from scoring import PsuTotals
from service.cells.contributions import SEPARATOR, moment_field, moment_fields
from service.cells.domains import Domain


@dataclass(frozen=True)
class CellSums:
    """One entry per stratum|psu|domain: units, Σw and Σ of every requested moment."""

    stratum: list[str]
    psu: list[str]
    domain: list[str | None]
    rows: np.ndarray
    sw: np.ndarray
    moments: dict[str, np.ndarray]  # moment_field(indicator, moment) → per-entry sums

    @property
    def n_submissions(self) -> int:
        return int(self.rows.sum())


def cell_sums(
    instrument: str,
    cells: Sequence[dict[str, Any]],
    indicators: Sequence[Indicator],
    domain: Domain | None,
) -> CellSums:
    """Sum the round's cells into stratum × PSU (× the domain) entries: O(cells)."""
    names = ["n", "w", *moment_fields(list(indicators))]
    keys = []
    for cell in cells:
        parts = cell["cell"].split(SEPARATOR)
        label = domain.label(cell["cell"]) if domain is not None else ""
        keys.append(SEPARATOR.join([parts[0], parts[1], label]))
    values = np.array([[float(cell.get(name, 0.0)) for name in names] for cell in cells])
    unique, inverse = np.unique(np.array(keys, dtype=str), return_inverse=True)
    sums = np.zeros((len(unique), len(names)))
    if len(cells):
        np.add.at(sums, inverse, values)
    parts = [str(key).split(SEPARATOR) for key in unique]
    return CellSums(
        stratum=[p[0] for p in parts],
        psu=[p[1] for p in parts],
        domain=[p[2] if domain is not None else None for p in parts],
        rows=np.rint(sums[:, 0]),
        sw=sums[:, 1],
        moments={name: sums[:, 2 + i] for i, name in enumerate(names[2:])},
    )


def psu_totals(cells: CellSums, indicator: Indicator) -> PsuTotals:
    """The engine's input for one indicator (see scoring.PsuTotals for each kind's columns)."""
    swy = cells.moments[moment_field(indicator.id, "wy")]
    match indicator.kind:
        case IndicatorKind.MEMBER_PROPORTION:  # persons 15+ are the units
            n = cells.moments[moment_field(indicator.id, "x")]
            swx, swyy = cells.moments[moment_field(indicator.id, "wx")], swy
        case IndicatorKind.MEAN:
            n, swx, swyy = cells.rows, cells.sw, cells.moments[moment_field(indicator.id, "wyy")]
        case IndicatorKind.PROPORTION:  # a 0/1 rate: y² = y
            n, swx, swyy = cells.rows, cells.sw, swy
    return PsuTotals(cells.stratum, cells.psu, cells.domain, n, cells.sw, swy, swx, swyy)
