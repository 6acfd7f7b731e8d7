"""Field operations on a round's sample (docs/design.md §8): reassign, close, release reserves."""

from __future__ import annotations

from typing import Any

from catalogue.outcomes import Outcome
from schemas.audit import AuditAction
from service.audit.log import record
from service.cells.contributions import round_contributions
from service.cells.writes import replace
from service.domain.errors import conflict, not_found
from service.domain.round import Round
from service.samples.design import sampling_of
from service.samples.sample import (
    SampleInvalid,
    checked_rows,
    row_path,
    sample_hash,
    sampled_coverage,
    stored_row,
    summary_of,
)
from service.samples.status import RANK, status_of
from service.store import Store
from service.store.clock import utc_now

FIELDWORK_STATE = ("sampling", "rank", "closed", "is_closed", "completed_by")


def load_assignment(store: Store, round_id: str, assignment_id: str) -> dict[str, Any]:
    assignment = store.assignments.get(round_id, assignment_id)
    if assignment is None:
        raise not_found(f"Assignment {assignment_id!r} of round {round_id!r}")
    return assignment


def change_assignment(
    store: Store, round_id: str, assignment_id: str, change: dict[str, Any], token_id: str
) -> dict[str, Any]:
    """Reassign (`enumerator`) and/or close with a final outcome (`closed`)."""
    assignment = load_assignment(store, round_id, assignment_id)
    updates: dict[str, Any] = {}
    if "enumerator" in change:
        updates["enumerator"] = change["enumerator"]
    if "closed" in change:
        updates["closed"] = _closing(assignment, change["closed"], token_id)
        updates["is_closed"] = True
    changed = store.assignments.update(round_id, assignment_id, updates) if updates else None
    if "closed" in updates and not assignment.get("closed"):
        store.rounds.bump_data_version(round_id)  # a final outcome changes the weighting
    if changed:
        record(store, AuditAction.ASSIGNMENT_UPDATE, [assignment_id], round_id=round_id)
    return changed or assignment


def _closing(assignment: dict[str, Any], closed: dict[str, Any], token_id: str) -> dict[str, Any]:
    """The `closed` record, or 409 when the assignment's outcome is already final."""
    current: dict[str, Any] | None = assignment.get("closed")
    if current:
        if current["outcome"] == closed["outcome"]:
            return current
        raise conflict(
            f"Assignment {assignment['assignment_id']!r} was closed as {current['outcome']!r}; "
            "a closed assignment's outcome is final."
        )
    if assignment.get("rank", 0) == RANK[Outcome.COMPLETED]:
        raise conflict(f"Assignment {assignment['assignment_id']!r} is completed already.")
    return {**closed, "by": token_id, "at": utc_now()}


def with_status(assignment: dict[str, Any]) -> dict[str, Any]:
    return {**assignment, "status": status_of(assignment)}


def append_rows(
    store: Store, survey_round: Round, raw_rows: list[Any], source: str
) -> dict[str, int]:
    """Add reserve units; each PSU they touch takes their `unit_prob` for all its units."""
    round_id = survey_round.id
    existing = store.assignments.of_round(round_id, {"_id": 0, "sampling": 0})
    indexed, errors = checked_rows(raw_rows, survey_round, source, existing=existing)
    errors |= _append_errors(existing, indexed, source)
    if errors:
        raise SampleInvalid(errors)
    new_rows = [row for _, row in indexed]
    store.assignments.add(round_id, [stored_row(row) for row in new_rows])
    appended = [row["assignment_id"] for row in new_rows]
    record(store, AuditAction.SAMPLE_IMPORT, appended, round_id=round_id)
    for psu, unit_prob in {row["psu"]: row["unit_prob"] for row in new_rows}.items():
        units = store.assignments.set_psu_unit_prob(round_id, psu, unit_prob, sampling_of)
        reweigh_completed_visits(store, survey_round, units)
    rows = [
        {k: v for k, v in a.items() if k not in FIELDWORK_STATE}
        for a in store.assignments.of_round(round_id, {"_id": 0, "round_id": 0})
    ]
    summary = summary_of(rows)
    store.rounds.update(
        round_id,
        {"sample": {**summary, "hash": sample_hash(rows)}} | sampled_coverage(survey_round, rows),
    )
    return summary


def _append_errors(
    existing: list[dict[str, Any]], new_rows: list[tuple[int, dict[str, Any]]], source: str
) -> dict[str, list[str]]:
    """New ids only; a known PSU keeps its stratum and psu_prob; one unit_prob per PSU."""
    ids = {a["assignment_id"] for a in existing}
    psus = {a["psu"]: a for a in existing}
    unit_probs: dict[str, float] = {}
    errors: dict[str, list[str]] = {}
    for index, row in new_rows:
        where = row_path(index, source)
        if row["assignment_id"] in ids:
            errors[f"{where}.assignment_id"] = ["Already in the sample."]
        known = psus.get(row["psu"])
        if known and known["stratum"] != row["stratum"]:
            errors[f"{where}.stratum"] = [f"PSU {row['psu']} is in stratum {known['stratum']}."]
        if known and known["psu_prob"] != row["psu_prob"]:
            errors[f"{where}.psu_prob"] = [f"PSU {row['psu']} has psu_prob {known['psu_prob']:g}."]
        if unit_probs.setdefault(row["psu"], row["unit_prob"]) != row["unit_prob"]:
            errors[f"{where}.unit_prob"] = ["Rows of one PSU must carry the same new unit_prob."]
    return errors


def reweigh_completed_visits(
    store: Store, survey_round: Round, units: list[dict[str, Any]]
) -> None:
    """A PSU's units got a new `unit_prob`: its completed visits take the new weight and `agg`,
    and the cells (so the round's data version) follow."""
    by_id = {unit["assignment_id"]: unit for unit in units}
    for visit in store.submissions.completed_visits(survey_round.id, list(by_id)):
        sampling = by_id[visit["assignment_id"]]["sampling"]
        agg = round_contributions(survey_round, visit["location"], sampling, visit["answers"])
        content = {"sampling": dict(sampling), "agg": agg}
        replace(store, survey_round.id, visit["submission_id"], content)  # −old +new in cells
