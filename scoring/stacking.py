"""Two rounds' PSU × domain cells stacked into one design (docs/design.md §10).

R: ``rbind`` both rounds' rows with a ``round`` column, then
``svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE)`` on the stack, with

- ``independent`` pairing: stratum and PSU labels prefixed by round, so no PSU and no stratum
  is shared and the rounds' covariance is 0;
- ``overlapping`` pairing: labels shared, so a PSU visited in both rounds is one PSU of the
  stack and contributes the covariance. Its PSU labels must name PSUs: a label in two strata
  (across or within rounds) and an fpc are refused (:class:`PairingError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from scoring.arrays import FloatArray, IntArray, LabelArray
from scoring.codes import as_label_array, compact, factorize, missing_labels, python_label
from scoring.domains import WHOLE_POPULATION
from scoring.errors import ScoringError
from scoring.fpc import PopulationCorrection
from scoring.sufficient import (
    ArrayLike,
    Cells,
    PsuTotals,
    Spread,
    check_cell_sums,
    check_unit_counts,
    code_domains,
    number_column,
)

ROUNDS = ("from", "to")
COUNT_DEFAULTS = {"rows": ("n",), "weighted_rows": ("rows", "n")}
"""Where a count column left out is read from (:class:`PsuTotals`)."""


class Pairing(StrEnum):
    """How the two rounds' PSUs relate (docs/design.md §10)."""

    INDEPENDENT = "independent"
    OVERLAPPING = "overlapping"

    @classmethod
    def parse(cls, value: str | Pairing) -> Pairing:
        """The pairing named ``value``; unknown names are refused."""
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(p.value for p in cls)
            raise ScoringError(f"pairing must be one of {names}, not {value!r}") from None


class PairingError(ScoringError):
    """The rounds cannot be paired as asked (an overlapping PSU in two strata, or an fpc)."""


@dataclass(frozen=True)
class RoundTotals:
    """One round's per-PSU × domain sufficient statistics (:class:`PsuTotals`) and its fpc.

    ``fpc`` maps a stratum label to ``N_h`` or a sampling fraction (``independent`` only).
    """

    totals: PsuTotals
    fpc: Mapping[object, float] | None = None


@dataclass(frozen=True)
class StackedCells(Cells):
    """Cells of both rounds on the stacked design (integer codes, one row per input cell).

    ``round`` is 0 (from) or 1 (to); ``stratum`` and ``psu`` are codes of the stack, so
    under ``overlapping`` a revisited PSU has one code in both rounds; ``stratum_labels``
    name the stack's strata (with their round under ``independent``).
    """

    round: IntArray


def stack_rounds(rounds: tuple[RoundTotals, RoundTotals], pairing: str | Pairing) -> StackedCells:
    """Stack the ``from`` and ``to`` rounds' cells as R's stacked design has them."""
    pairing = Pairing.parse(pairing)
    lengths = [_length(r.totals) for r in rounds]
    round_codes = np.repeat(np.arange(2), lengths)
    strata = [_labels(r.totals.stratum, "stratum", k) for r, k in zip(rounds, lengths, strict=True)]
    psus = [_labels(r.totals.psu, "psu", k) for r, k in zip(rounds, lengths, strict=True)]
    match pairing:
        case Pairing.INDEPENDENT:
            stratum, names, psu = _independent_codes(strata, psus)
            fpc = _independent_fpc(rounds, strata)
        case Pairing.OVERLAPPING:
            if any(r.fpc is not None for r in rounds):
                raise PairingError("overlapping pairing needs rounds without fpc")
            stratum, names, psu = _overlapping_codes(strata, psus)
            fpc = None
    domains = np.concatenate(
        [_domains(r.totals.domain, k) for r, k in zip(rounds, lengths, strict=True)]
    )
    domain, domain_labels = code_domains(domains, domains.shape[0])
    columns = {name: _stacked_column(rounds, name) for name in ("n", "sw", "swy", "swx")}
    check_cell_sums(columns["n"], columns["sw"])
    rows = _stacked_column(rounds, "rows")
    weighted_rows = _stacked_column(rounds, "weighted_rows")
    check_unit_counts(rows, weighted_rows, columns["n"])
    return StackedCells(
        round=round_codes,
        stratum=stratum,
        psu=psu,
        domain=domain,
        rows=rows,
        weighted_rows=weighted_rows,
        spread=Spread(*(np.zeros_like(columns["n"]) for _ in range(3))),
        stratum_labels=names,
        domain_labels=domain_labels,
        fpc=fpc,
        n=columns["n"],
        sw=columns["sw"],
        swy=columns["swy"],
        swx=columns["swx"],
    )


