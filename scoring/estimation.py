"""The estimation chain: cells → estimates → scores → variance → df, deff, CI, reliability.

Every public entry point reduces its input to PSU × domain cells (``sufficient.py``) and
calls :func:`estimate_cells`, so the raw-row and the stored-totals paths are one code path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from scoring.codes import python_label
from scoring.design import Design
from scoring.design_effect import design_effect
from scoring.domains import DomainStrata, degrees_of_freedom, domain_sums
from scoring.errors import ScoringError
from scoring.estimands import Estimand, Kind, point_estimates
from scoring.fpc import fpc_factor
from scoring.intervals import CiMethod, check_level, mean_interval, proportion_interval
from scoring.linearize import cell_scores
from scoring.lonely_psu import LonelyPsu, check_fail_policy
from scoring.reliability import (
    cv_reliability,
    effective_sizes,
    korn_graubard_widths,
    proportion_reliability,
)
from scoring.results import Result
from scoring.sufficient import Cells, PsuTotals, cells_from_rows, cells_from_totals
from scoring.variance import design_psu_counts, design_variance

if TYPE_CHECKING:
    from scoring.weights.calibration import CalibrationResidual


def estimate(
    design: Design,
    estimand: Estimand,
    domain: Sequence[object] | np.ndarray | None = None,
    ci: str | CiMethod = "logit",
    level: float = 0.95,
) -> list[Result]:
    """Estimate over the whole population (``domain=None``) or per domain label, sorted.

    Rows whose domain label is ``None`` or whose variable is NaN belong to no domain but
    keep their PSU in the design, as R ``subset()`` does.
    """
    method, level = CiMethod.parse(ci), check_level(level)
    cells = cells_from_rows(design, estimand, domain)
    return estimate_cells(cells, estimand.kind, design.lonely_psu, method, level)


def estimate_from_totals(
    totals: PsuTotals,
    kind: str | Kind,
    fpc: Mapping[object, float] | None = None,
    lonely_psu: str | LonelyPsu = "adjust",
    ci: str | CiMethod = "logit",
    level: float = 0.95,
    residual: Callable[[Cells], CalibrationResidual] | None = None,
) -> list[Result]:
    """Estimate from per-PSU × domain sufficient statistics (see :class:`PsuTotals`).

    ``residual`` builds the calibration residuals of calibrated totals (docs/design.md §9).
    """
    kind, policy = Kind.parse(kind), LonelyPsu.parse(lonely_psu)
    method, level = CiMethod.parse(ci), check_level(level)
    cells = cells_from_totals(totals, fpc)
    calibration = None if residual is None else residual(cells)
    return estimate_cells(cells, kind, policy, method, level, calibration)


def estimate_cells(
    cells: Cells,
    kind: Kind,
    policy: LonelyPsu,
    method: CiMethod,
    level: float,
    residual: CalibrationResidual | None = None,
) -> list[Result]:
    """The whole chain on integer-coded cells, vectorised across domains.

    ``residual``: the cells carry calibrated weights; scores become calibration residuals.
    """
    units = cells.n > 0
    n_h = _design_psus(cells, units)
    factor = fpc_factor(cells.fpc, n_h, cells.stratum_labels)

    inside = units & (cells.domain >= 0)
    domain, stratum = cells.domain[inside], cells.stratum[inside]
    sw, swy, swx = cells.sw[inside], cells.swy[inside], cells.swx[inside]
    n_domains = cells.n_domains
    n = domain_sums(cells.n[inside], domain, n_domains)
    reported = np.flatnonzero(n > 0)
    if reported.size == 0:
        raise ScoringError("no rows with a value: every domain is empty")
    sum_w = domain_sums(sw, domain, n_domains)
    sum_wy = domain_sums(swy, domain, n_domains)
    sum_wx = domain_sums(swx, domain, n_domains)
    sum_wyy = domain_sums(cells.swyy[inside], domain, n_domains)
    keep = n > 0
    est = np.zeros(n_domains)
    est[keep] = point_estimates(kind, sum_w[keep], sum_wy[keep], sum_wx[keep])
    # Person-level (member) and ratio estimates are over Σwx; the population is Σw·size.
    base = sum_wx if kind.over_denominator else sum_w
    population = sum_wx if kind is Kind.MEMBER_PROPORTION else sum_w

    z = cell_scores(kind, sw, swy, swx, est[domain], base[domain])
    pairs = DomainStrata.of(domain, stratum, cells.n_strata)
    df = degrees_of_freedom(domain, pairs, n_domains)
    rows = n
    if residual is not None:  # R svyrecvar on a calibrated design (docs/design.md §9)
        z, pairs = residual.scores(kind, est, base, z, cells.psu[inside], domain)
        rows = np.full(n_domains, residual.n_rows)  # R keeps every row in a subset
    check_fail_policy(policy, np.unique(pairs.stratum), n_h, factor, cells.stratum_labels)
    variance = design_variance(z, pairs, n_h, factor, policy, n_domains)
    se = np.sqrt(variance)
    deff = design_effect(kind, variance, n, population, sum_wy, sum_wyy)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = se / np.abs(est)

    if kind.is_proportion:
        ci_method = method
        low, high = proportion_interval(method, est, se, df, rows, level)
        n_eff = effective_sizes(est, se, n)
        width = korn_graubard_widths(est, n_eff, df, n)
    else:
        ci_method = CiMethod.WALD
        low, high = mean_interval(est, se, df, level)
        with np.errstate(divide="ignore", invalid="ignore"):
            n_eff = n / deff

    results = []
    for d in reported:
        if kind.is_proportion:
            verdict = proportion_reliability(
                float(est[d]), float(n_eff[d]), float(width[d]), int(df[d])
            )
        else:
            verdict = cv_reliability(
                None if np.isnan(cv[d]) else float(cv[d]), _number(se[d]), int(df[d])
            )
        results.append(
            Result(
                domain=python_label(cells.domain_labels[d]),
                estimate=float(est[d]),
                se=_number(se[d]),
                ci_low=_number(low[d]),
                ci_high=_number(high[d]),
                df=int(df[d]),
                deff=_number(deff[d]),
                n=round(float(n[d])),
                n_eff=_number(n_eff[d]),
                population=float(population[d]),
                cv=_number(cv[d]),
                reliability=verdict.status.value,
                reliability_reasons=verdict.reasons,
                ci_method=ci_method.value,
                level=level,
            )
        )
    return results


def _design_psus(cells: Cells, units: np.ndarray) -> np.ndarray:
    """``n_h`` of the design: PSUs with at least one unit (R drops PSUs without rows)."""
    return design_psu_counts(cells.psu[units], cells.stratum[units], cells.n_strata)


def _number(value: float) -> float | None:
    """A finite float, or ``None`` for NaN/inf (no NaN leaks into a Result)."""
    return float(value) if np.isfinite(value) else None
