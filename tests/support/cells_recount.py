"""Cells as a recount from every stored submission would give them (tests only)."""

from __future__ import annotations

import math
from collections import defaultdict

from service.cells.change import is_included
from service.cells.contributions import SQUARED_WEIGHT, has_squares, moment_field
from service.cells.reading import read_cells
from service.store import Store


def recount(store: Store, round_id: str) -> dict[str, dict[str, float]]:
    """The cells as a recount from every stored submission would give them."""
    cells: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for doc in store.submissions.iterate(round_id):
        if not is_included(doc):
            continue
        cell = cells[doc["agg"]["cell"]]
        cell["n"] += 1
        cell["w"] += doc["agg"]["w"]
        if has_squares(doc["agg"]):  # a sample round's (service/cells/contributions.py)
            cell[SQUARED_WEIGHT] += doc["agg"][SQUARED_WEIGHT]
        for indicator, moments in doc["agg"]["v"].items():
            for moment, value in moments.items():
                cell[moment_field(indicator, moment)] += value
    return {key: dict(fields) for key, fields in cells.items()}


def assert_cells_equal_a_recount(store: Store, round_id: str) -> None:
    head, cells = read_cells(store, round_id)
    kept = {cell["cell"]: cell for cell in cells}
    expected = recount(store, round_id)
    assert set(kept) == set(expected)
    for key, fields in expected.items():
        for name, value in fields.items():
            assert math.isclose(kept[key][name], value, rel_tol=1e-9, abs_tol=1e-9), (key, name)
    assert head.get("stored", 0) == store.submissions.count(round_id)
