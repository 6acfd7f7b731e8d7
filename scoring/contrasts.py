"""Change between two rounds: ``to − from`` per domain, with its design-based precision.

R (survey 4.1-1), on the stacked design of :mod:`scoring.stacking` (docs/design.md §10)::

    b <- svyby(~y, ~round + domain, stack, svymean | svyratio, covmat = TRUE)
    svycontrast(b, to − from)

``svyby(covmat = TRUE)`` takes each (round, domain) estimate's influence function over the
stack's rows (zero outside the group) and ``svyrecvar`` of their matrix; the contrast's
variance ``c'Vc`` is therefore ``svyrecvar`` of the difference of the two influence
functions. Per PSU j of stratum h of the stack and domain d::

    D_hj = Z_hj(to) − Z_hj(from)
    V_d  = Σ_h (1 − f_h) · n_h / (n_h − 1) · Σ_j (D_hj − D̄_h)²      (R svyrecvar/onestrat)

with ``Z_hj`` a round's PSU score total (:mod:`scoring.linearize`), ``n_h`` the stack's PSUs
in h (a revisited PSU counts once) and the lonely-PSU policy of the ``to`` round.
``df`` = R ``degf`` of the stack restricted to the domain; the interval is
``difference ± t_df · se`` and the p-value two-sided from ``t_df``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

from scoring.arrays import BoolArray, FloatArray, IntArray, weighted_bincount
from scoring.calibrated_rounds import CalibratedRound, residual_correction
from scoring.codes import python_label
from scoring.domains import WHOLE_POPULATION, DomainStrata, degrees_of_freedom, domain_sums
from scoring.errors import ScoringError
from scoring.estimands import Kind, point_estimates
from scoring.intervals import check_level, mean_interval
from scoring.linearize import cell_scores
from scoring.lonely_psu import (
    CENSUS_TOLERANCE,
    LonelyPsu,
    average_over_strata,
    check_fail_policy,
)
from scoring.stacking import Pairing, RoundTotals, StackedCells, stack_rounds
from scoring.variance import psu_counts_and_factor, stratum_contributions

MISSING_IN_ROUND = "missing_in_round"
CHANGE_FIELDS = (
    "from_estimate",
    "to_estimate",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "p_value",
    "significant",
    "reason",
)
"""A change's fields in the order of every tabular output (after its domain)."""


@dataclass(frozen=True)
class Change:
    """The change ``to − from`` in one domain; undefined quantities are ``None``.

    A domain with units in one round only has ``difference`` ``None`` and
    ``reason = "missing_in_round"``. ``significant``: the interval excludes 0.
    """

    domain: object | None
    from_estimate: float | None
    to_estimate: float | None
    difference: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    df: int | None
    p_value: float | None
    significant: bool | None
    level: float
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class RoundEstimates:
    """Per round (axis 0: from, to) and domain: units, estimate and score denominator."""

    n: FloatArray
    estimate: FloatArray
    base: FloatArray


Round = RoundTotals | CalibratedRound
"""A round's cells: as they are, or with the round's calibration (docs/design.md §9)."""


def change_from_totals(
    from_round: Round,
    to_round: Round,
    kind: str | Kind,
    pairing: str | Pairing = Pairing.INDEPENDENT,
    lonely_psu: str | LonelyPsu = LonelyPsu.ADJUST,
    level: float = 0.95,
) -> list[Change]:
    """The change per domain from both rounds' per-PSU × domain sufficient statistics.

    ``lonely_psu`` is the ``to`` round's policy; domains are matched by label. A
    :class:`CalibratedRound` enters with its calibrated weights and residualised scores.
    """
    kind, policy = Kind.parse(kind), LonelyPsu.parse(lonely_psu)
    level = check_level(level)
    stack = stack_rounds((_plain(from_round), _plain(to_round)), pairing)
    calibrations = (_calibration(from_round), _calibration(to_round))
    return change_cells(stack, kind, policy, level, calibrations)


def _plain(r: Round) -> RoundTotals:
    """A round's cells under its final weights (calibrated or not)."""
    return r.round_totals() if isinstance(r, CalibratedRound) else r


def _calibration(r: Round) -> CalibratedRound | None:
    return r if isinstance(r, CalibratedRound) else None


