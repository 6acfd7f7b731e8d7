"""Non-response adjustment of a sample round's cells (docs/design.md §9, §9b).

Every completed unit of a PSU gets the same factor (its class's `A_c · B_c`, classes being
PSUs, strata or the whole round), so the adjusted cells are the round's cells with `w` and
every weighted moment of each PSU multiplied by that PSU's factor: estimates stay O(cells).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from schemas.weighting import WeightingMode
from scoring.weights import Adjustment, ClassKind


@dataclass(frozen=True)
class AdjustedCells:
    """A round's cells under the non-response step an estimate applies."""

    cells: Sequence[dict[str, Any]]
    classes: ClassKind  # the classes applied (`none`: the input weights)
    provisional: bool  # fieldwork open with pending assignments
    adjustment: Adjustment | None  # the factors, classes and warnings (None: not applied)


def adjusted_cells(
    round_doc: dict[str, Any], cells: Sequence[dict[str, Any]], mode: WeightingMode
) -> AdjustedCells:
    """The round's cells with each PSU's weighted sums times its non-response factor.

    Not wired yet (issue 13): the cells are returned unchanged, with the input weights.
    """
    del round_doc, mode
    return AdjustedCells(cells, ClassKind.NONE, provisional=False, adjustment=None)
