"""Survey rounds: how a validated round is stored, read, listed and changed."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from catalogue import indicators_of
from catalogue.geography.rounds import all_former_provinces, default_geography
from catalogue.targets import default_targets
from schemas.audit import AuditAction
from schemas.common import error_paths
from schemas.rounds import check_targets
from service.audit.log import record
from service.cells.reading import data_version
from service.domain.errors import conflict, invalid, not_found
from service.domain.round import Design, Round
from service.recent import ROUNDS, forget, recent
from service.rounds.design import checked_design
from service.rounds.series import check_series_instrument
from service.rounds.weighting import check_weighting
from service.store import Store, get_store
from service.store.errors import AlreadyExists


def round_to_store(data: dict[str, Any]) -> dict[str, Any]:
    """A validated round as stored: dates as ISO strings; geography, coverage and the targets
    register's targets for its area and year filled in."""
    geography = data.get("geography", default_geography(data["period"]["start"]))
    coverage = data.get("coverage") or list(all_former_provinces(geography))
    indicators = [indicator.id for indicator in indicators_of(data["instrument"])]
    defaults = default_targets(indicators, geography, tuple(coverage), data["period"]["start"].year)
    return {
        **data,
        "geography": geography,
        "coverage": coverage,
        "coverage_given": data.get("coverage") is not None,
        "period": {key: value.isoformat() for key, value in data["period"].items()},
        "targets": {**defaults, **(data.get("targets") or {})},
    }


def load_round(round_id: str, store: Store | None = None) -> Round:
    """The stored round, or 404; from the app's store unless given one (the command line)."""
    doc = (store or get_store()).rounds.get(round_id)
    if doc is None:
        raise not_found(f"Round {round_id!r}")
    return Round.from_doc(doc)


def _parsed(doc: dict[str, Any] | None) -> Round | None:
    return None if doc is None else Round.from_doc(doc)


def recent_round(round_id: str) -> Round | None:
    """The round as submissions see it: its status and design at most `recent.FRESH_SECONDS`
    old (its data version may be older: writes do not read it); parsed once per read."""
    found: Round | None = recent(ROUNDS).get_or_load(
        round_id, lambda: _parsed(get_store().rounds.get(round_id))
    )
    return found


def round_for_writing(round_id: str) -> Round:
    """`recent_round`, or 404."""
    survey_round = recent_round(round_id)
    if survey_round is None:
        raise not_found(f"Round {round_id!r}")
    return survey_round


def with_counts(survey_round: Round) -> dict[str, Any]:
    """The round as the API shows it: its stored document with its submissions and version."""
    store = get_store()
    return {
        **survey_round.doc,
        "n_submissions": store.submissions.count(survey_round.id),
        "data_version": data_version(survey_round, store.cells.head(survey_round.id) or {}),
    }


def listed(survey_round: Round) -> dict[str, Any]:
    """A round as listed: its frame shows districts only (read one round for its communes)."""
    frame = survey_round.frame
    return {**with_counts(survey_round), "frame": frame and {"districts": frame["districts"]}}


def create_round(data: dict[str, Any]) -> dict[str, Any]:
    """Store a new round (409 when its id is taken; 422 when its series has another
    instrument)."""
    check_series_instrument(data.get("series"), data["instrument"], data["id"])
    try:
        doc = get_store().rounds.create(round_to_store(data))
    except AlreadyExists as exc:
        raise conflict(str(exc)) from exc
    record(get_store(), AuditAction.ROUND_CREATE, [doc["_id"]], round_id=doc["_id"])
    return {**doc, "n_submissions": 0}


def list_rounds(production_only: bool = False) -> list[dict[str, Any]]:
    """Every round; with `production_only`, not the pilots and tests (a planner's list)."""
    rounds = [Round.from_doc(doc) for doc in get_store().rounds.list()]
    return [listed(r) for r in rounds if r.is_production or not production_only]


def patch_round(round_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply validated changes; new targets are checked against the round's instrument and
    merged into its current targets; a new design's fpc must fit the data already stored; a new
    series must hold rounds of this instrument only."""
    current = load_round(round_id)
    if "targets" in changes:
        try:
            check_targets(current.instrument, changes["targets"])
        except ValidationError as exc:
            raise invalid(error_paths(exc.messages)) from exc
        changes = {**changes, "targets": {**current.targets, **changes["targets"]}}
    if "series" in changes:
        check_series_instrument(changes["series"], current.instrument, round_id)
    if "design" in changes:
        changes = {**changes, "design": checked_design(current, changes["design"])}
    if "weighting" in changes or "design" in changes:  # the weighting must fit the new design
        after = Round.from_doc({**current.doc, **changes})
        changes = {**changes, "weighting": check_weighting(after, after.weighting)}
    if not changes:
        return with_counts(current)
    updated = get_store().rounds.update(round_id, changes)
    if Design.from_doc(changes.get("design")).two_stage and not current.design.two_stage:
        get_store().cells.recount(round_id)  # cells stored before may lack the squared weights
    forget(ROUNDS)
    record(get_store(), AuditAction.ROUND_UPDATE, [round_id], round_id=round_id)
    return with_counts(current if updated is None else Round.from_doc(updated))