def change_cells(
    stack: StackedCells,
    kind: Kind,
    policy: LonelyPsu,
    level: float,
    calibrations: tuple[CalibratedRound | None, CalibratedRound | None] = (None, None),
) -> list[Change]:
    """The whole chain on stacked cells, vectorised across domains."""
    n_h, factor = psu_counts_and_factor(stack)
    check_fail_policy(policy, np.flatnonzero(n_h), n_h, factor, stack.stratum_labels)

    # a domain's df counts its units with or without a value (R degf of the domain, na.rm
    # inside the estimate) but not of weight 0; its estimate and variance use the units with
    # a value
    reached = stack.in_domain_df
    psu_domain = np.unique(stack.psu[reached] * np.int64(stack.n_domains) + stack.domain[reached])
    psu = psu_domain // stack.n_domains
    psu_stratum = np.zeros(int(stack.psu.max()) + 1, dtype=np.int64)
    psu_stratum[stack.psu] = stack.stratum
    df = degrees_of_freedom(
        psu_domain % stack.n_domains, psu_stratum[psu], stack.n_strata, stack.n_domains
    )
    inside = reached & (stack.n > 0)
    rounds = round_estimates(stack, inside, kind)
    if not rounds.n.any():
        raise ScoringError("no rows with a value: every domain is empty")
    z = signed_scores(stack, inside, kind, rounds)
    members = PsuDomainScores.of(stack, inside, z)
    pairs = DomainStrata.of(members.domain, members.stratum, stack.n_strata)
    scores = members
    if any(c is not None for c in calibrations):
        scores = members.residualised(stack, _corrections(stack, calibrations, kind, rounds))
        pairs = DomainStrata.of(scores.domain, scores.stratum, stack.n_strata)
    variance = stacked_variance(scores.score, pairs, n_h, factor, policy, stack.n_domains)
    difference = rounds.estimate[1] - rounds.estimate[0]
    return _changes(stack, rounds, difference, np.sqrt(variance), df, level)


def round_estimates(stack: StackedCells, inside: BoolArray, kind: Kind) -> RoundEstimates:
    """Each round's domain estimates (R ``svymean``/``svyratio`` per group of ``svyby``)."""
    domains = stack.n_domains
    group = stack.round[inside] * domains + stack.domain[inside]

    def sums(values: FloatArray) -> FloatArray:
        return domain_sums(values[inside], group, 2 * domains).reshape(2, domains)

    n, sum_w, sum_wy, sum_wx = sums(stack.n), sums(stack.sw), sums(stack.swy), sums(stack.swx)
    keep = n > 0
    estimate = np.zeros((2, domains))
    estimate[keep] = point_estimates(kind, sum_w[keep], sum_wy[keep], sum_wx[keep])
    base = sum_wx if kind.over_denominator else sum_w
    return RoundEstimates(n=n, estimate=estimate, base=base)


def signed_scores(
    stack: StackedCells, inside: BoolArray, kind: Kind, rounds: RoundEstimates
) -> FloatArray:
    """Each in-domain cell's score total, + in the ``to`` round and − in ``from``.

    The contrast ``to − from`` of ``svycontrast`` applied to the influence functions.
    """
    r, d = stack.round[inside], stack.domain[inside]
    z = cell_scores(
        kind,
        stack.sw[inside],
        stack.swy[inside],
        stack.swx[inside],
        rounds.estimate[r, d],
        rounds.base[r, d],
    )
    return np.where(r == 1, z, -z)


@dataclass(frozen=True)
class PsuDomainScores:
    """The difference's score total ``D_hj`` per (stack PSU, domain) with a domain member."""

    psu: IntArray
    stratum: IntArray
    domain: IntArray
    score: FloatArray

    @classmethod
    def of(cls, stack: StackedCells, inside: BoolArray, z: FloatArray) -> PsuDomainScores:
        """Sum the cells' signed scores per PSU of the stack and domain."""
        width = np.int64(stack.n_domains)
        key = stack.psu[inside] * width + stack.domain[inside]
        keys, index = np.unique(key, return_inverse=True)
        psu = keys // width
        first = np.unique(index, return_index=True)[1]
        return cls(
            psu=psu,
            stratum=stack.stratum[inside][first],
            domain=keys % width,
            score=weighted_bincount(index, weights=z, minlength=keys.shape[0]),
        )

    def residualised(self, stack: StackedCells, correction: FloatArray) -> PsuDomainScores:
        """Every PSU × domain of the stack with ``D_hj`` minus the calibration ``correction``.

        Outside a domain a unit's score is 0 but its residual is not, so every PSU of a
        calibrated round gets a total in every domain (R ``svyrecvar`` on ``qr.resid``).
        """
        n_psus, n_domains = correction.shape
        dense = -correction
        np.add.at(dense, (self.psu, self.domain), self.score)
        psu_stratum = np.zeros(n_psus, dtype=np.int64)
        psu_stratum[stack.psu] = stack.stratum
        psu = np.repeat(np.arange(n_psus), n_domains)
        return PsuDomainScores(
            psu=psu,
            stratum=psu_stratum[psu],
            domain=np.tile(np.arange(n_domains), n_psus),
            score=dense.ravel(),
        )


