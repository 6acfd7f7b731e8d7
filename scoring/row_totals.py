"""Per-PSU × domain sufficient statistics (:class:`PsuTotals`) from one row per unit.

For callers that hold rows (the CLI, tests and benchmarks); the service keeps the totals
themselves and never reads rows for an estimate.
"""

from __future__ import annotations

import numpy as np

from scoring.design import ArrayLike, Design
from scoring.estimands import Estimand
from scoring.sufficient import PsuTotals, cells_from_rows


def totals_from_rows(
    weights: ArrayLike,
    strata: ArrayLike,
    psu: ArrayLike,
    estimand: Estimand,
    domain: ArrayLike | None = None,
) -> PsuTotals:
    """Reduce rows to the cells of :class:`PsuTotals`, labelled as the rows are."""
    design = Design(weights, strata=strata, psu=psu)
    cells = cells_from_rows(design, estimand, domain)
    first_row = np.unique(design.psu_codes, return_index=True)[1]
    psu_labels = np.asarray(psu)[first_row]
    domain_labels = np.concatenate([cells.domain_labels, np.array([None], dtype=object)])
    return PsuTotals(
        stratum=cells.stratum_labels[cells.stratum],
        psu=psu_labels[cells.psu],
        domain=domain_labels[cells.domain],
        n=cells.n,
        sw=cells.sw,
        swy=cells.swy,
        swx=cells.swx,
        rows=cells.rows,
        weighted_rows=cells.weighted_rows,
    )
