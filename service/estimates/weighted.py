"""The estimates report under a round's weighting (docs/design.md §9)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from catalogue import Indicator
from schemas.weighting import WeightingMode
from service.cells.domains import Domain
from service.cells.sums import cell_sums
from service.domain.round import Round
from service.estimates.report import estimates_report
from service.samples.two_stage import TwoStageCells, two_stage_refusal
from service.weighting.applied import weighted_cells
from service.weighting.calibrated import calibrated_estimator
from service.weighting.nonresponse import SampleOutcomes


def weighted_report(
    survey_round: Round,
    version: int,
    cells: Sequence[dict[str, Any]],
    indicators: list[Indicator],
    query: dict[str, Any],
    mode: WeightingMode,
    outcomes: SampleOutcomes | None,
    domain: Domain | None,
) -> dict[str, Any]:
    """Estimates on the (non-response adjusted) cells, or calibrated from their unit classes;
    a two-stage round's with its second stage (service/samples/two_stage.py).

    A round without submissions has nothing to calibrate: its results are empty either way.
    """
    by = query["by"]
    weighted = weighted_cells(survey_round, cells, indicators, domain, mode, outcomes)
    options = (by, query["ci"], query["level"], weighted.block)
    if survey_round.design.two_stage:
        if outcomes is None:
            raise two_stage_refusal(
                "A two-stage design needs the round's sample (psu_prob, unit_prob)."
            )
        sums = cell_sums(survey_round.instrument, weighted.cells, indicators, domain, squared=True)
        stages = TwoStageCells.of(sums, outcomes.sample_psu, outcomes.selections)
        return estimates_report(
            survey_round, version, sums, indicators, *options, stages.estimator()
        )
    if weighted.calibration is None:
        sums = cell_sums(survey_round.instrument, weighted.cells, indicators, domain)
        return estimates_report(survey_round, version, sums, indicators, *options)
    estimator = calibrated_estimator(weighted.calibration)
    rows = weighted.calibration.rows
    return estimates_report(survey_round, version, rows, indicators, *options, estimator)
