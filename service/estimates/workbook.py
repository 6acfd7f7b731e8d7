"""Estimates as an XLSX workbook (openpyxl): one sheet of the same rows as the CSV."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from service.estimates.tables import COLUMNS, estimate_rows
from service.tabular import cell


def estimates_workbook(report: dict[str, Any]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("estimates")
    sheet.append(COLUMNS)
    for row in estimate_rows(report):
        sheet.append([cell(row.get(column), missing=None) for column in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
