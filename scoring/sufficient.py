"""Per-PSU × domain sufficient statistics: the one input every estimate is computed from.

A *cell* is one PSU's rows in one domain. Linearised scores are linear in the rows, so a
PSU's score total in a domain is a function of the cell sums ``n, Σw, Σwy, Σwx, Σwy²``
(Binder 1983; Wolter 2007, §6.11): the raw-row path (:func:`cells_from_rows`) reduces
rows to cells with ``np.bincount`` and the stored-totals path (:func:`cells_from_totals`)
starts from them; both then share the same estimator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from scoring.codes import as_label_array, compact, factorize, missing_labels, python_label
from scoring.design import Design
from scoring.errors import ScoringError
from scoring.estimands import Estimand, Kind
from scoring.fpc import PopulationCorrection

ArrayLike = Sequence[object] | np.ndarray
WHOLE_POPULATION = np.array([None], dtype=object)


@dataclass(frozen=True)
class PsuTotals:
    """One row per PSU × domain cell, as the service stores them (arrays of equal length).

    ``stratum`` / ``psu`` labels (PSUs nested in strata; ``stratum`` may be all ``None`` for
    an unstratified design); ``domain`` labels, all ``None`` for the whole population, else
    ``None`` marks rows outside every reported domain (they still make their PSU count in
    ``n_h``). ``n`` units in the cell, ``sw = Σw``, ``swy = Σwy``, ``swx = Σwx``,
    ``swyy = Σwy²`` (``swxy``, ``swxx`` are optional and unused by these estimators). For a
    member proportion: ``swy = Σw·count``, ``swx = Σw·size``, ``n = Σ size``, ``swyy = swy``.
    A PSU whose cells all have ``n = 0`` is not in the design.
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


@dataclass(frozen=True)
class Cells:
    """Integer-coded cells: the internal form of :class:`PsuTotals`."""

    stratum: np.ndarray
    psu: np.ndarray
    domain: np.ndarray
    n: np.ndarray
    sw: np.ndarray
    swy: np.ndarray
    swx: np.ndarray
    swyy: np.ndarray
    stratum_labels: np.ndarray
    domain_labels: np.ndarray
    fpc: PopulationCorrection | None

    @property
    def n_strata(self) -> int:
        """Number of strata ``H``."""
        return int(self.stratum_labels.shape[0])

    @property
    def n_domains(self) -> int:
        """Number of domains ``D``."""
        return int(self.domain_labels.shape[0])


def cells_from_rows(design: Design, estimand: Estimand, domain: ArrayLike | None) -> Cells:
    """Reduce rows to PSU × domain cell sums with ``np.bincount``."""
    n_rows = design.n_rows
    if estimand.y.shape[0] != n_rows:
        raise ScoringError(f"the variable has {estimand.y.shape[0]} rows, the design {n_rows}")
    domain_codes, domain_labels = code_domains(domain, n_rows)
    missing = estimand.missing()
    if missing.any():
        domain_codes = np.where(missing, -1, domain_codes)
    w = design.weights
    y = np.where(missing, 0.0, estimand.y)
    if estimand.kind is Kind.MEMBER_PROPORTION:
        size = estimand.x
        columns = (size, w, w * y, w * size, w * y)
    else:
        x = np.zeros(n_rows) if estimand.x is None else np.where(missing, 0.0, estimand.x)
        columns = (np.ones(n_rows), w, w * y, w * x, w * y * y)
    return _cells(
        design.psu_codes,
        design.psu_stratum,
        domain_codes,
        columns,
        design.stratum_labels,
        domain_labels,
        design.fpc,
    )