def _domains(values: ArrayLike, length: int) -> LabelArray:
    """A round's domain labels; a round without domains is the whole population.

    That is labelled as calibrated rows label it (``WHOLE_POPULATION``), so a plain round
    and a calibrated round meet in one domain.
    """
    labels = as_label_array(values, "domain", length).astype(object)
    return (
        np.full(length, WHOLE_POPULATION, dtype=object) if missing_labels(labels).all() else labels
    )


def _independent_codes(
    strata: list[LabelArray], psus: list[LabelArray]
) -> tuple[IntArray, LabelArray, IntArray]:
    """Each round's strata and PSUs apart: codes offset by the from round's count."""
    codes, names, psu_codes, offset = [], [], [], 0
    for which, (labels, psu) in zip(ROUNDS, zip(strata, psus, strict=True), strict=True):
        code, levels = factorize(labels)
        codes.append(code + offset)
        names += [f"{python_label(s)} ({which} round)" for s in levels]
        psu_codes.append(_nested(code + offset, psu))
        offset += levels.shape[0]
    return np.concatenate(codes), np.array(names, dtype=object), _renumber(psu_codes)


def _overlapping_codes(
    strata: list[LabelArray], psus: list[LabelArray]
) -> tuple[IntArray, LabelArray, IntArray]:
    """Shared labels; every PSU label must lie in one stratum across both rounds."""
    stratum, levels = factorize(np.concatenate(strata))
    psu, psu_levels = factorize(np.concatenate(psus))
    pairs = np.unique(psu * np.int64(levels.shape[0]) + stratum)
    owners = np.bincount(pairs // levels.shape[0], minlength=psu_levels.shape[0])
    if np.any(owners > 1):
        p = int(np.flatnonzero(owners > 1)[0])
        where = sorted(str(python_label(levels[s])) for s in np.unique(stratum[psu == p]))
        raise PairingError(
            f"overlapping pairing: PSU {python_label(psu_levels[p])!s} lies in strata"
            f" {' and '.join(where)}; a PSU must keep its stratum across rounds"
        )
    names = np.array([python_label(s) for s in levels], dtype=object)
    return stratum, names, compact(psu, psu_levels.shape[0])[1].astype(np.int64)


def _nested(stratum: IntArray, psu: LabelArray) -> IntArray:
    """PSU codes nested in strata (R ``nest = TRUE``): one code per (stratum, label)."""
    local, levels = factorize(psu)
    return stratum * np.int64(levels.shape[0]) + local


def _renumber(per_round: list[IntArray]) -> IntArray:
    """Distinct codes for the PSUs of both rounds (a round's codes never meet the other's)."""
    first, second = per_round
    second = second + (int(first.max()) + 1)
    both = np.concatenate([first, second])
    return compact(both, int(both.max()) + 1)[1].astype(np.int64)


def _independent_fpc(
    rounds: tuple[RoundTotals, RoundTotals], strata: list[LabelArray]
) -> PopulationCorrection | None:
    """The rounds' fpc values in the stack's stratum order (all or none must have one)."""
    given = [r.fpc for r in rounds if r.fpc is not None]
    if not given:
        return None
    if len(given) < len(rounds):
        raise ScoringError("an fpc must be given for both rounds or for neither")
    values = []
    for fpc, labels in zip(given, strata, strict=True):
        for s in factorize(labels)[1]:
            label = python_label(s)
            if label not in fpc:
                raise ScoringError(f"fpc has no value for stratum {label!s}")
            values.append(fpc[label])
    return PopulationCorrection.from_values(np.array(values, dtype=np.float64))


def _length(totals: PsuTotals) -> int:
    length = int(number_column(totals.n, "n").shape[0])
    if length == 0:
        raise ScoringError("no PSU totals given for a round")
    return length


def _labels(values: ArrayLike, name: str, length: int) -> LabelArray:
    labels = as_label_array(values, name, length)
    if missing_labels(labels).any():
        raise ScoringError(f"{name} must be given for every cell")
    return labels


def _stacked_column(rounds: tuple[RoundTotals, RoundTotals], name: str) -> FloatArray:
    """One column of both rounds; ``weighted_rows`` defaults to ``rows``, ``rows`` to ``n``,
    the others to zeros."""
    parts = []
    for r in rounds:
        values = getattr(r.totals, name)
        length = _length(r.totals)
        for fallback in COUNT_DEFAULTS.get(name, ()):
            values = getattr(r.totals, fallback) if values is None else values
        column = np.zeros(length) if values is None else number_column(values, name)
        if column.shape[0] != length:
            raise ScoringError(f"{name} must have one entry per cell ({length})")
        parts.append(column)
    return np.concatenate(parts)
