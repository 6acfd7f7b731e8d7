"""Domains (R ``subset()``/``svyby``): which strata a domain touches, its sums and its df."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.arrays import FloatArray, IntArray, weighted_bincount
from scoring.codes import sorted_unique

WHOLE_POPULATION = ""
"""Domain label of every row with a value when no ``by`` is asked (reported as ``None``):
calibrated rows (:mod:`scoring.weights.rows`) and stacked rounds (:mod:`scoring.stacking`)."""


@dataclass(frozen=True)
class DomainStrata:
    """The distinct (domain, stratum) pairs of the in-domain cells."""

    of_cell: IntArray
    domain: IntArray
    stratum: IntArray

    @classmethod
    def of(cls, cell_domain: IntArray, cell_stratum: IntArray, n_strata: int) -> DomainStrata:
        """Index the (domain, stratum) pair of every in-domain cell."""
        pairs, of_cell = np.unique(
            cell_domain * np.int64(n_strata) + cell_stratum, return_inverse=True
        )
        return cls(of_cell=of_cell, domain=pairs // n_strata, stratum=pairs % n_strata)

    @property
    def count(self) -> int:
        """Number of (domain, stratum) pairs."""
        return int(self.domain.shape[0])


def domain_sums(values: FloatArray, cell_domain: IntArray, n_domains: int) -> FloatArray:
    """``Σ values`` over the cells of each domain."""
    return weighted_bincount(cell_domain, weights=values, minlength=n_domains)


def degrees_of_freedom(
    cell_domain: IntArray, cell_stratum: IntArray, n_strata: int, n_domains: int
) -> IntArray:
    """R ``degf()`` on the domain: its PSUs − its strata, counting every row of the domain.

    Cells are unique per PSU × domain, so a domain's cells count its PSUs. Rows without a
    value count too: R's ``svyby(..., na.rm = TRUE)`` passes the domain's design, missing
    rows included, and ``svyciprop`` takes ``df = degf(design)`` of it.
    """
    psus = np.bincount(cell_domain, minlength=n_domains)
    pairs = sorted_unique(cell_domain * np.int64(n_strata) + cell_stratum)
    strata = np.bincount(pairs // n_strata, minlength=n_domains)
    return psus - strata