def cells_from_totals(totals: PsuTotals, fpc: Mapping[object, float] | None = None) -> Cells:
    """Check and integer-code stored cell totals; ``fpc`` maps stratum label → N_h or fraction."""
    n = number_column(totals.n, "n")
    length = n.shape[0]
    if length == 0:
        raise ScoringError("no PSU totals given")
    zeros = np.zeros(length)
    sw, swy = number_column(totals.sw, "sw"), number_column(totals.swy, "swy")
    swx = zeros if totals.swx is None else number_column(totals.swx, "swx")
    swyy = zeros if totals.swyy is None else number_column(totals.swyy, "swyy")
    for name, col in (("sw", sw), ("swy", swy), ("swx", swx), ("swyy", swyy)):
        if col.shape[0] != length:
            raise ScoringError(f"{name} must have one entry per cell ({length})")
    check_cell_sums(n, sw)
    strata = as_label_array(totals.stratum, "stratum", length)
    if missing_labels(strata).all():
        stratum_codes, stratum_labels = np.zeros(length, dtype=np.int64), WHOLE_POPULATION
    elif missing_labels(strata).any():
        raise ScoringError("stratum must be given for every cell (or for none)")
    else:
        stratum_codes, stratum_labels = factorize(strata)
    psus = as_label_array(totals.psu, "psu", length)
    if missing_labels(psus).any():
        raise ScoringError("psu must be given for every cell")
    psu_local, psu_levels = factorize(psus)
    pairs, psu_codes = compact(
        stratum_codes * psu_levels.shape[0] + psu_local,
        stratum_labels.shape[0] * psu_levels.shape[0],
    )
    domain_codes, domain_labels = code_domains(totals.domain, length)
    return _cells(
        psu_codes.astype(np.int64),
        pairs // psu_levels.shape[0],
        domain_codes,
        (n, sw, swy, swx, swyy),
        stratum_labels,
        domain_labels,
        _fpc_by_label(fpc, stratum_labels),
    )


def _cells(
    psu_codes: np.ndarray,
    psu_stratum: np.ndarray,
    domain_codes: np.ndarray,
    columns: tuple[np.ndarray, ...],
    stratum_labels: np.ndarray,
    domain_labels: np.ndarray,
    fpc: PopulationCorrection | None,
) -> Cells:
    """Sum ``columns`` over the PSU × domain cells present in the rows."""
    width = np.int64(domain_labels.shape[0] + 1)
    key = psu_codes * width + (domain_codes + 1)
    keys, inverse = compact(key, int(psu_stratum.shape[0]) * int(width))
    sums = [np.bincount(inverse, weights=c, minlength=keys.shape[0]) for c in columns]
    psu = keys // width
    return Cells(
        stratum=psu_stratum[psu],
        psu=psu,
        domain=keys % width - 1,
        n=sums[0],
        sw=sums[1],
        swy=sums[2],
        swx=sums[3],
        swyy=sums[4],
        stratum_labels=stratum_labels,
        domain_labels=domain_labels,
        fpc=fpc,
    )


def code_domains(domain: ArrayLike | None, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Domain codes (−1: outside every domain) and sorted labels; all-None → whole population."""
    if domain is None:
        return np.zeros(length, dtype=np.int64), WHOLE_POPULATION
    labels = as_label_array(domain, "domain", length)
    if missing_labels(labels).all():
        return np.zeros(length, dtype=np.int64), WHOLE_POPULATION
    codes, levels = factorize(labels)
    return codes, np.array([python_label(v) for v in levels], dtype=object)


def check_cell_sums(n: np.ndarray, sw: np.ndarray) -> None:
    """Counts and weight sums are ≥ 0, and a cell with units has weight."""
    if np.any(n < 0) or np.any(sw < 0):
        raise ScoringError("cell counts n and weight sums sw must be ≥ 0")
    if np.any((n > 0) & (sw <= 0)):
        raise ScoringError("a cell with units must have a positive weight sum")


def number_column(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as a 1-d float array of finite numbers."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ScoringError(f"{name} must be numbers") from None
    if arr.ndim != 1 or not np.all(np.isfinite(arr)):
        raise ScoringError(f"{name} must be a 1-d array of finite numbers")
    return arr


def _fpc_by_label(
    fpc: Mapping[object, float] | None, stratum_labels: np.ndarray
) -> PopulationCorrection | None:
    if fpc is None:
        return None
    missing = [python_label(s) for s in stratum_labels if python_label(s) not in fpc]
    if missing:
        raise ScoringError(f"fpc has no value for stratum {missing[0]!s}")
    return PopulationCorrection.from_values(
        np.array([fpc[python_label(s)] for s in stratum_labels], dtype=np.float64)
    )
