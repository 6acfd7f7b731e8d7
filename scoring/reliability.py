"""Reliability of an estimate: ``ok``, ``review`` or ``suppress``, with reasons (docs/design.md §6).

Proportions follow the NCHS Data Presentation Standards for Proportions (Parker et al.
2017, Vital Health Stat 2(175)), in the order CDC's ``surveytable`` applies them, with the
95% Korn–Graubard interval whatever level the caller asked for (the thresholds are
defined for it). Means, totals and ratios follow coefficient-of-variation rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from scoring.arrays import FloatArray, IntArray
from scoring.intervals import korn_graubard_interval

NCHS_LEVEL = 0.95
MIN_EFFECTIVE_SIZE = 30
NARROW_WIDTH = 0.05
WIDE_WIDTH = 0.30
RELATIVE_WIDTH = 1.30
MIN_DF = 8
SUPPRESS_CV = 0.30
REVIEW_CV = 0.20


class Reliability(StrEnum):
    """Whether an estimate may be shown, and how."""

    OK = "ok"
    REVIEW = "review"
    SUPPRESS = "suppress"


class Reason(StrEnum):
    """Reason codes listed in ``Result.reliability_reasons``."""

    N_EFF = "n_eff"
    CI_WIDTH = "ci_width"
    RELATIVE_WIDTH = "relative_width"
    COMPLEMENT_WIDTH = "complement_width"
    DF = "df"
    BOUNDARY = "boundary"
    CV = "cv"
    NO_VALUES = "no_values"


@dataclass(frozen=True)
class Assessment:
    """A reliability verdict with its reasons (the one failed rule when suppressed)."""

    status: Reliability
    reasons: tuple[str, ...]


def effective_sizes(p: FloatArray, se: FloatArray, n: FloatArray) -> FloatArray:
    """NCHS ``n_eff = p(1−p)/se²`` capped at ``n``; ``n`` when p is 0 or 1; NaN if se unknown."""
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where((p <= 0) | (p >= 1), n, p * (1 - p) / se**2)
    return np.where(np.isnan(se), np.nan, np.minimum(raw, n))


def korn_graubard_widths(
    p: FloatArray, n_eff: FloatArray, df: IntArray, n: FloatArray
) -> FloatArray:
    """Width of the 95% Korn–Graubard interval with the capped ``n_eff``.

    0 when p is 0 or 1 (the standard's convention); 1 when ``df = 0``, the limit of the
    interval as the df adjustment ``(t_{n−1}/t_df)²`` goes to 0.
    """
    low, high = korn_graubard_interval(p, n_eff, df, n, NCHS_LEVEL)
    width = high - low
    width = np.where(np.asarray(df) > 0, width, 1.0)
    return np.where((p <= 0) | (p >= 1), 0.0, width)


def proportion_reliability(p: float, n_eff: float, width: float, df: int) -> Assessment:
    """NCHS 2017 for proportions, the first failed rule deciding a suppression."""
    if not n_eff >= MIN_EFFECTIVE_SIZE:
        return _suppress(Reason.N_EFF)
    flags: list[str] = []
    if width > NARROW_WIDTH:
        if width >= WIDE_WIDTH:
            return _suppress(Reason.CI_WIDTH)
        if width / p > RELATIVE_WIDTH:
            return _suppress(Reason.RELATIVE_WIDTH)
        if width / (1 - p) > RELATIVE_WIDTH:
            flags.append(Reason.COMPLEMENT_WIDTH)
    if df < MIN_DF:
        flags.append(Reason.DF)
    if p <= 0 or p >= 1:
        flags.append(Reason.BOUNDARY)
    return _shown(flags)


def cv_reliability(cv: float | None, se: float | None, df: int) -> Assessment:
    """Means, totals, ratios: suppress when ``cv > 0.30``; review when ``cv > 0.20`` or df < 8.

    An unknown ``se`` suppresses (reason ``cv``); ``cv`` is ``None`` only when both the
    estimate and its se are 0, which is not a reason to hold the estimate back.
    """
    if se is None or (cv is not None and cv > SUPPRESS_CV):
        return _suppress(Reason.CV)
    flags: list[str] = []
    if cv is not None and cv > REVIEW_CV:
        flags.append(Reason.CV)
    if df < MIN_DF:
        flags.append(Reason.DF)
    return _shown(flags)


def _suppress(reason: Reason) -> Assessment:
    return Assessment(Reliability.SUPPRESS, (reason.value,))


def _shown(flags: list[str]) -> Assessment:
    status = Reliability.REVIEW if flags else Reliability.OK
    return Assessment(status, tuple(str(f) for f in flags))
