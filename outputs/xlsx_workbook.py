"""XLSX: one sheet of the table's rows, or the route's report-ready workbook in the caller's
language (the estimates, service/estimates/report_workbook.py). Built whole in memory."""

from __future__ import annotations

import io
from collections.abc import Sequence

from outputs.csv_table import cell
from outputs.output_format import Body, FileFormat
from outputs.table import Rows, Table


def rows_workbook(sheet_name: str, columns: Sequence[str], rows: Rows) -> bytes:
    from openpyxl import Workbook  # only workbooks pay for the import

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    sheet.append(list(columns))
    for row in rows:
        sheet.append([cell(row.get(column), missing=None) for column in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class XlsxWorkbook(FileFormat):
    name = "xlsx"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"
    streams = False

    def render(self, table: Table, language: str) -> Body:
        if table.workbook is not None:
            return table.workbook(language)
        return rows_workbook(table.name, table.columns, table.rows())


XLSX = XlsxWorkbook()
