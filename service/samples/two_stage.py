"""A sample round estimated as a two-stage design (`design.stages = 2`, docs/design.md §8).

R `svydesign(ids = ~psu + unit, strata = ~stratum, fpc = ~psu_prob + unit_prob, weights = ~w,
nest = TRUE)`: the first-stage fraction of a stratum is its PSUs' `psu_prob` (n_h/N_h, an
equal-probability draw of PSUs), the second stage's of a PSU its units' `unit_prob` (m_j/M_j),
each completed unit its own SSU. A certainty PSU (`psu_prob = 1`) is its own stratum, a census at
stage 1 whose units are the second stage. The cells keep each unit's squared weight and
w²-moments (service/cells/contributions.py), so the estimate stays O(cells).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from catalogue import Indicator, IndicatorKind
from scoring import Result, SecondStageTotals, estimate_from_totals
from service.cells.contributions import SQUARED_WEIGHT, moment_field
from service.cells.sums import CellSums, psu_totals
from service.domain.errors import invalid
from service.domain.estimator import Estimator
from service.samples.design import PsuSelection

SampleKey = tuple[str, str]  # (stratum, psu): a cell's variance keys, or a sample PSU's
STAGES_FIELD = "design.stages"
NOT_TWO_STAGE = "The round's sample does not fit a two-stage design."


def two_stage_refusal(message: str) -> Exception:
    """422 naming the design member (every refusal of a two-stage estimate)."""
    return invalid({STAGES_FIELD: [message]}, NOT_TWO_STAGE)


@dataclass(frozen=True)
class TwoStageCells:
    """A round's cell sums as the two stages see them: per entry its first-stage stratum and
    PSU and its PSU's second-stage fraction; per stratum the first-stage fraction."""

    sums: CellSums
    stratum: list[str]
    psu: list[str]
    fraction: list[float]
    first_stage: dict[object, float]  # stratum label → psu_prob

    @classmethod
    def of(
        cls,
        sums: CellSums,
        sample_psu: Callable[[str, str], SampleKey | None],
        selections: Mapping[SampleKey, PsuSelection],
    ) -> TwoStageCells:
        """Each entry's sample PSU and its draw, or 422 where the sample is not two-stage."""
        stratum, psu, fraction = [], [], []
        first_stage: dict[object, float] = {}
        for cell_stratum, cell_psu in zip(sums.stratum, sums.psu, strict=True):
            key = sample_psu(cell_stratum, cell_psu)
            if key is None or key not in selections:
                raise two_stage_refusal(f"PSU {cell_psu} is not in the round's sample.")
            selection = selections[key]
            if len(selection.unit_probs) != 1:
                raise two_stage_refusal(
                    f"The units of PSU {key[1]} have different unit_prob: the second stage "
                    "reads it as the PSU's sampling fraction m_j/M_j."
                )
            # a certainty PSU's cells carry it as their stratum (samples/design.sampling_of)
            known = first_stage.setdefault(cell_stratum, selection.psu_prob)
            if known != selection.psu_prob:
                raise two_stage_refusal(
                    f"The PSUs of stratum {cell_stratum} have different psu_prob ({known:g}, "
                    f"{selection.psu_prob:g}): the first stage reads it as the stratum's "
                    "sampling fraction n_h/N_h."
                )
            stratum.append(cell_stratum)
            psu.append(key[1])
            fraction.append(next(iter(selection.unit_probs)))
        return cls(sums, stratum, psu, fraction, first_stage)

    def estimator(self) -> Callable[[Indicator], Estimator]:
        """For each indicator, the engine call with the second stage."""

        def for_indicator(indicator: Indicator) -> Estimator:
            totals = replace(psu_totals(self.sums, indicator), stratum=self.stratum, psu=self.psu)
            second = self.second_stage(indicator)

            def estimate(kind: Any, *, fpc: Any, **options: Any) -> list[Result]:
                del fpc  # a two-stage round has none (schemas.rounds.check_stages)
                return estimate_from_totals(
                    totals, kind, fpc=self.first_stage, second_stage=second, **options
                )

            return estimate

        return for_indicator

    def second_stage(self, indicator: Indicator) -> SecondStageTotals:
        """The squared-weight sums of one indicator (scoring.SecondStageTotals's columns)."""
        moments = self.sums.moments

        def moment(name: str) -> Any:
            return moments[moment_field(indicator.id, name)]

        match indicator.kind:
            case IndicatorKind.MEMBER_PROPORTION:  # y: count, x: size
                yy, xy, xx = moment("wwyy"), moment("wwxy"), moment("wwxx")
            case IndicatorKind.MEAN:  # x = 1
                yy, xy, xx = moment("wwyy"), moment("wwy"), moments[SQUARED_WEIGHT]
            case IndicatorKind.PROPORTION:  # y² = y, x = 1
                yy, xy, xx = moment("wwy"), moment("wwy"), moments[SQUARED_WEIGHT]
        return SecondStageTotals(
            units=self.sums.rows, swwyy=yy, swwxy=xy, swwxx=xx, fraction=self.fraction
        )
