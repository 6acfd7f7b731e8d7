"""Non-response adjustment of a sample round's cells (docs/design.md §9, §9b).

Every completed unit of a PSU gets the same factor (its class's `A_c · B_c`, classes being
PSUs, strata or the whole round), so the adjusted cells are the round's cells with `w` and
every weighted moment of each PSU multiplied by that PSU's factor: estimates stay O(cells).
The factors come from the assignments (per sample PSU × outcome, the unit count and Σd), read
in one `$group`: O(assignments), the sample's size, never the submissions. They are read by
`read_outcomes` where the cells are read (on the event loop: the store's sockets belong to it);
everything after is pure computation, which the estimates run off the loop.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from schemas.weighting import WeightingMode
from scoring import ScoringError
from scoring.weights import Adjustment, ClassKind, NonresponseSpec, Outcome, OutcomeSums, adjust
from service.caching import ByteBoundedCache, caches_of
from service.cells.contributions import reweighted
from service.domain.cells import CellKey
from service.domain.errors import invalid
from service.domain.round import Round
from service.rounds.weighting import configured
from service.samples.design import PsuSelection, is_certainty
from service.samples.status import PENDING, status_from
from service.store import Store

VarianceKey = tuple[str, str]  # (stratum, psu) as the variance design and the cells see them


@dataclass(frozen=True)
class AdjustedCells:
    """A round's cells under the non-response step an estimate applies."""

    cells: Sequence[dict[str, Any]]
    classes: ClassKind | None  # the classes applied (None: the input weights)
    provisional: bool  # fieldwork open with pending assignments
    adjustment: Adjustment | None  # the factors, classes and warnings (None: not applied)


@dataclass(frozen=True)
class SampleOutcomes:
    """What a sample round's assignments say for the non-response step."""

    sums: OutcomeSums  # per sample PSU × outcome: units and Σd (pending left out while open)
    psus: dict[VarianceKey, VarianceKey]  # a PSU's cells' (stratum, psu) → (stratum, psu)
    certain: dict[str, VarianceKey]  # a certainty PSU's variance stratum → (stratum, psu)
    provisional: bool  # the round is open and some assignment is pending
    n_units: int  # every sampled unit
    sum_input: float  # Σd over every sampled unit
    selections: dict[VarianceKey, PsuSelection]  # per sample PSU, how it and its units were drawn

    def sample_psu(self, stratum: str, psu: str) -> VarianceKey | None:
        """The sample PSU of a cell's (variance stratum, variance PSU): a certainty PSU's
        cells carry the PSU as their stratum and a unit as their PSU (docs/design.md §8)."""
        return self.psus.get((stratum, psu)) or self.certain.get(stratum)


def final_status(rank: int, closed: str | None, fieldwork_open: bool) -> str | None:
    """The outcome the weighting sees: a pending unit is left out (None) while the round is
    open and is of unknown eligibility (`not_found`) once it is closed."""
    status = status_from(rank, closed)
    if status != PENDING:
        return status
    return None if fieldwork_open else Outcome.NOT_FOUND


def read_outcomes(store: Store, survey_round: Round) -> SampleOutcomes | None:
    """Each assignment's status summed per sample PSU × outcome (count, Σd); None for a round
    without a sample."""
    if not survey_round.has_sample:
        return None
    fieldwork_open = survey_round.is_open
    sums: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    psus: dict[VarianceKey, VarianceKey] = {}
    certain: dict[str, VarianceKey] = {}
    pending, n_units, sum_input = False, 0, 0.0
    selections: dict[VarianceKey, PsuSelection] = {}
    for group in store.assignments.outcomes_by_psu(survey_round.id):
        psu = (group["stratum"], group["psu"])
        selections[psu] = PsuSelection(group["psu_prob"], frozenset(group["unit_prob"]))
        if is_certainty(group):
            certain[group["variance_stratum"]] = psu
        else:
            psus[(group["variance_stratum"], group["psu"])] = psu
        for rank, closed, d in zip(group["ranks"], group["closed"], group["d"], strict=True):
            n_units, sum_input = n_units + 1, sum_input + d
            status = final_status(rank, closed, fieldwork_open)
            if status is None:
                pending = True
                continue
            row = sums[(*psu, status)]
            row[0], row[1] = row[0] + 1, row[1] + d
    columns = list(zip(*((*key, *row) for key, row in sums.items()), strict=True)) or [()] * 5
    provisional = fieldwork_open and pending
    return SampleOutcomes(
        OutcomeSums(*columns), psus, certain, provisional, n_units, sum_input, selections
    )


