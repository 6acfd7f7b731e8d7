"""Per-PSU × domain sufficient statistics: the one input every estimate is computed from.

A *cell* is one PSU's rows in one domain. Linearised scores are linear in the rows, so a
PSU's score total in a domain is a function of the cell sums ``n, Σw, Σwy, Σwx``
(Binder 1983; Wolter 2007, §6.11): the raw-row path (:func:`cells_from_rows`) reduces
rows to cells with ``np.bincount`` and the stored-totals path (:func:`cells_from_totals`)
starts from them; both then share the same estimator.

A row whose variable is missing stays in its domain's cell with ``rows`` but adds nothing
to ``n`` or the weighted sums, as R ``svyby(..., na.rm = TRUE)`` keeps it in the domain's
design (its ``degf`` and ``nrow``) and drops it from the estimate (docs/design.md §6).

The design effect needs the spread of ``y`` (and ``x``) in each cell: kept centred on the
cell's own weighted mean (``syy = Σw(y − ȳ_c)²``, ``sxy``, ``sxx``) so that a large mean
next to a small spread loses no precision (Chan, Golub & LeVeque 1983 pairwise update).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from scoring.arrays import BoolArray, FloatArray, IntArray, LabelArray, weighted_bincount
from scoring.codes import (
    LabelsLike,
    as_label_array,
    compact,
    factorize,
    missing_labels,
    python_label,
)
from scoring.design import Design, check_not_single_psu
from scoring.errors import ScoringError
from scoring.estimands import Estimand, Kind
from scoring.fpc import PopulationCorrection

ArrayLike = Sequence[object] | LabelArray
WHOLE_POPULATION = np.array([None], dtype=object)


@dataclass(frozen=True)
class PsuTotals:
    """One row per PSU × domain cell, as the service stores them (arrays of equal length).

    ``stratum`` / ``psu`` labels (PSUs nested in strata; ``stratum`` may be all ``None`` for
    an unstratified design); ``domain`` labels, all ``None`` for the whole population, else
    ``None`` marks rows outside every reported domain (they still make their PSU count in
    ``n_h``). ``n`` units with a value and a positive weight in the cell, ``sw = Σw``,
    ``swy = Σwy``, ``swx = Σwx``, ``swyy = Σwy²``, ``swxy = Σwxy``, ``swxx = Σwx²`` (the last
    two give a ratio its design effect; without them it is ``None``). For a member
    proportion: ``swy = Σw·count``, ``swx = Σw·size``, ``n = Σ size`` (of positive weight),
    ``swyy = swy``. ``rows`` (default ``n``) counts the
    cell's units with or without a value, of any weight: they keep the domain's df and
    Korn–Graubard ``nrow`` as R's ``na.rm = TRUE`` does. A PSU whose cells all have
    ``rows = 0`` is not in the design. ``weighted_rows`` (default ``rows``) counts the units
    of positive weight: a unit of weight 0 stays in the design (its PSU counts in ``n_h``
    and its row in ``nrow``) but, as R's ``degf`` has it, a PSU counts in the df only with
    a unit of positive weight.
    """

    stratum: ArrayLike
    psu: ArrayLike
    domain: ArrayLike
    n: ArrayLike
    sw: ArrayLike
    swy: ArrayLike
    swx: ArrayLike | None = None
    swyy: ArrayLike | None = None
    swxy: ArrayLike | None = None
    swxx: ArrayLike | None = None
    rows: ArrayLike | None = None
    weighted_rows: ArrayLike | None = None


@dataclass(frozen=True)
class Spread:
    """Per cell: weighted sums of squares and products centred on the cell's means.

    ``syy = Σw(y − ȳ_c)²``, ``sxy = Σw(x − x̄_c)(y − ȳ_c)``, ``sxx = Σw(x − x̄_c)²`` with the
    weight sum ``sw`` of the cell (``Σw·size`` for a member proportion).
    """

    syy: FloatArray
    sxy: FloatArray
    sxx: FloatArray

    def take(self, cells: IntArray | BoolArray) -> Spread:
        """The spreads of the selected cells."""
        return Spread(self.syy[cells], self.sxy[cells], self.sxx[cells])


@dataclass(frozen=True)
class Cells:
    """Integer-coded cells: the internal form of :class:`PsuTotals`."""

    stratum: IntArray
    psu: IntArray
    domain: IntArray
    rows: FloatArray
    n: FloatArray
    weighted_rows: FloatArray
    sw: FloatArray
    swy: FloatArray
    swx: FloatArray
    spread: Spread
    stratum_labels: LabelArray
    domain_labels: LabelArray
    fpc: PopulationCorrection | None
    # the cell each input row (or stored total) is summed into
    row_cell: IntArray | None = field(default=None, kw_only=True)

    @property
    def n_strata(self) -> int:
        """Number of strata ``H``."""
        return int(self.stratum_labels.shape[0])

    @property
    def n_domains(self) -> int:
        """Number of domains ``D``."""
        return int(self.domain_labels.shape[0])

    @property
    def in_design(self) -> BoolArray:
        """Cells with at least one unit (a PSU without any is not in the design)."""
        return self.rows > 0

    @property
    def in_domain(self) -> BoolArray:
        """Cells of a reported domain with at least one unit, with or without a value."""
        return (self.domain >= 0) & (self.rows > 0)

    @property
    def in_domain_df(self) -> BoolArray:
        """Cells of a reported domain with a unit of positive weight: R ``degf`` counts
        their PSUs (a unit of weight 0 is outside the domain's df, as R's ``inset``)."""
        return (self.domain >= 0) & (self.weighted_rows > 0)


def cells_from_rows(design: Design, estimand: Estimand, domain: LabelsLike | None) -> Cells:
    """Reduce rows to PSU × domain cell sums with ``np.bincount``."""
    n_rows = design.n_rows
    if estimand.y.shape[0] != n_rows:
        raise ScoringError(f"the variable has {estimand.y.shape[0]} rows, the design {n_rows}")
    domain_codes, domain_labels = code_domains(domain, n_rows)
    index = _CellIndex.of(design.psu_codes, design.psu_stratum, domain_codes, domain_labels)
    kind, answered = estimand.kind, ~estimand.missing()
    w, y, x = design.weights, estimand.y, estimand.x
    if not answered.all():
        w, y = np.where(answered, w, 0.0), np.where(answered, y, 0.0)
        x = None if x is None else np.where(answered, x, 0.0)
    counts = _unit_counts(
        index, answered, design.weights > 0, x if kind is Kind.MEMBER_PROPORTION else None
    )
    sw, swy = index.sum(w), index.sum(w * y)
    swx = np.zeros(index.size) if x is None else index.sum(w * x)
    if kind.is_proportion:  # 0/1 values: y² = y, and the raw sums are exact
        spread = spread_from_sums(kind, sw, swy, swx, swy, None, None)
    else:
        spread = _centred_spread(index, w, y, x, sw, swy, swx)
    return index.cells(counts, (sw, swy, swx), spread, design.stratum_labels, design.fpc)


def _unit_counts(
    index: _CellIndex, answered: BoolArray, positive: BoolArray, members: FloatArray | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``rows``, ``n`` and ``weighted_rows`` per cell (:class:`PsuTotals`).

    ``members`` (a member proportion's sizes, 0 where missing) makes the persons the units.
    """
    if members is not None:
        weighted = index.sum(np.where(positive, members, 0.0))
        return index.sum(members), weighted, weighted
    rows = index.count()
    weighted_rows = rows if positive.all() else index.sum(positive.astype(np.float64))
    counted = answered & positive
    n = rows if counted.all() else index.sum(counted.astype(np.float64))
    return rows, n, weighted_rows


