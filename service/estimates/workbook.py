"""A table as an XLSX workbook (openpyxl): one sheet of the same rows as the CSV (the change);
the estimates have their report-ready workbook (report_workbook.py)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook

from service.tabular import cell


def rows_workbook(
    sheet_name: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]
) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    sheet.append(list(columns))
    for row in rows:
        sheet.append([cell(row.get(column), missing=None) for column in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