OUTCOMES_MAX_BYTES = 8 * 1024 * 1024  # rounds × versions: a few kilobytes each (per PSU × outcome)


def outcomes_at(store: Store, survey_round: Round, version: int) -> SampleOutcomes | None:
    """`read_outcomes`, kept per data version: every outcome change moves the version, and
    the read costs O(assignments) (docs/design.md §9b), too much to repeat for each indicator,
    domain and CI method a page asks of one version. Kept with the store client it was read
    from (service/caching.py, named `sample outcomes`)."""
    kept = caches_of(store.extensions).named(
        "sample outcomes", lambda: ByteBoundedCache("sample outcomes", OUTCOMES_MAX_BYTES)
    )
    outcomes: SampleOutcomes | None = kept.get_or_load(
        (survey_round.id, version), lambda: read_outcomes(store, survey_round)
    )
    return outcomes


def nonresponse_spec(survey_round: Round) -> NonresponseSpec:
    """The round's configured classes (422 for a stored one the engine refuses: never a 500)."""
    try:
        return NonresponseSpec.from_json(configured(survey_round)["nonresponse"])
    except ScoringError as error:
        raise invalid({"weighting.nonresponse": [str(error)]}) from error


def adjustment_of(spec: NonresponseSpec, outcomes: SampleOutcomes) -> Adjustment:
    """The engine's factors; before any unit has an outcome, none (every factor 0)."""
    if len(outcomes.sums.count) == 0:
        empty = np.array([], dtype=object)
        warning = "no sampled unit has an outcome yet"
        return Adjustment(empty, empty, np.array([]), (), (warning,))
    return adjust(spec, outcomes.sums)


@dataclass(frozen=True)
class SampleFactors:
    """A sample round's non-response step under its configured classes."""

    classes: ClassKind
    adjustment: Adjustment
    outcomes: SampleOutcomes
    by_psu: dict[tuple[object, object], float]  # sample (stratum, psu) → factor

    def of(self, key: CellKey) -> float:
        """The factor of a cell (or a unit's `agg.cell`): its sample PSU's, so a certainty
        PSU's units share their PSU's class; 0 when the class carries no weight."""
        sample_psu = self.outcomes.sample_psu(key.stratum, key.psu)
        return 0.0 if sample_psu is None else self.by_psu.get(sample_psu, 0.0)


def sample_factors(survey_round: Round, outcomes: SampleOutcomes) -> SampleFactors:
    """The non-response factors of a sample round under its configured classes."""
    spec = nonresponse_spec(survey_round)
    adjustment = adjustment_of(spec, outcomes)
    return SampleFactors(spec.classes, adjustment, outcomes, adjustment.factors())


def adjusted_cells(
    survey_round: Round,
    cells: Sequence[dict[str, Any]],
    mode: WeightingMode,
    outcomes: SampleOutcomes | None,
) -> AdjustedCells:
    """The round's cells with each PSU's weighted sums times its non-response factor.

    `outcomes`: `read_outcomes` of the round, read with its cells (None: no sample). Rounds
    without a sample, and `mode` input, keep the input weights. A cell whose factor is 0 (its
    class has no completed unit) carries no weight and leaves the cells, as R leaves the units
    without weight out of the design.
    """
    if outcomes is None:
        return AdjustedCells(cells, None, provisional=False, adjustment=None)
    if mode is WeightingMode.INPUT:
        return AdjustedCells(cells, None, outcomes.provisional, adjustment=None)
    factors = sample_factors(survey_round, outcomes)
    adjusted = [
        reweighted(cell, factor)
        for cell in cells
        if (factor := factors.of(CellKey.parse(cell["cell"]))) > 0
    ]
    provisional = factors.outcomes.provisional
    return AdjustedCells(adjusted, factors.classes, provisional, factors.adjustment)
