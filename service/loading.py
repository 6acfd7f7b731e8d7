"""Bulk loading outside HTTP: the demo rounds and files of submissions, through the same ingest."""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from marshmallow import fields

from outputs.csv_table import uncell
from schemas.rounds import RoundCreateSchema
from schemas.submissions import SUBMISSION_SCHEMAS
from schemas.weighting import WeightingSchema
from service import demo
from service.domain.round import Round
from service.rounds.model import round_to_store
from service.rounds.weighting import check_weighting
from service.samples import demo as fieldwork_demo
from service.samples.sample import import_sample, validate_rows
from service.small_area.demo import load_demo_auxiliary
from service.store import Store
from service.store.errors import AlreadyExists
from service.submissions.ingest import ItemOutcome, submit_batch, summarise

LOADER_TOKEN_ID = "loader"
CHUNK = 1000


def load_submissions(store: Store, round_id: str, payloads: Iterable[Any]) -> dict[str, int]:
    """Submit in chunks of 1000 (idempotent: a second load reports duplicates)."""
    doc = store.rounds.get(round_id)
    if doc is None:
        raise KeyError(f"round {round_id!r} does not exist")
    survey_round = Round.from_doc(doc)
    outcomes: list[ItemOutcome] = []
    chunk: list[Any] = []
    for payload in payloads:
        chunk.append(payload)
        if len(chunk) == CHUNK:
            outcomes += submit_batch(store, survey_round, chunk, token_id=LOADER_TOKEN_ID)
            chunk = []
    if chunk:
        outcomes += submit_batch(store, survey_round, chunk, token_id=LOADER_TOKEN_ID)
    summary = summarise(outcomes)
    summary["errors"] = [o.errors for o in outcomes if o.errors][:5]  # type: ignore[assignment]
    return summary


def _create_round(
    store: Store, round_body: dict[str, Any], weighting: dict[str, Any] | None = None
) -> None:
    """Create the round unless it exists (an existing round, its weighting included, is kept)."""
    doc = round_to_store(RoundCreateSchema().load(round_body))
    if weighting is not None:
        draft = Round.from_doc({**doc, "_id": doc["id"]})  # the round as it will be stored
        doc["weighting"] = check_weighting(draft, WeightingSchema().load(weighting))
    with contextlib.suppress(AlreadyExists):
        store.rounds.create(doc)


def load_demo(store: Store) -> dict[str, dict[str, int]]:
    """Create the demo rounds if missing and load their submissions (once; replays are no-ops),
    and the synthetic commune covariates for small-area estimation."""
    load_demo_auxiliary(store)
    for round_body in demo.rounds():
        _create_round(store, round_body, demo.weighting_of(round_body["id"]))
    loaded = {
        round_id: load_submissions(store, round_id, payloads)
        for round_id, payloads in demo.submissions_by_round().items()
    }
    return loaded | {fieldwork_demo.FIELDWORK_ROUND: load_fieldwork_demo(store)}


def load_fieldwork_demo(store: Store) -> dict[str, int]:
    """The demo round with a sample: its sample (the same again changes nothing) and visits."""
    _create_round(store, fieldwork_demo.round_body())
    doc = store.rounds.get(fieldwork_demo.FIELDWORK_ROUND)
    assert doc is not None  # created just above
    survey_round = Round.from_doc(doc)
    rows = validate_rows(fieldwork_demo.sample_rows(), survey_round, "json")
    import_sample(store, survey_round, rows)
    return load_submissions(store, fieldwork_demo.FIELDWORK_ROUND, fieldwork_demo.visits())


def read_jsonl(path: Path) -> Iterator[Any]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _typed(field: fields.Field[Any], text: str) -> Any:
    """A CSV cell as the JSON type its schema field expects (bad cells stay text and fail)."""
    if text == "":
        return None
    if isinstance(field, fields.Boolean):
        lowered = text.strip().lower()
        return {"1": True, "true": True, "0": False, "false": False}.get(lowered, text)
    try:
        if isinstance(field, fields.Integer):
            return int(text)
        if isinstance(field, fields.Float):
            return float(text)
    except ValueError:
        return text
    return text


def _field_at(schema: Any, path: list[str]) -> fields.Field[Any] | None:
    field: fields.Field[Any] | None = schema.fields.get(path[0])
    if field is None or len(path) == 1:
        return field
    return _field_at(field.schema, path[1:]) if isinstance(field, fields.Nested) else None


def read_csv(path: Path, instrument: str) -> Iterator[dict[str, Any]]:
    """Rows with dotted headers (as the CSV export writes them) as nested submissions."""
    schema = SUBMISSION_SCHEMAS[instrument]()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            payload: dict[str, Any] = {}
            for header, text in row.items():
                parts = header.split(".")
                field = _field_at(schema, parts)
                if field is None:  # export-only columns such as received_at
                    continue
                value = _typed(field, uncell(text))
                if value is None:
                    continue
                node = payload
                for part in parts[:-1]:
                    node = node.setdefault(part, {})
                node[parts[-1]] = value
            yield payload


def read_file(path: Path, instrument: str) -> Iterator[Any]:
    if path.suffix == ".jsonl":
        return read_jsonl(path)
    if path.suffix == ".csv":
        return read_csv(path, instrument)
    raise ValueError("import reads .csv (export columns) or .jsonl (one submission per line)")