def _corrections(
    stack: StackedCells,
    calibrations: tuple[CalibratedRound | None, CalibratedRound | None],
    kind: Kind,
    rounds: RoundEstimates,
) -> FloatArray:
    """The calibrated rounds' residual corrections, signed as the contrast ``to − from``."""
    total = np.zeros((int(stack.psu.max()) + 1, stack.n_domains))
    for which, (calibration, sign) in enumerate(zip(calibrations, (-1, 1), strict=True)):
        if calibration is not None:
            estimate, base = rounds.estimate[which], rounds.base[which]
            total += sign * residual_correction(calibration, stack, which, kind, estimate, base)
    return total


def stacked_variance(
    score: FloatArray,
    pairs: DomainStrata,
    n_h: IntArray,
    factor: FloatArray,
    policy: LonelyPsu,
    n_domains: int,
) -> FloatArray:
    """``V_d`` of the module docstring for every domain.

    ``average`` as ``svyby(covmat = TRUE)`` has it: ``svyrecvar`` runs over every stratum
    of the stack, so the sum is scaled by the stack's strata over its strata with a
    variance (not by the domain's, as a single ``svymean`` on a subset is).
    """
    term = stratum_contributions(score, pairs, n_h, factor, policy)
    known = ~np.isnan(term)
    variance = weighted_bincount(
        pairs.domain, weights=np.where(known, term, 0.0), minlength=n_domains
    )
    if policy is not LonelyPsu.AVERAGE:
        return variance
    present = n_h > 0
    with_variance = present & ((n_h > 1) | (factor < CENSUS_TOLERANCE))
    return average_over_strata(variance, int(np.sum(present)), int(np.sum(with_variance)))


def _changes(
    stack: StackedCells,
    rounds: RoundEstimates,
    difference: FloatArray,
    se: FloatArray,
    df: IntArray,
    level: float,
) -> list[Change]:
    low, high = mean_interval(difference, se, df, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.abs(difference) / se
        p_value = np.where(df > 0, 2 * stats.t.sf(statistic, np.maximum(df, 1)), np.nan)
    out = []
    significant = (low > 0) | (high < 0)
    for d in np.flatnonzero((rounds.n[0] > 0) | (rounds.n[1] > 0)).tolist():
        from_estimate = _present(rounds, 0, d)
        to_estimate = _present(rounds, 1, d)
        label = python_label(stack.domain_labels[d])
        domain = None if label == WHOLE_POPULATION else label
        if from_estimate is None or to_estimate is None:
            out.append(_missing(domain, from_estimate, to_estimate, level))
            continue
        ci_low, ci_high = _number(low[d]), _number(high[d])
        out.append(
            Change(
                domain=domain,
                from_estimate=from_estimate,
                to_estimate=to_estimate,
                difference=float(difference[d]),
                se=_number(se[d]),
                ci_low=ci_low,
                ci_high=ci_high,
                df=int(df[d]),
                p_value=_number(p_value[d]),
                significant=None if ci_low is None else bool(significant[d]),
                level=level,
            )
        )
    return out


def _missing(
    domain: object, from_estimate: float | None, to_estimate: float | None, level: float
) -> Change:
    return Change(
        domain=domain,
        from_estimate=from_estimate,
        to_estimate=to_estimate,
        difference=None,
        se=None,
        ci_low=None,
        ci_high=None,
        df=None,
        p_value=None,
        significant=None,
        level=level,
        reason=MISSING_IN_ROUND,
    )


def _present(rounds: RoundEstimates, r: int, d: int) -> float | None:
    return float(rounds.estimate[r, d]) if rounds.n[r, d] > 0 else None


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
