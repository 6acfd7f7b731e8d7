"""Summary of the final weights for ``GET …/weights`` (docs/design.md §9), from cell sums.

Kish (1965, §11.7): ``deff_w = n Σw² / (Σw)² = 1 + cv²`` with ``cv`` the coefficient of
variation of the final weights (standard deviation with divisor n, over the mean).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.errors import ScoringError


@dataclass(frozen=True)
class WeightCells:
    """Per group of completed units sharing one g (a calibration cell; arrays of equal length).

    ``n`` units, ``sum_input = Σd``, ``sum_adjusted = Σw_nr``, ``sum_squares = Σw_nr²``,
    ``low``/``high`` the smallest and largest ``w_nr``; units without weight are left out.
    """

    n: np.ndarray
    sum_input: np.ndarray
    sum_adjusted: np.ndarray
    sum_squares: np.ndarray
    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True)
class WeightSummary:
    """``n_respondents, sum_input, sum_final, min, max, cv, kish_deff`` and the g range."""

    n_respondents: int
    sum_input: float
    sum_final: float
    min: float
    max: float
    cv: float
    kish_deff: float
    g_min: float
    g_max: float


def summarize(cells: WeightCells, g: np.ndarray | None = None) -> WeightSummary:
    """The summary of the final weights ``g·w_nr`` (``g = 1`` without calibration)."""
    n = np.asarray(cells.n, dtype=np.float64)
    if n.sum() <= 0:
        raise ScoringError("no unit carries weight")
    g = np.ones_like(n) if g is None else np.asarray(g, dtype=np.float64)
    total = float(g @ cells.sum_adjusted)
    kish = float(n.sum() * (g * g) @ cells.sum_squares / total**2)
    used = n > 0
    return WeightSummary(
        n_respondents=round(float(n.sum())),
        sum_input=float(np.sum(cells.sum_input)),
        sum_final=total,
        min=float(np.min((g * cells.low)[used])),
        max=float(np.max((g * cells.high)[used])),
        cv=float(np.sqrt(max(kish - 1, 0.0))),
        kish_deff=kish,
        g_min=float(np.min(g[used])),
        g_max=float(np.max(g[used])),
    )
