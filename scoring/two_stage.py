"""The second stage of a two-stage design with a finite population correction at each stage.

R ``svydesign(ids = ~psu + ssu, strata = ~stratum, fpc = ~N1 + N2, nest = TRUE)``:
``survey:::multistage`` adds to the first-stage variance, for every PSU j of stratum h,
the second stage's one-stage variance within j, scaled by the first-stage sampling
fraction ``f_h = n_h / N_h``:

    V_d = V1_d + Σ_h f_h Σ_{j∈h} (1 − m_j/M_j) · m_j/(m_j − 1) · Σ_k (Z_jk − Z̄_j)²

with ``Z_jk`` the total of domain d's scores in SSU k of PSU j (SSUs without a member of d
count as zeros), ``m_j`` the SSUs sampled in j and ``M_j`` those in the population (or the
fraction ``m_j/M_j``). A PSU with one SSU follows the lonely-PSU policy at stage 2 as R's
``onestrat`` does (``adjust``: ``(1 − f)·Z²`` uncentred; ``remove``/``certainty``: 0;
``average``: no variance; ``fail``: refused), and a census PSU (``m_j = M_j``) adds 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scoring.arrays import BoolArray, FloatArray, IntArray, LabelArray, weighted_bincount
from scoring.codes import LabelsLike
from scoring.design import Design
from scoring.domains import DomainStrata
from scoring.errors import LonelySsuError, ScoringError
from scoring.estimands import Estimand, Kind
from scoring.linearize import cell_scores
from scoring.lonely_psu import CENSUS_TOLERANCE, LonelyPsu
from scoring.sufficient import Cells, cells_from_rows
from scoring.variance import psu_counts_and_factor, stratum_contributions

ArrayLike = Sequence[object] | LabelArray


def require_first_stage_fpc(fpc: object) -> None:
    """The second stage's variance is scaled by f_h = n_h/N_h: without N_h there is none."""
    if fpc is None:
        raise ScoringError("a second stage needs the first stage's fpc (N_h or a fraction)")


def second_stage_variance(
    design: Design,
    ssu: LabelsLike,
    ssu_fpc: ArrayLike,
    estimand: Estimand,
    domain: LabelsLike | None,
    kind: Kind,
    estimate: FloatArray,
    base: FloatArray,
    first_stage_factor: FloatArray,
) -> FloatArray:
    """``Σ_h f_h Σ_j V2_jd`` per domain; the PSUs are the strata of a one-stage design of SSUs.

    ``estimate``/``base`` are the domains' point estimates and score denominators, in the
    order of the first stage's domains; ``first_stage_factor`` is ``1 − f_h`` per stratum.
    """
    require_first_stage_fpc(design.fpc)
    psu_labels = design.psu_codes
    inner = Design(design.weights, strata=psu_labels, psu=ssu, fpc=ssu_fpc)
    cells = cells_from_rows(inner, estimand, domain)
    m_j, factor = psu_counts_and_factor(cells)  # the inner design's strata are the PSUs
    policy = design.lonely_psu
    check_lonely_ssus(policy, m_j, factor, design.psu_stratum, design.stratum_labels)
    answered, d, z = answered_scores(cells, kind, estimate, base)
    pairs = DomainStrata.of(d, cells.stratum[answered], cells.n_strata)
    term = stratum_contributions(z, pairs, m_j, factor, policy)
    # the strata of the inner design are the PSUs (codes 0..n_psus−1, in order)
    psu_code = np.asarray(cells.stratum_labels, dtype=np.int64)[pairs.stratum]
    f_first = 1.0 - first_stage_factor[design.psu_stratum[psu_code]]
    return weighted_bincount(pairs.domain, weights=f_first * term, minlength=estimate.shape[0])


def answered_scores(
    cells: Cells, kind: Kind, estimate: FloatArray, base: FloatArray
) -> tuple[BoolArray, IntArray, FloatArray]:
    """The cells with answers in a reported domain, their domains and their score totals."""
    answered = cells.in_domain & (cells.n > 0)
    d = cells.domain[answered]
    z = cell_scores(
        kind, cells.sw[answered], cells.swy[answered], cells.swx[answered], estimate[d], base[d]
    )
    return answered, d, z


def check_lonely_ssus(
    policy: LonelyPsu,
    units: IntArray | FloatArray,
    factor: FloatArray,
    psu_stratum: IntArray,
    stratum_labels: LabelArray,
) -> None:
    """``fail``: refuse the first PSU with one SSU (``units`` per PSU) that is not a census
    (``factor = 1 − m_j/M_j``), naming its stratum, as R's ``onestrat`` stops at stage 2."""
    lonely = (units == 1) & (factor >= CENSUS_TOLERANCE)
    if policy is LonelyPsu.FAIL and lonely.any():
        j = int(np.flatnonzero(lonely)[0])
        raise LonelySsuError(stratum_labels[psu_stratum[j]])
