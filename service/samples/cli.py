"""`python -m service sample import ROUND FILE.csv|.xlsx|.json`: load a sample from the command
line, with the same validation as `PUT /api/v1/rounds/{id}/sample` and a progress bar on large
files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from service.domain.round import Round
from service.samples.sample import (
    SampleInUse,
    SampleInvalid,
    import_sample,
    uploaded_rows,
    validate_rows,
)
from service.store import Store
from service.uploaded_tables import CSV, XLSX

BAR_FROM_ROWS = 2000  # smaller files validate in a blink
BAR_WIDTH = 30
MAX_ERRORS_SHOWN = 20


class ProgressBar:
    """`validating [######        ] 41% 41000/100000 rows` redrawn in place on stderr."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total, self.stream, self.shown = total, stream or sys.stderr, -1

    def __call__(self, done: int) -> None:
        percent = done * 100 // self.total
        if percent == self.shown:
            return
        self.shown = percent
        filled = BAR_WIDTH * done // self.total
        bar = "#" * filled + " " * (BAR_WIDTH - filled)
        self.stream.write(f"\rvalidating [{bar}] {percent:3d}% {done}/{self.total} rows")
        if done == self.total:
            self.stream.write("\n")
        self.stream.flush()


def read_rows(path: Path) -> tuple[list[Any], str]:
    """Rows of a CSV (UTF-8) or XLSX file, or of a JSON file holding {"assignments": [...]}."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        body = json.loads(path.read_text(encoding="utf-8"))
        return (body.get("assignments") if isinstance(body, dict) else body) or [], "json"
    return uploaded_rows(path.read_bytes(), XLSX if suffix == ".xlsx" else CSV, None), "csv"


def import_file(store: Store, round_id: str, path: Path) -> int:
    """Validate and store; print the summary (0) or the errors (1)."""
    doc = store.rounds.get(round_id)
    if doc is None:
        sys.exit(f"error: round {round_id!r} does not exist")
    survey_round = Round.from_doc(doc)
    try:
        raw, source = read_rows(path)
        bar = ProgressBar(len(raw)) if len(raw) >= BAR_FROM_ROWS else None
        rows = validate_rows(raw, survey_round, source, bar)
        result = import_sample(store, survey_round, rows)
    except SampleInvalid as exc:
        shown = sorted(exc.errors.items())[:MAX_ERRORS_SHOWN]
        print(json.dumps({"errors": dict(shown), "n_errors": len(exc.errors)}, ensure_ascii=False))
        print("nothing was stored", file=sys.stderr)
        return 1
    except SampleInUse as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({**result.summary, "changed": result.changed}))
    return 0
