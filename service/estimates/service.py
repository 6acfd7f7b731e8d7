"""Estimates for a round and a validated query: checked, computed from the store's cell
sums, cached per data version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError

from catalogue import INDICATORS_BY_ID, indicators_of
from catalogue.geography import version_ids
from schemas.common import error_paths
from schemas.estimates import check_indicators_of
from service.cells.domains import GROUPING_PREFIX, Domain, DomainUnavailable, domain_of
from service.cells.reading import current_version, data_version
from service.domain.errors import invalid
from service.domain.round import Round
from service.estimates.cache import EstimateCache
from service.estimates.weighted import weighted_report
from service.geography.groupings import read_grouping
from service.offload import off_the_loop
from service.rounds.weighting import applied_mode
from service.store import Store
from service.weighting.applied import read_round


@dataclass(frozen=True)
class EstimatesSource:
    """Where estimates are read and kept: the app's store and cache, given by its routes
    (`service.estimates.app_source`, one source per request), or the command line's own.

    A source reads each round's version once (`version_of`): one answer computes many tables
    (the withholding audit alone every table of the round's family, each looked up in the
    cache by version), and read afresh for each the version cost a store round trip per table
    — most of a planner's read when every submission moves the version — and could differ
    between the tables of one answer."""

    store: Store
    cache: EstimateCache
    _versions: dict[tuple[str, int], int] = field(default_factory=dict, compare=False)

    def version_of(self, survey_round: Round) -> int:
        """The round's current version (`cells.reading.current_version`), read once."""
        key = (survey_round.id, survey_round.data_version)
        if key not in self._versions:
            self._versions[key] = current_version(self.store, survey_round)
        return self._versions[key]


def sized_cache(settings: Mapping[str, Any]) -> EstimateCache:
    """An estimate cache bounded by the settings' SURVEY_ESTIMATE_CACHE_MB."""
    return EstimateCache(int(settings["SURVEY_ESTIMATE_CACHE_MB"]) * 1024 * 1024)


def requested_indicators(instrument: str, query: dict[str, Any]) -> list[str]:
    """The query's indicator ids (default: all of the instrument's), or 422."""
    ids = query["indicators"] or [indicator.id for indicator in indicators_of(instrument)]
    try:
        check_indicators_of(instrument, ids)
    except ValidationError as exc:
        raise invalid(error_paths(exc.messages), "The estimates query is invalid.") from exc
    return ids


def query_domain(
    survey_round: Round, by: str | None, geography: str | None, store: Store
) -> Domain | None:
    """The round's `by` domain reported in `geography` (default its own), or 422 naming why."""
    if geography is not None and geography not in version_ids():
        known = ", ".join(version_ids())
        raise invalid({"geography": [f"Unknown geography version (known: {known})."]})
    groupings = None
    if by is not None and by.startswith(GROUPING_PREFIX):
        target = geography or survey_round.geography
        groupings = read_grouping(store, target, by.removeprefix(GROUPING_PREFIX))
    try:
        return domain_of(survey_round, by, geography, groupings)
    except DomainUnavailable as exc:
        raise invalid({"by": [str(exc)]}, "The estimates query is invalid.") from exc


def grouping_key(domain: Domain | None) -> tuple[tuple[str, str], ...] | None:
    """A grouping's content, for cache keys: a grouping replaced under its name is new."""
    if domain is None or not domain.name.startswith(GROUPING_PREFIX) or domain.lookup is None:
        return None
    return tuple(sorted(domain.lookup.items()))


def compute_estimates(
    survey_round: Round, query: dict[str, Any], source: EstimatesSource
) -> dict[str, Any]:
    """The estimates report for a round and a validated query, from the cache when current."""
    ids = requested_indicators(survey_round.instrument, query)
    indicators = [INDICATORS_BY_ID[i] for i in ids]
    by, ci, geography = query["by"], query["ci"], query.get("geography")
    store = source.store
    domain = query_domain(survey_round, by, geography, store)
    mode = applied_mode(survey_round, query.get("weighting"))
    key_version = source.version_of(survey_round)
    key = (
        store.db.name,
        survey_round.id,
        key_version,
        tuple(ids),
        by,
        geography,
        grouping_key(domain),
        ci,
        query["level"],
        mode,
    )

    def compute() -> dict[str, Any]:
        data = read_round(store, survey_round, key_version)
        version = data_version(survey_round, data.head)
        return off_the_loop(
            lambda: weighted_report(
                survey_round, version, data.cells, indicators, query, mode, data.outcomes, domain
            )
        )

    report: dict[str, Any] = source.cache.get_or_compute(key, compute)
    return report
