"""Output formats: one registry, one module per format. A route describes its resource as a
`Table` and returns `answer(query["format"], table, stem)`; schemas take a `format` field's
choices from `offered` (docs/design.md "Adding an output format")."""

from outputs.csv_table import CSV
from outputs.registry import FORMATS, Offer, answer, file_formats, offered, register
from outputs.table import Table
from outputs.xlsx_workbook import XLSX

register(CSV)
register(XLSX)

__all__ = ["FORMATS", "Offer", "Table", "answer", "file_formats", "offered", "register"]
