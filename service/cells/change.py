"""What a write changes in its round's cells: ± each affected submission's contribution."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from service.cells.contributions import SQUARED_WEIGHT, moment_field


def is_included(doc: dict[str, Any]) -> bool:
    """Does a stored submission count in estimates? (absent `in_estimates` means yes; the
    embedded store reads a `false` set by an update back as 0)"""
    return bool(doc.get("in_estimates", True))


@dataclass
class CellChange:
    """Per-cell increments ({cell: {field: Δ}}) and how many submissions were stored;
    `versioned`: the write changed what estimates see outside the cells (an assignment's
    status), so the cells' version moves even without increments."""

    deltas: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    stored: int = 0
    versioned: bool = False

    def add(self, agg: dict[str, Any], sign: int = 1) -> None:
        """Add (sign 1) or take away (sign -1) one submission's contribution."""
        cell = self.deltas[agg["cell"]]
        increments = {"n": 1, "w": agg["w"]} | {
            moment_field(indicator, moment): value
            for indicator, moments in agg["v"].items()
            for moment, value in moments.items()
        }
        if SQUARED_WEIGHT in agg:
            increments[SQUARED_WEIGHT] = agg[SQUARED_WEIGHT]
        for name, value in increments.items():
            cell[name] = cell.get(name, 0) + sign * value

    def add_stored(self, docs: Iterable[dict[str, Any]]) -> None:
        """Newly stored submissions: each counts once in `stored`, and in cells when included."""
        for doc in docs:
            self.stored += 1
            if is_included(doc):
                self.add(doc["agg"])

    @classmethod
    def of_stored(cls, docs: Iterable[dict[str, Any]]) -> CellChange:
        change = cls()
        change.add_stored(docs)
        return change
