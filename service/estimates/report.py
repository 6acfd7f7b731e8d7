"""Estimates for a round, shaped as the API answers them: reliability, targets, domains."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from typing import Any

from catalogue import Indicator, TargetStatus
from catalogue.targets import target_source
from scoring import (
    RESULT_FIELDS,
    CiMethod,
    LonelyPsuError,
    Reliability,
    Result,
    ScoringError,
    estimate_from_totals,
)
from scoring.reliability import Reason
from service.cells.sums import CellSums, psu_totals
from service.domain.estimator import Estimator
from service.domain.round import Design, Round
from service.rounds.design import describe, fpc_problems, sampled_psus
from service.store.clock import utc_now

# The engine's result fields, as the API shows them: the CI method and level once per indicator
# block, the domain as {by: value}; a target verdict is added per result.
BLOCK_FIELDS = ("ci_method", "level")
VERDICT_FIELDS = ("domain", "reliability", "reliability_reasons")
RESULT_VALUE_FIELDS = tuple(f for f in RESULT_FIELDS if f not in BLOCK_FIELDS + VERDICT_FIELDS)
EMPTY_RESULT: dict[str, Any] = dict.fromkeys(RESULT_VALUE_FIELDS) | {"n": 0}
LONELY_PSU_REASON = "lonely_psu"  # the round's policy is `fail` and a stratum has one PSU
FPC_REASON = "fpc"  # the design's fpc does not fit the data (service/rounds/design.py)


def target_status(
    result: dict[str, Any], value: float | None, source: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """met when the whole CI clears the target, not_met when it lies below, else uncertain.

    A suppressed estimate is always `uncertain`: it is too unreliable to call either way.
    """
    if value is None:
        return None
    low, high = result.get("ci_low"), result.get("ci_high")
    if result["reliability"] == Reliability.SUPPRESS or low is None or high is None:
        status = TargetStatus.UNCERTAIN
    elif low >= value:
        status = TargetStatus.MET
    elif high < value:
        status = TargetStatus.NOT_MET
    else:
        status = TargetStatus.UNCERTAIN
    return {"value": value, "status": status} | ({"source": source} if source else {})


def round_target_source(survey_round: Round, indicator_id: str, value: float) -> Any:
    """The register entry a round's target comes from (or `set_for_round`); none for a round
    stored without a period."""
    if survey_round.start is None:
        return None
    return target_source(
        indicator_id, value, survey_round.geography, survey_round.coverage, survey_round.start.year
    )


def _shaped(result: Result, by: str | None) -> dict[str, Any]:
    fields = asdict(result)
    for name in BLOCK_FIELDS:
        fields.pop(name)
    fields["domain"] = None if by is None else {by: result.domain}
    fields["reliability_reasons"] = list(result.reliability_reasons)
    return fields


def _unavailable(
    domains: list[str | None], by: str | None, reason: str, detail: str | None = None
) -> list[dict[str, Any]]:
    """Suppressed placeholders; `detail` says why there is no estimate (docs/design.md §3)."""
    return [
        {
            **EMPTY_RESULT,
            "domain": None if by is None else {by: domain},
            "reliability": Reliability.SUPPRESS,
            "reliability_reasons": [reason],
        }
        | ({"detail": detail} if detail else {})
        for domain in domains
    ]


def input_weight_estimator(cells: CellSums) -> Callable[[Indicator], Estimator]:
    """Estimates on the cells' own weights (no calibration)."""
    return lambda indicator: partial(estimate_from_totals, psu_totals(cells, indicator))


def indicator_results(
    cells: CellSums,
    indicator: Indicator,
    design: Design,
    by: str | None,
    ci: str,
    level: float,
    estimator: Callable[[Indicator], Estimator] | None = None,
) -> list[dict[str, Any]]:
    """One result per domain; suppressed placeholders where the engine cannot estimate."""
    if cells.n_submissions == 0:
        return _unavailable([None] if by is None else [], by, Reason.N_EFF)
    domains: list[str | None] = [None]
    if by:
        domains = [*sorted({d for d in cells.domain if d is not None})]
    fpc_misfit = fpc_problems(design.fpc, sampled_psus(cells))
    if fpc_misfit:
        return _unavailable(domains, by, FPC_REASON, describe(fpc_misfit))
    try:
        estimate = (estimator or input_weight_estimator(cells))(indicator)
        computed = estimate(
            indicator.kind,
            fpc=design.fpc,
            lonely_psu=design.lonely_psu,
            ci=ci,
            level=level,
        )
    except LonelyPsuError as exc:
        return _unavailable(domains, by, LONELY_PSU_REASON, str(exc))
    except ScoringError as exc:  # e.g. no persons 15+ at all for a person-level rate
        return _unavailable(domains, by, Reason.N_EFF, str(exc))
    return [_shaped(result, by) for result in computed]


def indicator_block(
    cells: CellSums,
    indicator: Indicator,
    survey_round: Round,
    by: str | None,
    ci: str,
    level: float,
    estimator: Callable[[Indicator], Estimator] | None = None,
) -> dict[str, Any]:
    results = indicator_results(cells, indicator, survey_round.design, by, ci, level, estimator)
    target = survey_round.targets.get(indicator.id)
    source = None if target is None else round_target_source(survey_round, indicator.id, target)
    for result in results:
        result["target"] = target_status(result, target, source)
    return {
        "indicator": indicator.id,
        "unit": indicator.unit,
        "by": by,
        "ci_method": ci if indicator.is_rate else CiMethod.WALD,
        "level": level,
        "results": results,
    }


def estimates_report(
    survey_round: Round,
    data_version: int,
    cells: CellSums,
    indicators: list[Indicator],
    by: str | None,
    ci: str,
    level: float,
    weighting: dict[str, Any] | None = None,
    estimator: Callable[[Indicator], Estimator] | None = None,
) -> dict[str, Any]:
    report = {
        "round_id": survey_round.id,
        "data_version": data_version,
        "computed_at": utc_now(),
        "n_submissions": cells.n_submissions,
        "estimates": [
            indicator_block(cells, indicator, survey_round, by, ci, level, estimator)
            for indicator in indicators
        ],
    }
    return report if weighting is None else {**report, "weighting": weighting}
