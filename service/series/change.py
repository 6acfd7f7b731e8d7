"""The change between two rounds of a series, from each round's per-PSU cells under its
configured weighting (docs/design.md §9, §10): checked, computed by scoring.contrasts, cached
per data versions and weighting modes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from catalogue import INDICATORS_BY_ID, Indicator, SuppressedPolicy
from catalogue.geography import version_ids
from schemas.weighting import WeightingMode
from scoring import CiMethod, LonelyPsuError, ScoringError
from scoring.calibrated_rounds import CalibratedRound
from scoring.contrasts import Change, change_from_totals
from scoring.contrasts import Round as EngineRound
from scoring.stacking import PairingError, RoundTotals
from service.cells.domains import FORMER_PROVINCE, GROUPING_PREFIX, Domain
from service.cells.reading import current_version, data_version
from service.cells.sums import CellSums, cell_sums, psu_totals
from service.domain.errors import DomainError, Invalid, invalid
from service.domain.round import Round
from service.estimates.publication import requested_report, withheld_changes, withheld_domains
from service.estimates.service import (
    EstimatesSource,
    grouping_key,
    query_domain,
    requested_indicators,
)
from service.offload import off_the_loop
from service.rounds.weighting import applied_mode
from service.samples.two_stage import two_stage_refusal
from service.series.model import series_rounds
from service.store import Store, get_store
from service.weighting.applied import RoundData, WeightedCells, read_round, weighted_cells

TWO_STAGE_CHANGE = "The change between rounds is not computed with two stages yet: set stages to 1."
ROUND_PARAMETERS = {"from_round": "from", "to_round": "to"}
# Domains that are areas: rounds of different coverage compare on them, area by area.
GEOGRAPHIC_BY = ("commune", "district", FORMER_PROVINCE)


def chosen_rounds(series: str, query: dict[str, Any]) -> tuple[Round, Round]:
    """The `from` and `to` rounds (default: the series' first and last), or 422 naming them."""
    rounds = series_rounds(series)
    by_id = {r.id: r for r in rounds}
    ids = {
        "from_round": query["from_round"] or rounds[0].id,
        "to_round": query["to_round"] or rounds[-1].id,
    }
    errors = {
        ROUND_PARAMETERS[name]: [f"Round {round_id!r} is not in series {series!r}."]
        for name, round_id in ids.items()
        if round_id not in by_id
    }
    if not errors and ids["from_round"] == ids["to_round"]:
        errors = {"to": ["Must be another round than `from`."]}
    if errors:
        raise invalid(errors, "The change query is invalid.")
    first, last = by_id[ids["from_round"]], by_id[ids["to_round"]]
    if first.instrument is not last.instrument:
        raise invalid({"to": ["Must be a round of the same instrument as `from`."]})
    return first, last


@dataclass(frozen=True)
class WeightedRound:
    """A round of the change under its weighting: plain cell sums, or its calibrated cells."""

    survey_round: Round
    weighted: WeightedCells
    sums: CellSums | None  # the weighted cells summed per PSU × domain (None: calibrated)

    def for_indicator(self, indicator: Indicator) -> EngineRound:
        """The engine's round: `RoundTotals`, or a `CalibratedRound` with its own g (§10)."""
        calibration = self.weighted.calibration
        if calibration is not None:
            return CalibratedRound(calibration.totals(indicator), calibration.calibrated)
        assert self.sums is not None
        fpc = self.survey_round.design.fpc
        by_stratum: dict[object, float] | None = None if fpc is None else dict(fpc.items())
        return RoundTotals(psu_totals(self.sums, indicator), fpc=by_stratum)


def change_round(
    survey_round: Round,
    weighted: WeightedCells,
    indicators: list[Indicator],
    domain: Domain | None,
) -> WeightedRound:
    """The round as the change reads it: calibrated, or its weighted cells summed per PSU."""
    if survey_round.design.two_stage:
        raise two_stage_refusal(TWO_STAGE_CHANGE)
    if weighted.calibration is not None:
        return WeightedRound(survey_round, weighted, None)
    sums = cell_sums(survey_round.instrument, weighted.cells, indicators, domain)
    return WeightedRound(survey_round, weighted, sums)


@contextmanager
def naming_round(survey_round: Round) -> Iterator[None]:
    """A weighting problem (the estimates' 422 naming the margin) names the round too."""
    try:
        yield
    except DomainError as refused:
        detail = f"Round {survey_round.id!r}: {refused.detail}"
        raise type(refused)(detail, refused.errors, extra={"round": survey_round.id}) from None


def indicator_changes(
    rounds: tuple[WeightedRound, WeightedRound], indicator: Indicator, query: dict[str, Any]
) -> list[Change]:
    """The engine's changes per domain; its typed errors become a 422 naming the cause."""
    first, last = (r.for_indicator(indicator) for r in rounds)
    policy = rounds[1].survey_round.design.lonely_psu
    try:
        return change_from_totals(
            first, last, indicator.kind, query["pairing"], policy, query["level"]
        )
    except PairingError as exc:
        raise invalid({"pairing": [str(exc)]}, "The rounds cannot be paired so.") from exc
    except LonelyPsuError as exc:
        raise invalid(
            {"lonely_psu": [str(exc)]}, "The `to` round's lonely-PSU policy fails."
        ) from exc
    except ScoringError:  # neither round has a unit for this indicator: nothing to compare
        return []


def shaped(change: Change, by: str | None) -> dict[str, Any]:
    fields = change.as_dict()
    del fields["level"]
    if fields["reason"] is None:
        del fields["reason"]
    fields["domain"] = None if by is None else {by: change.domain}
    return fields


def weighted_pair(
    data: tuple[RoundData, RoundData],
    modes: tuple[WeightingMode, WeightingMode],
    indicators: list[Indicator],
    domains: tuple[Domain | None, Domain | None],
) -> tuple[WeightedRound, WeightedRound]:
    """Both rounds under their weighting modes (422 naming the round and margin)."""
    out = []
    for round_data, mode, domain in zip(data, modes, domains, strict=True):
        survey_round = round_data.survey_round
        with naming_round(survey_round):
            weighted = weighted_cells(
                survey_round, round_data.cells, indicators, domain, mode, round_data.outcomes
            )
        out.append(change_round(survey_round, weighted, indicators, domain))
    return out[0], out[1]


def reported_geography(rounds: tuple[Round, ...], query: dict[str, Any]) -> str | None:
    """`?geography=`, else the newer of the two rounds' versions (§13)."""
    if query.get("geography"):
        return str(query["geography"])
    ids = [r.geography for r in rounds]
    known = [v for v in ids if v is not None]
    return max(known, key=version_ids().index) if len(known) == len(ids) else None


def check_coverage(rounds: tuple[Round, Round], by: str | None) -> None:
    """Rounds of different coverage compare only area by area: 422 `coverage` otherwise. A
    round without a geography (free codes) declares no coverage: nothing to compare."""
    first, last = (set(r.coverage) for r in rounds)
    comparable = by in GEOGRAPHIC_BY or (by or "").startswith(GROUPING_PREFIX)
    if not first or not last or first == last or comparable:
        return
    common = sorted(first & last)
    area = ", ".join(common) if common else "none"
    message = (
        f"The rounds cover different former provinces ({', '.join(sorted(first))} and "
        f"{', '.join(sorted(last))}): they describe different populations. The area both "
        f"cover: former province(s) {area}; compare it with by=former_province."
    )
    raise Invalid(
        message,
        {"coverage": [message]},
        extra={"common_coverage": common, "comparable_by": "former_province"},
    )


def report(
    series: str,
    pair: tuple[WeightedRound, WeightedRound],
    heads: tuple[dict[str, Any], ...],
    indicators: list[Indicator],
    query: dict[str, Any],
) -> dict[str, Any]:
    """The §10 answer: both rounds with their versions and weighting, then the changes."""
    by = query["by"]
    return {
        "series": series,
        **{
            name: {
                "round_id": round_.survey_round.id,
                "data_version": data_version(round_.survey_round, head),
                "weighting": round_.weighted.block,
            }
            for name, round_, head in zip(ROUND_PARAMETERS, pair, heads, strict=True)
        },
        "pairing": query["pairing"],
        "changes": [
            {
                "indicator": indicator.id,
                "unit": indicator.unit,
                "by": by,
                "level": query["level"],
                "results": [shaped(c, by) for c in indicator_changes(pair, indicator, query)],
            }
            for indicator in indicators
        ],
    }


def change_report(
    series: str,
    rounds: tuple[Round, Round],
    versions: tuple[int, int],
    modes: tuple[WeightingMode, WeightingMode],
    query: dict[str, Any],
) -> dict[str, Any]:
    """Read both rounds' cells (and sample outcomes), then weight them and run the engine off
    the event loop."""
    indicators = [INDICATORS_BY_ID[i] for i in query["indicators"]]
    store = get_store()
    data = (read_round(store, rounds[0], versions[0]), read_round(store, rounds[1], versions[1]))
    heads = (data[0].head, data[1].head)
    domains = domain_pair(rounds, query, store)
    return off_the_loop(
        lambda: report(
            series, weighted_pair(data, modes, indicators, domains), heads, indicators, query
        )
    )


def domain_pair(
    rounds: tuple[Round, Round], query: dict[str, Any], store: Store
) -> tuple[Domain | None, Domain | None]:
    """Both rounds' `by` domains in the geography the change is reported in."""
    target = reported_geography(rounds, query)
    by = query["by"]
    return query_domain(rounds[0], by, target, store), query_domain(rounds[1], by, target, store)


def compute_change(series: str, query: dict[str, Any], source: EstimatesSource) -> dict[str, Any]:
    """The change report for a validated query, from the cache when both rounds are current.

    Each round enters under its own weighting: `?weighting=` when given (valid for both
    rounds, else 422 naming `weighting`), otherwise every step the round has configured.
    """
    rounds = chosen_rounds(series, query)
    query = {**query, "indicators": requested_indicators(rounds[0].instrument, query)}
    check_coverage(rounds, query["by"])
    modes = (
        applied_mode(rounds[0], query["weighting"]),
        applied_mode(rounds[1], query["weighting"]),
    )
    store = source.store
    versions = (current_version(store, rounds[0]), current_version(store, rounds[1]))
    key = (
        "change",
        store.db.name,
        series,
        *zip((r.id for r in rounds), versions, modes, strict=True),
        tuple(query["indicators"]),
        query["by"],
        query.get("geography"),
        *(grouping_key(domain) for domain in domain_pair(rounds, query, store)),
        query["level"],
        query["pairing"],
    )
    report: dict[str, Any] = source.cache.get_or_compute(
        key, lambda: change_report(series, rounds, versions, modes, query)
    )
    return report


def published_change(series: str, query: dict[str, Any], source: EstimatesSource) -> dict[str, Any]:
    """The change report under the query's `suppressed` policy: with `withhold`, a row is
    emptied where either round's estimate is withheld in the same table (docs/design.md §15)."""
    report = compute_change(series, query, source)
    if query["suppressed"] == SuppressedPolicy.SHOW:
        return report
    rounds = chosen_rounds(series, query)
    estimates_query = {
        "indicators": [block["indicator"] for block in report["changes"]],
        "by": query["by"],
        "ci": CiMethod.LOGIT.value,  # reliability is judged on its own 95% interval
        "level": 0.95,
        "weighting": query["weighting"],
        "overall": False,
        "suppressed": SuppressedPolicy.WITHHOLD,
    }
    withheld = [withheld_domains(requested_report(r, estimates_query, source)) for r in rounds]
    return withheld_changes(report, withheld)