def cells_from_totals(
    totals: PsuTotals, fpc: Mapping[object, float] | None = None, kind: Kind = Kind.MEAN
) -> Cells:
    """Check and integer-code stored cell totals; ``fpc`` maps stratum label → N_h or fraction.

    ``kind`` matters only to a member proportion's spread (weighted by ``Σw·size``).
    """
    n = number_column(totals.n, "n")
    length = n.shape[0]
    if length == 0:
        raise ScoringError("no PSU totals given")
    columns = {
        name: _optional_column(getattr(totals, name), name, length)
        for name in ("sw", "swy", "swx", "swyy", "swxy", "swxx", "rows", "weighted_rows")
    }
    sw, swy = columns["sw"], columns["swy"]
    swx = np.zeros(length) if columns["swx"] is None else columns["swx"]
    rows = n if columns["rows"] is None else columns["rows"]
    weighted_rows = rows if columns["weighted_rows"] is None else columns["weighted_rows"]
    if sw is None or swy is None:
        raise ScoringError("sw and swy are required")
    check_cell_sums(n, sw)
    check_unit_counts(rows, weighted_rows, n)
    stratum_codes, stratum_labels = _totals_strata(totals.stratum, length)
    psus = as_label_array(totals.psu, "psu", length)
    if missing_labels(psus).any():
        raise ScoringError("psu must be given for every cell")
    psu_local, psu_levels = factorize(psus)
    pairs, psu_codes = compact(
        stratum_codes * psu_levels.shape[0] + psu_local,
        stratum_labels.shape[0] * psu_levels.shape[0],
    )
    psu_stratum = pairs // psu_levels.shape[0]
    check_not_single_psu(stratum_labels, psu_stratum.shape[0])
    domain_codes, domain_labels = code_domains(totals.domain, length)
    index = _CellIndex.of(psu_codes.astype(np.int64), psu_stratum, domain_codes, domain_labels)
    sw, swy, swx = index.sum(sw), index.sum(swy), index.sum(swx)
    swyy = columns["swyy"]
    return index.cells(
        counts=(index.sum(rows), index.sum(n), index.sum(weighted_rows)),
        sums=(sw, swy, swx),
        spread=spread_from_sums(
            kind,
            sw,
            swy,
            swx,
            index.sum(np.zeros(length) if swyy is None else swyy),
            None if columns["swxy"] is None else index.sum(columns["swxy"]),
            None if columns["swxx"] is None else index.sum(columns["swxx"]),
        ),
        stratum_labels=stratum_labels,
        fpc=_fpc_by_label(fpc, stratum_labels),
    )


