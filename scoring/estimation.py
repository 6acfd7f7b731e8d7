"""The estimation chain: cells → estimates → scores → variance → df, deff, CI, reliability.

Every public entry point reduces its input to PSU × domain cells (``sufficient.py``) and
calls :func:`estimate_cells`, so the raw-row and the stored-totals paths are one code path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from scoring.arrays import BoolArray, FloatArray, IntArray, LabelArray
from scoring.codes import LabelsLike, python_label, sorted_unique
from scoring.design import Design
from scoring.design_effect import design_effect, residual_squares
from scoring.domains import DomainStrata, degrees_of_freedom, domain_sums
from scoring.errors import ScoringError
from scoring.estimands import Estimand, Kind, point_estimates
from scoring.intervals import CiMethod, check_level, mean_interval, proportion_interval
from scoring.linearize import cell_scores
from scoring.lonely_psu import LonelyPsu, check_fail_policy
from scoring.reliability import (
    Assessment,
    cv_reliability,
    effective_sizes,
    korn_graubard_widths,
    proportion_reliability,
)
from scoring.results import Result
from scoring.sufficient import Cells, PsuTotals, cells_from_rows, cells_from_totals
from scoring.two_stage import second_stage_variance
from scoring.two_stage_totals import PsuSquares, SecondStageTotals, second_stage_from_totals
from scoring.variance import design_variance, psu_counts_and_factor

if TYPE_CHECKING:
    from scoring.weights.calibration import CalibrationResidual


def estimate(
    design: Design,
    estimand: Estimand,
    domain: LabelsLike | None = None,
    ci: str | CiMethod = "logit",
    level: float = 0.95,
    ssu: LabelsLike | None = None,
    ssu_fpc: Sequence[object] | LabelArray | None = None,
) -> list[Result]:
    """Estimate over the whole population (``domain=None``) or per domain label, sorted.

    Rows whose domain label is ``None`` belong to no domain but keep their PSU in the
    design, as R ``subset()`` does; rows whose variable is NaN stay in their domain's design
    (df, ``nrow``) but not in its estimate, as R ``svyby(..., na.rm = TRUE)``. ``ssu`` and
    ``ssu_fpc`` (per row: ``M_j`` SSUs in the PSU, or the fraction) add a second stage
    (``scoring.two_stage``; the design's ``fpc`` is then the first stage's).
    """
    method, level = CiMethod.parse(ci), check_level(level)
    cells = cells_from_rows(design, estimand, domain)
    second_stage = None
    if ssu is not None:
        if ssu_fpc is None:
            raise ScoringError("a second stage needs its fpc (M_j SSUs in the PSU, or a fraction)")

        def second_stage(domains: DomainEstimates) -> FloatArray:
            return second_stage_variance(
                design,
                ssu,
                ssu_fpc,
                estimand,
                domain,
                estimand.kind,
                domains.estimate,
                domains.base,
                _first_stage_factor(cells),
            )

    return estimate_cells(
        cells, estimand.kind, design.lonely_psu, method, level, second_stage=second_stage
    )


def estimate_from_totals(
    totals: PsuTotals,
    kind: str | Kind,
    fpc: Mapping[object, float] | None = None,
    lonely_psu: str | LonelyPsu = "adjust",
    ci: str | CiMethod = "logit",
    level: float = 0.95,
    residual: Callable[[Cells], CalibrationResidual] | None = None,
    second_stage: SecondStageTotals | None = None,
) -> list[Result]:
    """Estimate from per-PSU × domain sufficient statistics (see :class:`PsuTotals`).

    ``residual`` builds the calibration residuals of calibrated totals (docs/design.md §9).
    ``second_stage`` (one entry per total) adds a second stage whose units are the SSUs
    (``scoring.two_stage_totals``; ``fpc`` is then the first stage's).
    """
    kind, policy = Kind.parse(kind), LonelyPsu.parse(lonely_psu)
    method, level = CiMethod.parse(ci), check_level(level)
    cells = cells_from_totals(totals, fpc, kind)
    if second_stage is not None:
        if residual is not None:
            raise ScoringError("a two-stage design cannot be calibrated here")
        squares = PsuSquares.of(cells, second_stage)

        def stage_two(domains: DomainEstimates) -> FloatArray:
            return second_stage_from_totals(
                cells,
                squares,
                kind,
                policy,
                domains.estimate,
                domains.base,
                _first_stage_factor(cells),
            )

        return estimate_cells(cells, kind, policy, method, level, second_stage=stage_two)
    calibration = None if residual is None else residual(cells)
    return estimate_cells(cells, kind, policy, method, level, calibration)


def _first_stage_factor(cells: Cells) -> FloatArray:
    """``1 − f_h`` per stratum, ``n_h`` counting the PSUs in the design."""
    return psu_counts_and_factor(cells)[1]


def estimate_cells(
    cells: Cells,
    kind: Kind,
    policy: LonelyPsu,
    method: CiMethod,
    level: float,
    residual: CalibrationResidual | None = None,
    second_stage: Callable[[DomainEstimates], FloatArray] | None = None,
) -> list[Result]:
    """The whole chain on integer-coded cells, vectorised across domains.

    ``residual``: the cells carry calibrated weights; scores become calibration residuals.
    ``second_stage``: a two-stage design's second-stage variance per domain.
    """
    domains = domain_estimates(cells, kind)
    variance = domain_variance(cells, kind, policy, domains, residual)
    if second_stage is not None:
        variance = variance + second_stage(domains)
    # R keeps every row of a calibrated design in a subset (weight 0): nrow() counts them all
    nrow = None if residual is None else np.full(cells.n_domains, float(residual.n_rows))
    precision = Precision.of(cells, kind, domains, variance, method, level, nrow)
    return [
        _result(kind, precision, domains, python_label(cells.domain_labels[d]), int(d))
        for d in np.flatnonzero(domains.n > 0)
    ]


@dataclass(frozen=True)
class DomainEstimates:
    """Per-domain sums and point estimates, and which cells hold the domain's answers."""

    answered: BoolArray
    rows: FloatArray
    n: FloatArray
    sum_w: FloatArray
    sum_wx: FloatArray
    estimate: FloatArray
    base: FloatArray
    population: FloatArray


def domain_estimates(cells: Cells, kind: Kind) -> DomainEstimates:
    """Sum the in-domain cells per domain and estimate where a domain has an answer."""
    inside = cells.in_domain
    answered = inside & (cells.n > 0)
    domain, n_domains = cells.domain[answered], cells.n_domains
    n = domain_sums(cells.n[answered], domain, n_domains)
    if not np.any(n > 0):
        raise ScoringError("no rows with a value: every domain is empty")
    sum_w, sum_wy, sum_wx = (
        domain_sums(column[answered], domain, n_domains)
        for column in (cells.sw, cells.swy, cells.swx)
    )
    keep = n > 0
    estimate = np.zeros(n_domains)
    estimate[keep] = point_estimates(kind, sum_w[keep], sum_wy[keep], sum_wx[keep])
    return DomainEstimates(
        answered=answered,
        rows=domain_sums(cells.rows[inside], cells.domain[inside], n_domains),
        n=n,
        sum_w=sum_w,
        sum_wx=sum_wx,
        estimate=estimate,
        # Person-level (member) and ratio estimates are over Σwx; the population is Σw·size.
        base=sum_wx if kind.over_denominator else sum_w,
        population=sum_wx if kind is Kind.MEMBER_PROPORTION else sum_w,
    )


def domain_variance(
    cells: Cells,
    kind: Kind,
    policy: LonelyPsu,
    domains: DomainEstimates,
    residual: CalibrationResidual | None = None,
) -> FloatArray:
    """Linearisation variance per domain over the cells with answers (R na.rm subsets).

    With ``residual`` the scores are the calibration residuals (R ``svyrecvar`` on a
    calibrated design, docs/design.md §9), one total per PSU and domain.
    """
    n_h, factor = psu_counts_and_factor(cells)
    a = domains.answered
    domain = cells.domain[a]
    z = cell_scores(
        kind,
        cells.sw[a],
        cells.swy[a],
        cells.swx[a],
        domains.estimate[domain],
        domains.base[domain],
    )
    pairs = DomainStrata.of(domain, cells.stratum[a], cells.n_strata)
    if residual is not None:
        z, pairs = residual.scores(kind, domains.estimate, domains.base, z, cells.psu[a], domain)
    check_fail_policy(policy, sorted_unique(pairs.stratum), n_h, factor, cells.stratum_labels)
    return design_variance(z, pairs, n_h, factor, policy, cells.n_domains)


@dataclass(frozen=True)
class Precision:
    """Per domain: se, df, deff, cv, the interval and the effective size."""

    se: FloatArray
    df: IntArray
    deff: FloatArray
    cv: FloatArray
    low: FloatArray
    high: FloatArray
    n_eff: FloatArray
    width: FloatArray | None
    method: CiMethod
    level: float

    @classmethod
    def of(
        cls,
        cells: Cells,
        kind: Kind,
        domains: DomainEstimates,
        variance: FloatArray,
        method: CiMethod,
        level: float,
        nrow: FloatArray | None = None,
    ) -> Precision:
        """se, df, deff and cv, then the interval ``method`` allows for ``kind``.

        ``nrow`` (default: the domain's rows) is Korn–Graubard's R ``nrow(design)``.
        """
        est, se = domains.estimate, np.sqrt(variance)
        inside = cells.in_domain_df
        df = degrees_of_freedom(
            cells.domain[inside], cells.stratum[inside], cells.n_strata, cells.n_domains
        )
        deff = _design_effect(cells, kind, domains, variance)
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = se / np.abs(est)
        n, nrow = domains.n, domains.rows if nrow is None else nrow
        if kind.is_proportion:
            low, high = proportion_interval(method, est, se, df, n, level, nrow)
            n_eff = effective_sizes(est, se, n)
            width = korn_graubard_widths(est, n_eff, df, nrow)
            return cls(se, df, deff, cv, low, high, n_eff, width, method, level)
        low, high = mean_interval(est, se, df, level)
        with np.errstate(divide="ignore", invalid="ignore"):
            n_eff = n / deff
        return cls(se, df, deff, cv, low, high, n_eff, None, CiMethod.WALD, level)

    def verdict(self, kind: Kind, estimate: float, d: int) -> Assessment:
        """The reliability rules of ``kind`` for domain ``d``."""
        if self.width is not None:
            return proportion_reliability(
                estimate, float(self.n_eff[d]), float(self.width[d]), int(self.df[d])
            )
        cv = self.cv[d]
        return cv_reliability(
            None if np.isnan(cv) else float(cv), _number(self.se[d]), int(self.df[d])
        )


def _design_effect(
    cells: Cells, kind: Kind, domains: DomainEstimates, variance: FloatArray
) -> FloatArray:
    """R's ``deff = "replace"`` per domain (``design_effect.py``)."""
    a = domains.answered
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = domains.estimate if kind is not Kind.TOTAL else domains.estimate / domains.sum_w
    squares = residual_squares(
        kind,
        centre,
        (cells.sw[a], cells.swy[a], cells.swx[a]),
        cells.spread.take(a),
        cells.domain[a],
        cells.n_domains,
    )
    return design_effect(kind, variance, domains.n, domains.population, domains.sum_wx, squares)


def _result(kind: Kind, p: Precision, domains: DomainEstimates, label: object, d: int) -> Result:
    estimate = float(domains.estimate[d])
    verdict = p.verdict(kind, estimate, d)
    return Result(
        domain=label,
        estimate=estimate,
        se=_number(p.se[d]),
        ci_low=_number(p.low[d]),
        ci_high=_number(p.high[d]),
        df=int(p.df[d]),
        deff=_number(p.deff[d]),
        n=round(float(domains.n[d])),
        n_eff=_number(p.n_eff[d]),
        population=float(domains.population[d]),
        cv=_number(p.cv[d]),
        reliability=verdict.status.value,
        reliability_reasons=verdict.reasons,
        ci_method=p.method.value,
        level=p.level,
    )


def _number(value: float) -> float | None:
    """A finite float, or ``None`` for NaN/inf (no NaN leaks into a Result)."""
    return float(value) if np.isfinite(value) else None
