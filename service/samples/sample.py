"""A round's sample: read rows (CSV, XLSX or JSON), validate them together, store them once.

docs/design.md §8: every row is checked on its own (schema) and against the others (unique ids,
one stratum and one `psu_prob` per PSU, codes in the round's frame; in a two-stage round one
`psu_prob` per variance stratum and one `unit_prob` per PSU); any error refuses the whole
sample. The same sample again changes nothing; a different one replaces it only while no
submission uses the round.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError

from catalogue.geography import former_provinces
from schemas.audit import AuditAction
from schemas.common import error_paths
from schemas.samples import MAX_SAMPLE_ROWS, SampleRowSchema
from schemas.submissions import location_errors
from service.audit.log import record as audit
from service.domain.round import Round
from service.samples.design import StageFractions, sampling_of
from service.store import Store
from service.uploaded_tables import TableInvalid, number_cell, read_table

KEY_COLUMN = "assignment_id"
NUMBER_COLUMNS = ("psu_prob", "unit_prob")
OPTIONAL_COLUMNS = ("enumerator", "label")
_ROW = SampleRowSchema()


class SampleInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid sample")
        self.errors = errors


class SampleInUse(Exception):
    pass


@dataclass(frozen=True)
class ImportResult:
    summary: dict[str, int]
    changed: bool


def table_rows(table: list[dict[str, str]]) -> list[dict[str, Any]]:
    """An uploaded table's rows as JSON-like rows: probabilities as numbers when they parse
    (a decimal comma too), blank optional cells dropped."""
    rows = []
    for record in table:
        row: dict[str, Any] = {}
        for column, cell in record.items():
            if column in OPTIONAL_COLUMNS and not cell:
                continue
            row[column] = number_cell(cell) if column in NUMBER_COLUMNS else cell
        rows.append(row)
    return rows


def uploaded_rows(body: bytes, mimetype: str, charset: str | None) -> list[dict[str, Any]]:
    """The rows of a sample sent as CSV or XLSX, or SampleInvalid saying what to change."""
    try:
        return table_rows(read_table(body, mimetype, charset, KEY_COLUMN))
    except TableInvalid as exc:
        raise SampleInvalid(exc.errors) from exc


def row_path(index: int, source: str) -> str:
    """Where a row is: `assignments.<i>` (JSON, from 0) or `line.<n>` (CSV, header is line 1)."""
    return f"line.{index + 2}" if source == "csv" else f"assignments.{index}"


def validate_rows(
    raw_rows: list[Any],
    survey_round: Round,
    source: str,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """The normalised rows, or SampleInvalid naming every bad row and field."""
    rows, errors = checked_rows(raw_rows, survey_round, source, progress)
    if errors:
        raise SampleInvalid(errors)
    return [row for _, row in rows]


def checked_rows(
    raw_rows: list[Any],
    survey_round: Round,
    source: str,
    progress: Callable[[int], None] | None = None,
    existing: Iterable[dict[str, Any]] = (),
) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, list[str]]]:
    """(position, row) of every row that loads, and the errors of all rows by path;
    `progress(i)` is called after each row (the CLI draws a bar with it); `existing`: the
    sample the rows are appended to."""
    if not raw_rows:
        return [], {"assignments": ["The sample has no rows."]}
    if len(raw_rows) > MAX_SAMPLE_ROWS:
        return [], {"assignments": [f"More than {MAX_SAMPLE_ROWS} rows."]}
    errors: dict[str, list[str]] = {}
    rows: list[tuple[int, dict[str, Any]]] = []
    for index, raw in enumerate(raw_rows):
        where = row_path(index, source)
        try:
            row = _ROW.load(raw)
        except ValidationError as exc:
            errors.update(error_paths(exc.messages, where))
            if progress is not None:
                progress(index + 1)
            continue
        for path, texts in location_errors(row, survey_round.doc).items():
            errors[f"{where}.{path.removeprefix('location.')}"] = texts
        rows.append((index, row))
        if progress is not None:
            progress(index + 1)
    errors.update(_consistency_errors(rows, source))
    if survey_round.design.two_stage:
        for path, texts in _two_stage_errors(rows, source, existing).items():
            errors[path] = errors.get(path, []) + texts
    return rows, errors


def _consistency_errors(
    rows: Iterable[tuple[int, dict[str, Any]]], source: str
) -> dict[str, list[str]]:
    """Duplicate ids; a PSU in two strata or with two PSU probabilities."""
    errors: dict[str, list[str]] = {}
    first_row: dict[str, int] = {}
    psu_first: dict[str, dict[str, Any]] = {}
    for index, row in rows:
        where = row_path(index, source)
        earlier = first_row.setdefault(row["assignment_id"], index)
        if earlier != index:
            errors[f"{where}.assignment_id"] = [f"Repeats {row_path(earlier, source)}."]
        psu = psu_first.setdefault(row["psu"], row)
        if psu["stratum"] != row["stratum"]:
            errors[f"{where}.stratum"] = [f"PSU {row['psu']} is in stratum {psu['stratum']}."]
        if psu["psu_prob"] != row["psu_prob"]:
            errors[f"{where}.psu_prob"] = [
                f"PSU {row['psu']} has psu_prob {psu['psu_prob']:g} elsewhere."
            ]
    return errors


def _two_stage_errors(
    rows: Iterable[tuple[int, dict[str, Any]]],
    source: str,
    existing: Iterable[dict[str, Any]],
) -> dict[str, list[str]]:
    """A two-stage round's sample: one `psu_prob` per variance stratum and one `unit_prob` per
    PSU (the rule its estimates apply, `StageFractions`), refused here before anything is
    stored. Appended rows meet the existing strata's fractions; a PSU they touch takes their
    `unit_prob` (`operations.append_rows`), so only they are compared at stage 2."""
    errors: dict[str, list[str]] = {}
    first_stage, second_stage = StageFractions(stage=1), StageFractions(stage=2)
    for unit in existing:
        first_stage.conflict(sampling_of(unit)["stratum"], unit["psu_prob"])
    for index, row in rows:
        where = row_path(index, source)
        unit_conflict = second_stage.conflict(row["psu"], row["unit_prob"])
        if unit_conflict is not None:
            errors[f"{where}.unit_prob"] = [unit_conflict]
        psu_conflict = first_stage.conflict(sampling_of(row)["stratum"], row["psu_prob"])
        if psu_conflict is not None:
            errors[f"{where}.psu_prob"] = [psu_conflict]
    return errors


def summary_of(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    rows = list(rows)
    return {
        "assignments": len(rows),
        "psus": len({row["psu"] for row in rows}),
        "strata": len({row["stratum"] for row in rows}),
    }


def sample_hash(rows: Iterable[dict[str, Any]]) -> str:
    """The same units with the same probabilities hash the same, in any row order."""
    ordered = sorted(rows, key=lambda row: row["assignment_id"])
    canonical = json.dumps(ordered, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def stored_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "sampling": sampling_of(row),
        "closed": None,
        "is_closed": False,
        "completed_by": None,
    }


def sampled_coverage(survey_round: Round, rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """{"coverage": the former provinces the sample's communes lie in} for a round whose admin
    named no coverage (docs/design.md §13: derived from the sample when there is one), else {}.
    The round's targets stay as they were set at creation."""
    if survey_round.geography is None or survey_round.coverage_named:
        return {}
    former = former_provinces(survey_round.geography)
    sampled = sorted({former[row["commune"]] for row in rows if row["commune"] in former})
    return {"coverage": sampled} if sampled else {}


def import_sample(store: Store, survey_round: Round, rows: list[dict[str, Any]]) -> ImportResult:
    """Store a validated sample: unchanged → nothing written; in use → SampleInUse."""
    round_id = survey_round.id
    digest = sample_hash(rows)
    current = survey_round.sample or {}
    summary = summary_of(rows)
    if current.get("hash") == digest:
        return ImportResult(summary, changed=False)
    if store.submissions.count(round_id):
        raise SampleInUse(
            f"Round {round_id!r} already has submissions: its sample can only change "
            "through field operations (reassign, close, append rows)."
        )
    store.assignments.replace(round_id, [stored_row(row) for row in rows])
    store.rounds.update(
        round_id, {"sample": {**summary, "hash": digest}} | sampled_coverage(survey_round, rows)
    )
    audit(store, AuditAction.SAMPLE_IMPORT, [round_id], round_id=round_id)
    return ImportResult(summary, changed=True)