@dataclass(frozen=True)
class _CellIndex:
    """Which cell each row (or stored total) belongs to, and the cells' codes."""

    inverse: IntArray
    keys: IntArray
    width: np.int64
    psu_stratum: IntArray
    domain_labels: LabelArray

    @classmethod
    def of(
        cls,
        psu_codes: IntArray,
        psu_stratum: IntArray,
        domain_codes: IntArray,
        domain_labels: LabelArray,
    ) -> _CellIndex:
        """The PSU × domain cells present in the rows."""
        width = np.int64(domain_labels.shape[0] + 1)
        key = psu_codes * width + (domain_codes + 1)
        keys, inverse = compact(key, int(psu_stratum.shape[0]) * int(width))
        return cls(inverse, keys, width, psu_stratum, domain_labels)

    @property
    def size(self) -> int:
        """Number of cells."""
        return int(self.keys.shape[0])

    def count(self) -> FloatArray:
        """Rows per cell."""
        return np.bincount(self.inverse, minlength=self.size).astype(np.float64)

    def sum(self, values: FloatArray) -> FloatArray:
        """``Σ values`` per cell."""
        return weighted_bincount(self.inverse, weights=values, minlength=self.size)

    def cells(
        self,
        counts: tuple[FloatArray, FloatArray, FloatArray],
        sums: tuple[FloatArray, FloatArray, FloatArray],
        spread: Spread,
        stratum_labels: LabelArray,
        fpc: PopulationCorrection | None,
    ) -> Cells:
        """The cells with their sums."""
        psu = self.keys // self.width
        return Cells(
            stratum=self.psu_stratum[psu],
            psu=psu,
            domain=self.keys % self.width - 1,
            rows=counts[0],
            n=counts[1],
            weighted_rows=counts[2],
            sw=sums[0],
            swy=sums[1],
            swx=sums[2],
            spread=spread,
            stratum_labels=stratum_labels,
            domain_labels=self.domain_labels,
            fpc=fpc,
            row_cell=self.inverse,
        )


def _centred_spread(
    index: _CellIndex,
    w: FloatArray,
    y: FloatArray,
    x: FloatArray | None,
    sw: FloatArray,
    swy: FloatArray,
    swx: FloatArray,
) -> Spread:
    """``Σw(y − ȳ_c)²`` (and with ``x``) per cell, from the rows: a second, centred pass."""
    with np.errstate(divide="ignore", invalid="ignore"):
        y_bar = np.where(sw > 0, swy / sw, 0.0)
        x_bar = np.where(sw > 0, swx / sw, 0.0)
    dy = y - y_bar[index.inverse]
    syy = index.sum(w * dy * dy)
    if x is None:
        zeros = np.zeros(index.size)
        return Spread(syy, zeros, zeros)
    dx = x - x_bar[index.inverse]
    return Spread(syy, index.sum(w * dx * dy), index.sum(w * dx * dx))


