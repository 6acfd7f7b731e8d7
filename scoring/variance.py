"""Taylor-linearisation variance of a one-stage stratified cluster design.

R ``survey:::svyrecvar`` → ``onestage`` → ``onestrat`` (survey 4.1-1); Wolter (2007) eq. 6.11:

    V_d = Σ_h (1 − f_h) · n_h / (n_h − 1) · Σ_j (Z_hj − Z̄_h)²

with ``Z_hj`` the total of domain d's scores in PSU j of stratum h, ``Z̄_h`` their mean
over all ``n_h`` PSUs of the design (PSUs without a domain member have ``Z_hj = 0``: R pads
them with zeros) and ``f_h = n_h / N_h``. Only strata holding a domain member contribute.
"""

from __future__ import annotations

import numpy as np

from scoring.arrays import FloatArray, IntArray, weighted_bincount
from scoring.domains import DomainStrata
from scoring.fpc import fpc_factor
from scoring.lonely_psu import (
    CENSUS_TOLERANCE,
    LonelyPsu,
    average_over_strata,
    lonely_contribution,
)
from scoring.sufficient import Cells


def design_psu_counts(psu: IntArray, stratum: IntArray, n_strata: int) -> IntArray:
    """``n_h``: the number of distinct PSUs per stratum among the given cells."""
    first = np.unique(psu, return_index=True)[1]
    return np.bincount(stratum[first], minlength=n_strata)


def psu_counts_and_factor(cells: Cells) -> tuple[IntArray, FloatArray]:
    """``n_h`` (the PSUs of each stratum in the design) and ``1 − f_h`` from the cells' fpc."""
    units = cells.in_design
    n_h = design_psu_counts(cells.psu[units], cells.stratum[units], cells.n_strata)
    return n_h, fpc_factor(cells.fpc, n_h, cells.stratum_labels)


def centred_sum_of_squares(z: FloatArray, pairs: DomainStrata, n_h: IntArray) -> FloatArray:
    """``Σ_j (Z_hj − Z̄_h)²`` per (domain, stratum), the ``n_h − m`` absent PSUs as zeros."""
    total = weighted_bincount(pairs.of_cell, weights=z, minlength=pairs.count)
    present = np.bincount(pairs.of_cell, minlength=pairs.count)
    psus = n_h[pairs.stratum]
    mean = total / psus
    spread = weighted_bincount(
        pairs.of_cell, weights=(z - mean[pairs.of_cell]) ** 2, minlength=pairs.count
    )
    return spread + (psus - present) * mean**2


def stratum_contributions(
    z: FloatArray, pairs: DomainStrata, n_h: IntArray, fpc_factor: FloatArray, policy: LonelyPsu
) -> FloatArray:
    """Each (domain, stratum) term of ``V_d``; NaN marks a lonely stratum under ``average``."""
    psus = n_h[pairs.stratum]
    factor = fpc_factor[pairs.stratum]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(psus > 1, factor * psus / (psus - 1), factor)
    usual = scale * centred_sum_of_squares(z, pairs, n_h)
    uncentred = weighted_bincount(pairs.of_cell, weights=z * z, minlength=pairs.count)
    lonely = lonely_contribution(policy, factor, uncentred)
    term = np.where(psus > 1, usual, lonely)
    return np.where(factor < CENSUS_TOLERANCE, 0.0, term)


def design_variance(
    z: FloatArray,
    pairs: DomainStrata,
    n_h: IntArray,
    fpc_factor: FloatArray,
    policy: LonelyPsu,
    n_domains: int,
) -> FloatArray:
    """``V_d`` for every domain (NaN where no stratum has an estimable variance)."""
    term = stratum_contributions(z, pairs, n_h, fpc_factor, policy)
    known = ~np.isnan(term)
    variance = weighted_bincount(
        pairs.domain, weights=np.where(known, term, 0.0), minlength=n_domains
    )
    if policy is LonelyPsu.AVERAGE:
        strata = np.bincount(pairs.domain, minlength=n_domains)
        with_variance = weighted_bincount(pairs.domain, weights=known, minlength=n_domains)
        variance = average_over_strata(variance, strata, with_variance)
    return variance
