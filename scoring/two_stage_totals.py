"""The second stage of a two-stage design from stored cell sums, each unit its own SSU.

R ``svydesign(ids = ~psu + unit, strata = ~stratum, fpc = ~N1 + N2, nest = TRUE)``,
``survey:::multistage`` → ``svyrecvar``: for every PSU j of stratum h the first stage's
variance gains

    f_h · (1 − m_j/M_j) · m_j/(m_j − 1) · [Σ_k z_jk² − (Σ_k z_jk)² / m_j]

with ``z_jk`` the domain's score of unit k (0 outside the domain), ``m_j`` the PSU's units
and ``f_h = n_h/N_h``. ``Σ_k z_jk`` is the PSU's score total (``linearize.cell_scores``);
``Σ_k z_jk²`` follows from the cells' sums of squared weights (``Σw²y², Σw²xy, Σw²x²``,
``linearize.cell_square_scores``), so the estimate stays O(cells). A PSU with one unit
follows the lonely-PSU policy at stage 2 as ``scoring.two_stage`` does (``adjust``:
``(1 − m_j/M_j)·Z²``; ``remove``/``certainty``: 0; ``average``: no variance; ``fail``:
refused), and a census PSU (``m_j = M_j``) adds 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring.arrays import FloatArray, IntArray, LabelArray, weighted_bincount
from scoring.errors import ScoringError
from scoring.estimands import Kind
from scoring.linearize import cell_square_scores
from scoring.lonely_psu import CENSUS_TOLERANCE, LonelyPsu, lonely_contribution
from scoring.sufficient import Cells, number_column
from scoring.two_stage import answered_scores, check_lonely_ssus, require_first_stage_fpc

ArrayLike = Sequence[object] | LabelArray


@dataclass(frozen=True)
class SecondStageTotals:
    """One entry per row of the :class:`~scoring.sufficient.PsuTotals` they go with.

    ``units``: the cell's SSUs (units, whether or not they answer; for a member proportion
    the households, not the persons); ``swwyy = Σw²y²``, ``swwxy = Σw²xy``, ``swwxx = Σw²x²``
    over them (a mean or a proportion: ``x = 1``, so ``Σw²y`` and ``Σw²``); ``fraction``: the
    second-stage sampling fraction ``m_j/M_j`` of the cell's PSU (one value per PSU).
    """

    units: ArrayLike
    swwyy: ArrayLike
    swwxy: ArrayLike
    swwxx: ArrayLike
    fraction: ArrayLike


@dataclass(frozen=True)
class PsuSquares:
    """Per PSU: units ``m_j``, ``1 − m_j/M_j`` and stratum; per cell the squared-weight sums."""

    units: FloatArray
    factor: FloatArray
    stratum: IntArray
    swwyy: FloatArray
    swwxy: FloatArray
    swwxx: FloatArray

    @classmethod
    def of(cls, cells: Cells, totals: SecondStageTotals) -> PsuSquares:
        """Sum the entries into the cells they were summed into (``cells.row_cell``)."""
        if cells.row_cell is None:
            raise ScoringError("the cells do not say which entries they sum")
        row_cell, size = cells.row_cell, cells.psu.shape[0]
        columns = {
            name: number_column(getattr(totals, name), name)
            for name in ("units", "swwyy", "swwxy", "swwxx", "fraction")
        }
        if any(column.shape[0] != row_cell.shape[0] for column in columns.values()):
            raise ScoringError(f"the second stage needs one entry per cell ({row_cell.shape[0]})")
        fraction = columns["fraction"]
        if np.any(fraction <= 0) or np.any(fraction > 1):
            raise ScoringError("a second-stage sampling fraction must be in (0, 1]")
        n_psus = int(cells.psu.max()) + 1
        psu_of_row = cells.psu[row_cell]
        low, high = np.full(n_psus, np.inf), np.full(n_psus, -np.inf)
        np.minimum.at(low, psu_of_row, fraction)
        np.maximum.at(high, psu_of_row, fraction)
        if np.any(low < high):
            raise ScoringError("a PSU's units must share one second-stage sampling fraction")
        stratum = np.zeros(n_psus, dtype=np.int64)
        stratum[cells.psu] = cells.stratum
        per_cell = {
            name: weighted_bincount(row_cell, weights=columns[name], minlength=size)
            for name in ("swwyy", "swwxy", "swwxx")
        }
        return cls(
            units=weighted_bincount(psu_of_row, weights=columns["units"], minlength=n_psus),
            factor=1.0 - high,
            stratum=stratum,
            **per_cell,
        )


def second_stage_from_totals(
    cells: Cells,
    squares: PsuSquares,
    kind: Kind,
    policy: LonelyPsu,
    estimate: FloatArray,
    base: FloatArray,
    first_stage_factor: FloatArray,
) -> FloatArray:
    """``Σ_h f_h Σ_j V2_jd`` per domain; ``first_stage_factor`` is ``1 − f_h`` per stratum.

    ``estimate``/``base`` are the domains' point estimates and score denominators.
    """
    require_first_stage_fpc(cells.fpc)
    m_j, factor = squares.units, squares.factor
    check_lonely_ssus(policy, m_j, factor, squares.stratum, cells.stratum_labels)
    answered, d, z = answered_scores(cells, kind, estimate, base)
    zz = cell_square_scores(
        kind,
        squares.swwyy[answered],
        squares.swwxy[answered],
        squares.swwxx[answered],
        estimate[d],
        base[d],
    )
    psu = cells.psu[answered]
    pairs, of_cell = np.unique(psu * cells.n_domains + d, return_inverse=True)
    total = weighted_bincount(of_cell, weights=z, minlength=pairs.shape[0])
    square = weighted_bincount(of_cell, weights=zz, minlength=pairs.shape[0])
    j, domain = pairs // cells.n_domains, pairs % cells.n_domains
    term = _psu_terms(m_j[j], factor[j], total, square, policy)
    f_first = 1.0 - first_stage_factor[squares.stratum[j]]
    return weighted_bincount(domain, weights=f_first * term, minlength=estimate.shape[0])


def _psu_terms(
    m: FloatArray, factor: FloatArray, total: FloatArray, square: FloatArray, policy: LonelyPsu
) -> FloatArray:
    """``(1 − m/M)·m/(m − 1)·[Σz² − (Σz)²/m]`` per (PSU, domain), lonely and census PSUs apart."""
    with np.errstate(divide="ignore", invalid="ignore"):
        centred = np.maximum(square - total * total / m, 0.0)
        usual = factor * m / (m - 1.0) * centred
    lonely = lonely_contribution(policy, factor, total * total)
    term = np.where(m > 1, usual, lonely)
    return np.where(factor < CENSUS_TOLERANCE, 0.0, term)