def spread_from_sums(
    kind: Kind,
    sw: FloatArray,
    swy: FloatArray,
    swx: FloatArray,
    swyy: FloatArray,
    swxy: FloatArray | None,
    swxx: FloatArray | None,
) -> Spread:
    """Centred sums of squares from raw ones (``Σwy² − (Σwy)²/Σw``): exact for 0/1 values.

    A member proportion's weight sum is ``Σw·size``. Without ``Σwxy``, ``Σwx²`` the ``x``
    terms are NaN (a ratio then has no design effect).
    """
    weight = swx if kind is Kind.MEMBER_PROPORTION else sw
    with np.errstate(divide="ignore", invalid="ignore"):
        y_bar = np.where(weight > 0, swy / np.where(weight > 0, weight, 1.0), 0.0)
        x_bar = np.where(sw > 0, swx / np.where(sw > 0, sw, 1.0), 0.0)
    syy = np.maximum(swyy - y_bar * swy, 0.0)
    sxy = np.full(sw.shape, np.nan) if swxy is None else swxy - x_bar * swy
    sxx = np.full(sw.shape, np.nan) if swxx is None else np.maximum(swxx - x_bar * swx, 0.0)
    return Spread(syy, sxy, sxx)


def _totals_strata(strata: ArrayLike, length: int) -> tuple[IntArray, LabelArray]:
    labels = as_label_array(strata, "stratum", length)
    missing = missing_labels(labels)
    if missing.all():
        return np.zeros(length, dtype=np.int64), WHOLE_POPULATION
    if missing.any():
        raise ScoringError("stratum must be given for every cell (or for none)")
    return factorize(labels)


def code_domains(domain: LabelsLike | None, length: int) -> tuple[IntArray, LabelArray]:
    """Domain codes (−1: outside every domain) and sorted labels; all-None → whole population."""
    if domain is None:
        return np.zeros(length, dtype=np.int64), WHOLE_POPULATION
    labels = as_label_array(domain, "domain", length)
    if missing_labels(labels).all():
        return np.zeros(length, dtype=np.int64), WHOLE_POPULATION
    codes, levels = factorize(labels)
    return codes, np.array([python_label(v) for v in levels], dtype=object)


def _optional_column(values: ArrayLike | None, name: str, length: int) -> FloatArray | None:
    if values is None:
        return None
    column = number_column(values, name)
    if column.shape[0] != length:
        raise ScoringError(f"{name} must have one entry per cell ({length})")
    return column


def check_cell_sums(n: FloatArray, sw: FloatArray) -> None:
    """Counts and weight sums are ≥ 0, and a cell with units has weight."""
    if np.any(n < 0) or np.any(sw < 0):
        raise ScoringError("cell counts n and weight sums sw must be ≥ 0")
    if np.any((n > 0) & (sw <= 0)):
        raise ScoringError("a cell with units must have a positive weight sum")


def check_unit_counts(rows: FloatArray, weighted_rows: FloatArray, n: FloatArray) -> None:
    """A cell's units, those of positive weight and those with a value nest (:class:`PsuTotals`)."""
    if np.any(rows < weighted_rows) or np.any(weighted_rows < n):
        raise ScoringError(
            "rows counts every unit of a cell, weighted_rows those of positive weight, n those"
            " with a value: rows ≥ weighted_rows ≥ n"
        )


def number_column(values: ArrayLike, name: str) -> FloatArray:
    """``values`` as a 1-d float array of finite numbers."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ScoringError(f"{name} must be numbers") from None
    if arr.ndim != 1 or not np.all(np.isfinite(arr)):
        raise ScoringError(f"{name} must be a 1-d array of finite numbers")
    return arr


def _fpc_by_label(
    fpc: Mapping[object, float] | None, stratum_labels: LabelArray
) -> PopulationCorrection | None:
    if fpc is None:
        return None
    missing = [python_label(s) for s in stratum_labels if python_label(s) not in fpc]
    if missing:
        raise ScoringError(f"fpc has no value for stratum {missing[0]!s}")
    return PopulationCorrection.from_values(
        np.array([fpc[python_label(s)] for s in stratum_labels], dtype=np.float64)
    )
