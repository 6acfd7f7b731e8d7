"""Cells split by value for a round calibrated to a numeric total (docs/design.md §9b).

A numeric margin (`{"variables": ["members"], "total": T}`, R `calibrate(~… + members,
population = c(N, …, T))`) makes g depend on each unit's value, which the cells (sums per
stratum × PSU × unit class) do not keep. Such a round reads its units instead and sums them
per cell and value (the cell then carries the values); the non-response step, the calibration
classes (unit class × numeric values) and the engine are then the cells' path.
"""

from __future__ import annotations

from typing import Any

from service.caching import ByteBoundedCache, caches_of
from service.cells.contributions import moment_field
from service.store import Store

NUMERIC = "numeric"
"""A unit cell's field: {variable: value} of the calibration's numeric variables."""
UNIT_CELLS_MAX_BYTES = 64 * 1024 * 1024  # a few hundred bytes per cell × value


def unit_cells_at(
    store: Store, round_id: str, version: int, variables: tuple[str, ...]
) -> list[dict[str, Any]]:
    """`unit_cells`, kept per data version (service/caching.py, named `cells by value`): the
    read is O(submissions), and one page asks several answers of one version. Read only."""
    kept = caches_of(store.extensions).named(
        "cells by value", lambda: ByteBoundedCache("cells by value", UNIT_CELLS_MAX_BYTES)
    )
    cells: list[dict[str, Any]] = kept.get_or_load(
        (round_id, version, variables), lambda: unit_cells(store, round_id, variables)
    )
    return cells


def unit_cells(store: Store, round_id: str, variables: tuple[str, ...]) -> list[dict[str, Any]]:
    """The units in estimates summed per cell and value of the numeric `variables` (O(units)
    to read: only rounds with a numeric margin pay it; the engine then sees a few cells per
    value, not every unit)."""
    cells: dict[tuple[object, ...], dict[str, Any]] = {}
    for unit in store.submissions.unit_weights(round_id, variables):
        agg = unit["agg"]
        values = {name: float(unit["answers"][name]) for name in variables}
        key = (agg["cell"], *values.values())
        cell = cells.setdefault(key, {"cell": agg["cell"], "w": 0.0, "n": 0, NUMERIC: values})
        cell["w"] += agg["w"]
        cell["n"] += 1
        for indicator_id, moments in agg["v"].items():
            for moment, value in moments.items():
                field = moment_field(indicator_id, moment)
                cell[field] = cell.get(field, 0.0) + value
    return list(cells.values())
