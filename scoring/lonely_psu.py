"""Single-PSU ("lonely") strata: the policy and its contribution to the variance.

Follows R ``survey:::onestrat`` (survey 4.1-1) with ``survey.adjust.domain.lonely = FALSE``:
lonely-ness is judged on the full design's PSU count ``n_h``, never on a domain's, so a
domain that meets only one PSU of a stratum with ``n_h > 1`` is centred as usual.
"""

from __future__ import annotations

from enum import StrEnum
from typing import assert_never

import numpy as np

from scoring.arrays import FloatArray, IntArray, LabelArray
from scoring.errors import LonelyPsuError, ScoringError

CENSUS_TOLERANCE = 1e-7
"""R treats a stratum with ``1 - n_h/N_h < 1e-7`` as a census: it adds zero variance."""


class LonelyPsu(StrEnum):
    """What to do with a stratum of one PSU (R ``options(survey.lonely.psu=)``)."""

    FAIL = "fail"
    REMOVE = "remove"
    ADJUST = "adjust"
    CERTAINTY = "certainty"
    AVERAGE = "average"

    @classmethod
    def parse(cls, value: str | LonelyPsu) -> LonelyPsu:
        """The policy named ``value``; unknown names are refused."""
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(p.value for p in cls)
            raise ScoringError(f"lonely_psu must be one of {names}, not {value!r}") from None


def check_fail_policy(
    policy: LonelyPsu,
    touched_strata: IntArray,
    n_h: IntArray,
    fpc_factor: FloatArray,
    stratum_labels: LabelArray,
) -> None:
    """Raise ``LonelyPsuError`` for the first lonely, non-census stratum an estimate touches.

    R raises only when a lonely stratum's variance is computed, i.e. when it holds a
    domain member and is not a census (``onestrat`` returns 0 for a census first).
    """
    if policy is not LonelyPsu.FAIL:
        return
    lonely = touched_strata[
        (n_h[touched_strata] == 1) & (fpc_factor[touched_strata] >= CENSUS_TOLERANCE)
    ]
    if lonely.size:
        raise LonelyPsuError(stratum_labels[np.min(lonely)])


def lonely_contribution(
    policy: LonelyPsu, fpc_factor: FloatArray, z_squared: FloatArray
) -> FloatArray:
    """Variance added by a lonely stratum whose one PSU has score total ``Z`` in the domain.

    ``adjust``: the PSU is centred at the grand mean, 0 for linearised scores, so it adds
    ``(1 - f_h) Z²``; ``remove`` and ``certainty``: 0 (identical for one-stage designs);
    ``average``: NaN, filled in later by :func:`average_over_strata`; ``fail``: 0, for
    :func:`check_fail_policy` has refused every lonely stratum that would add more.
    """
    match policy:
        case LonelyPsu.ADJUST:
            return fpc_factor * z_squared
        case LonelyPsu.AVERAGE:
            return np.full_like(z_squared, np.nan)
        case LonelyPsu.REMOVE | LonelyPsu.CERTAINTY | LonelyPsu.FAIL:
            return np.zeros_like(z_squared)
        case _:
            assert_never(policy)


def average_over_strata(
    variance: FloatArray,
    strata_in_domain: IntArray | int,
    strata_with_variance: FloatArray | int,
) -> FloatArray:
    """R ``average``: ``V · H_d / H_d^ok``, the lonely strata replaced by the others' average.

    ``H_d`` counts the strata holding a domain member, ``H_d^ok`` those among them that are
    not lonely. With no stratum left the variance is undefined (NaN).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(strata_with_variance > 0, strata_in_domain / strata_with_variance, np.nan)
    return variance * scale
