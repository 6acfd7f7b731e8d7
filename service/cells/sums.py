"""Cells summed per stratum × PSU × domain, shaped as the scoring engine's PsuTotals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue import Indicator, IndicatorKind
from scoring import PsuTotals
from service.cells.contributions import moment_field, moment_fields, weight_fields
from service.cells.domains import Domain
from service.domain.cells import CellKey


@dataclass(frozen=True)
class CellSums:
    """One entry per stratum|psu|domain: units, Σw and Σ of every requested moment."""

    stratum: list[str]
    psu: list[str]
    domain: list[str | None]
    rows: np.ndarray
    sw: np.ndarray
    moments: dict[str, np.ndarray]  # moment_field(indicator, moment) (and `ww`) → per-entry sums

    @property
    def n_submissions(self) -> int:
        return int(self.rows.sum())


def cell_sums(
    instrument: str,
    cells: Sequence[dict[str, Any]],
    indicators: Sequence[Indicator],
    domain: Domain | None,
    squared: bool = False,
) -> CellSums:
    """Sum the round's cells into stratum × PSU (× the domain) entries: O(cells); `squared`:
    with the squared weights and the second-stage moments (a two-stage round's)."""
    names = ["n", *weight_fields(squared), *moment_fields(list(indicators), squared)]
    position: dict[tuple[str, str, str], int] = {}  # (stratum, psu, domain label) → entry
    of_cell = []
    for cell in cells:
        key = CellKey.parse(cell["cell"])  # a round's cells have distinct keys: one parse each
        entry = (key.stratum, key.psu, domain.label(key) if domain is not None else "")
        of_cell.append(position.setdefault(entry, len(position)))
    unique = sorted(position)  # whatever order the store reads the cells in
    rank = np.empty(len(unique), dtype=np.int64)
    rank[[position[entry] for entry in unique]] = np.arange(len(unique))
    values = np.array([[float(cell.get(name, 0.0)) for name in names] for cell in cells])
    sums = np.zeros((len(unique), len(names)))
    if len(cells):
        np.add.at(sums, rank[np.array(of_cell, dtype=np.int64)], values)
    return CellSums(
        stratum=[stratum for stratum, _, _ in unique],
        psu=[psu for _, psu, _ in unique],
        domain=[label if domain is not None else None for _, _, label in unique],
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
