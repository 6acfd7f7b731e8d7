"""Tables that people upload (a sample, a list of enumerators): CSV as spreadsheets save it, or
an XLSX workbook, read into rows of text with one clear message per problem.

A CSV must be UTF-8 (a BOM is fine) unless its Content-Type declares `charset=windows-1258` or
`windows-1252`, the encodings Vietnamese Windows saves "CSV" in. Cells are separated by `,`, `;`
(Excel in a Vietnamese or European locale) or a tab: the separator is the one with which the
header holds the table's key column. In a `;`- or tab-separated file, and in a quoted cell of a
`,`-separated one, a number may have a decimal comma (`0,25`): `number_cell` reads both.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from typing import Any

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
TABLE_MIMETYPES = (CSV, XLSX)
# what a declared charset is read as; Windows-1258 writes tones as combining marks (NFC after)
CHARSETS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "windows-1258": "cp1258",
    "cp1258": "cp1258",
    "windows-1252": "cp1252",
    "cp1252": "cp1252",
}
SEPARATORS = (",", ";", "\t")
SEPARATOR_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}
DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")
# a sample holds at most 100k rows; a sheet far longer than that is refused while read
MAX_TABLE_ROWS = 200_000


class TableInvalid(Exception):
    """The upload cannot be read as a table: errors by path (`file`, `header`, `line.<n>`)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("unreadable table")
        self.errors = errors


def read_table(
    body: bytes, mimetype: str, charset: str | None, key_column: str
) -> list[dict[str, str]]:
    """The rows of a CSV or XLSX upload whose header holds `key_column`, as {column: text};
    blank rows left out."""
    if mimetype == XLSX:
        return _workbook_table(body, key_column)
    return _csv_table(_decoded(body, charset), key_column)


def _decoded(body: bytes, charset: str | None) -> str:
    declared = (charset or "utf-8").strip().lower()
    encoding = CHARSETS.get(declared)
    if encoding is None:
        raise TableInvalid(
            {
                "file": [
                    f"The charset {declared!r} is not read: send UTF-8 (or declare "
                    "charset=windows-1258 or windows-1252)."
                ]
            }
        )
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        if encoding != "utf-8":
            message = (
                f"The file is not {declared} text (byte 0x{body[exc.start]:02X} on line {line})."
            )
            raise TableInvalid({"file": [message]}) from exc
        raise TableInvalid(
            {
                "file": [
                    f"The file is not UTF-8 (byte 0x{body[exc.start]:02X} on line {line}). "
                    'Save it as "CSV UTF-8", or declare its encoding in the Content-Type '
                    "(charset=windows-1258 or windows-1252)."
                ]
            }
        ) from exc
    return unicodedata.normalize("NFC", text.removeprefix("\ufeff"))


def _separator(first_line: str, key_column: str) -> str:
    for separator in SEPARATORS:
        header = next(csv.reader([first_line], delimiter=separator), [])
        if key_column in (cell.strip() for cell in header):
            return separator
    raise TableInvalid(
        {
            "header": [
                f"The first line must name the columns, {key_column!r} among them, "
                "separated by commas or semicolons."
            ]
        }
    )


def _header(cells: list[Any]) -> list[str]:
    """The column names: trailing empty ones dropped, no empty or repeated name inside."""
    names = [str(cell).strip() if cell is not None else "" for cell in cells]
    while names and not names[-1]:
        names.pop()
    errors = [f"Column {n} has no name." for n, name in enumerate(names, 1) if not name]
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            errors.append(f"Column {name!r} appears more than once.")
        seen.add(name)
    if errors:
        raise TableInvalid({"header": sorted(set(errors))})
    return names


def _csv_table(text: str, key_column: str) -> list[dict[str, str]]:
    separator = _separator(text.split("\n", 1)[0], key_column)
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    header = _header(next(reader))
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        path = f"line.{reader.line_num}"
        extra = cells[len(header) :]
        if any(cell.strip() for cell in extra):
            raise TableInvalid({path: [_too_many_cells(separator)]})
        rows.append(dict(zip(header, (cell.strip() for cell in cells), strict=False)))
        if len(rows) > MAX_TABLE_ROWS:
            raise TableInvalid({"file": [f"More than {MAX_TABLE_ROWS} rows."]})
    return rows


def _too_many_cells(separator: str) -> str:
    if separator == ",":
        return (
            "More cells than header columns. A number with a decimal comma (0,25) splits a "
            "comma-separated line: write 0.25, or separate the cells with semicolons."
        )
    return "More cells than header columns."


def number_cell(text: str) -> float | str:
    """A number as written in a cell (`0.25`, or `0,25` with a decimal comma); the text itself
    when it is no number, for the row's validation to name."""
    candidate = text.replace(",", ".") if DECIMAL_COMMA.fullmatch(text) else text
    try:
        return float(candidate)
    except ValueError:
        return text


def _workbook_table(body: bytes, key_column: str) -> list[dict[str, str]]:
    from openpyxl import load_workbook  # only uploads of workbooks pay for the import

    try:
        book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableInvalid({"file": ["The file is not an XLSX workbook."]}) from exc
    try:
        sheet = book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header: list[str] | None = None
        rows = []
        for number, cells in enumerate(lines, 1):
            if not any(cell not in (None, "") for cell in cells):
                continue
            if header is None:
                header = _header(list(cells))
                if key_column not in header:
                    raise TableInvalid(
                        {
                            "header": [
                                f"The first row must name the columns, {key_column!r} among them."
                            ]
                        }
                    )
                continue
            values = [_sheet_cell(cell) for cell in cells]
            if any(value not in (None, "") for value in values[len(header) :]):
                raise TableInvalid({f"line.{number}": ["More cells than header columns."]})
            rows.append(dict(zip(header, values, strict=False)))
            if len(rows) > MAX_TABLE_ROWS:
                raise TableInvalid({"file": [f"More than {MAX_TABLE_ROWS} rows."]})
    finally:
        book.close()
    if header is None:
        raise TableInvalid({"header": ["The workbook's first sheet is empty."]})
    return rows


def _sheet_cell(value: Any) -> str:
    """A workbook cell as the text a CSV would hold (a whole number without `.0`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value).strip()
