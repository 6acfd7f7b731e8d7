"""Unit-level cells of a round calibrated to a numeric total (docs/design.md §9b).

A numeric margin (`{"variables": ["members"], "total": T}`, R `calibrate(~… + members,
population = c(N, …, T))`) makes g depend on each unit's value, which the cells (sums per
stratum × PSU × unit class) do not keep. Such a round reads its units instead, each as a cell
of one unit carrying its numeric answers; the non-response step, the calibration classes (unit
class × numeric values) and the engine are then the cells' path, as the CLI's rows are.
"""

from __future__ import annotations

from typing import Any

from service.cells.contributions import moment_field
from service.store import Store

NUMERIC = "numeric"
"""A unit cell's field: {variable: value} of the calibration's numeric variables."""


def unit_cells(store: Store, round_id: str, variables: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each unit in estimates as a cell of one: its cell key, weight, moments and the numeric
    `variables` (O(submissions): only rounds with a numeric margin pay it)."""
    cells = []
    for unit in store.submissions.unit_weights(round_id, variables):
        agg = unit["agg"]
        cell: dict[str, Any] = {"cell": agg["cell"], "w": agg["w"], "n": 1}
        for indicator_id, moments in agg["v"].items():
            for moment, value in moments.items():
                cell[moment_field(indicator_id, moment)] = value
        cell[NUMERIC] = {name: float(unit["answers"][name]) for name in variables}
        cells.append(cell)
    return cells
