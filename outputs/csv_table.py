"""CSV: one line per row, streamed; every value written by one rule (`cell`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from outputs.output_format import Body, FileFormat
from outputs.table import Rows, Table

# Text starting with one of these is a formula to a spreadsheet; `'` is guarded too, so that a
# leading `'` always means "added by the export".
GUARD = "'"
GUARDED = ("=", "+", "-", "@", GUARD)


def cell(value: Any, missing: Any = "") -> Any:
    """A value as a spreadsheet-safe cell: `true`/`false` for booleans (one way in every
    export, the service's and the scoring CLIs'), lists joined with `;`, text that a spreadsheet
    would run as a formula quoted, `missing` for None. Codes stay text: `080` is written `080`."""
    if value is None:
        return missing
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    if isinstance(value, str) and value[:1] in GUARDED and not _is_number(value):
        return GUARD + value  # no spreadsheet formula injection through exported text
    return value


def uncell(text: str) -> str:
    """A CSV cell's text as it was before `cell` guarded it: exactly one `'` comes off, and only
    where `cell` put it — `cell` also guards text that itself starts with `'`, so the two are
    inverse (an export imported again is the same data, docs/operations.md "Export")."""
    if text[:1] == GUARD and text[1:2] in GUARDED and not _is_number(text[1:]):
        return text[1:]
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_lines(columns: Sequence[str], rows: Rows) -> Iterator[str]:
    """The header, then one CSV line per row (missing cells empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell(row.get(column)) for column in columns])
        yield buffer.getvalue()


class CsvTable(FileFormat):
    name = "csv"
    media_type = "text/csv"
    extension = "csv"
    streams = True

    def render(self, table: Table, language: str) -> Body:
        return csv_lines(table.columns, table.rows())


CSV = CsvTable()
