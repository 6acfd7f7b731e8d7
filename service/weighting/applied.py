"""A round's cells under the weighting an answer applies (docs/design.md §9): the non-response
step, then calibration, and the `weighting` block that says which steps were applied. Shared by
the estimates and the change between rounds (§10), so both weight a round the same way."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from catalogue import Indicator
from schemas.weighting import WeightingMode
from service.cells.domains import Domain
from service.cells.reading import read_cells
from service.domain.round import Round
from service.rounds.weighting import numeric_variables, weighting_block
from service.store import Store
from service.weighting.calibrated import CalibratedCells, calibrated_cells
from service.weighting.nonresponse import SampleOutcomes, adjusted_cells, outcomes_at
from service.weighting.units import unit_cells_at


@dataclass(frozen=True)
class RoundData:
    """What a weighted answer reads from the store for one round."""

    survey_round: Round
    head: dict[str, Any]
    cells: list[dict[str, Any]]
    outcomes: SampleOutcomes | None  # the sample's outcomes (None: no sample)


def read_round(store: Store, survey_round: Round, version: int) -> RoundData:
    """The round's cells and sample outcomes at `version`, read on the event loop (the store's
    sockets belong to it); the weighting and the engine then run off it."""
    head, cells = read_cells(store, survey_round.id)
    numeric = numeric_variables(survey_round)
    if numeric and cells:
        cells = unit_cells_at(store, survey_round.id, version, numeric)
    return RoundData(survey_round, head, cells, outcomes_at(store, survey_round, version))


@dataclass(frozen=True)
class WeightedCells:
    """A round's cells after the non-response step, calibrated when the mode says so."""

    cells: Sequence[dict[str, Any]]  # the non-response adjusted cells
    block: dict[str, Any]  # the answer's `weighting` block
    calibration: CalibratedCells | None  # None: not calibrated, or no cell to calibrate


def weighted_cells(
    survey_round: Round,
    cells: Sequence[dict[str, Any]],
    indicators: Sequence[Indicator],
    domain: Domain | None,
    mode: WeightingMode,
    outcomes: SampleOutcomes | None,
) -> WeightedCells:
    """The round's cells under `mode` (422 naming the margin when calibration cannot be done).

    `outcomes`: the round's sample outcomes (`nonresponse.outcomes_at`, read on the event loop
    with the cells; None without a sample). A round without submissions has nothing to
    calibrate: it is answered on its cells as is.
    """
    adjusted = adjusted_cells(survey_round, cells, mode, outcomes)
    block = weighting_block(survey_round, mode, adjusted.classes, adjusted.provisional)
    calibration = None
    if mode is WeightingMode.CALIBRATED and adjusted.cells:
        calibration = calibrated_cells(survey_round, adjusted.cells, indicators, domain)
    return WeightedCells(adjusted.cells, block, calibration)
