"""Auxiliary tables: `commune,<numeric columns>` CSV, every commune of the version once."""

from __future__ import annotations

import csv
import io
import math
import re
from typing import Any

from schemas.audit import AuditAction
from schemas.small_area import COLUMN_PATTERN
from service.audit.log import record as audit
from service.domain.errors import invalid
from service.small_area.geography import version_communes
from service.store import Store
from service.store.clock import utc_now

COMMUNE_CODE = re.compile(r"[0-9A-Za-z_-]{1,16}")
COLUMN = re.compile(COLUMN_PATTERN)
MAX_COLUMNS = 50
LISTED = 20  # codes named in one message


def parse_table(text: str, version: str) -> tuple[list[str], dict[str, list[float]]]:
    """The columns and the rows {commune: values} of a CSV body, or 422 naming every problem."""
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        raise invalid({"body": ["Empty: expected a header `commune,<columns>` and rows."]})
    header = [name.strip() for name in lines[0]]
    errors: dict[str, list[str]] = {}
    if len(header) == 1 and ";" in header[0]:
        raise invalid({"header": ["Columns are separated by `;`: use `,` (decimal point `.`)."]})
    if header[0] != "commune":
        errors["header"] = ["The first column must be `commune`."]
    columns = header[1:]
    if not columns or len(columns) > MAX_COLUMNS:
        errors.setdefault("header", []).append(f"Give 1 to {MAX_COLUMNS} numeric columns.")
    bad = [name for name in columns if not COLUMN.fullmatch(name)]
    if bad:
        errors.setdefault("header", []).append(
            f"Column names must match {COLUMN_PATTERN}: {', '.join(bad)}."
        )
    if len(set(columns)) != len(columns):
        errors.setdefault("header", []).append("A column appears twice.")
    if errors:
        raise invalid(errors, "The auxiliary table is invalid; nothing was stored.")
    rows: dict[str, list[float]] = {}
    twice: list[str] = []
    for number, line in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in line):
            continue
        if len(line) != len(header):
            errors[f"line {number}"] = [f"Expected {len(header)} cells, got {len(line)}."]
            continue
        code = line[0].strip()
        if not COMMUNE_CODE.fullmatch(code):
            errors[f"line {number}.commune"] = ["Not a commune code."]
            continue
        values = [
            _number(cell, f"line {number}.{name}", errors)
            for name, cell in zip(columns, line[1:], strict=True)
        ]
        if code in rows:
            twice.append(code)
        rows[code] = values
    if twice:
        errors["communes"] = [f"More than once: {_listed(twice)}."]
    known = version_communes(version)
    missing = sorted(set(known) - set(rows))
    unknown = sorted(set(rows) - set(known))
    if missing:
        errors.setdefault("communes", []).append(f"Missing from {version}: {_listed(missing)}.")
    if unknown:
        errors.setdefault("communes", []).append(f"Not communes of {version}: {_listed(unknown)}.")
    if not rows:
        errors.setdefault("communes", []).append("No rows.")
    if errors:
        raise invalid(errors, "The auxiliary table is invalid; nothing was stored.")
    return columns, rows


def _number(text: str, path: str, errors: dict[str, list[str]]) -> float:
    cell = text.strip()
    try:
        value = float(cell)
    except ValueError:
        hint = " (decimal commas are not read: use `.`)" if re.fullmatch(r"-?\d+,\d+", cell) else ""
        errors[path] = [f"Not a number: {cell!r}{hint}."]
        return math.nan
    if not math.isfinite(value):
        errors[path] = ["Not a finite number."]
    return value


def _listed(codes: list[str]) -> str:
    more = len(codes) - LISTED
    return ", ".join(codes[:LISTED]) + (f" and {more} more" if more > 0 else "")


def summary(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": doc["version"],
        "name": doc["name"],
        "source": doc["source"],
        "columns": doc["columns"],
        "communes": len(doc["rows"]),
        "updated_at": doc["updated_at"],
    }


def table_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """{commune, <column>: value} per commune, by code."""
    return [
        {"commune": code, **dict(zip(doc["columns"], values, strict=True))}
        for code, values in sorted(doc["rows"].items())
    ]


def store_table(store: Store, version: str, name: str, source: str, text: str) -> dict[str, Any]:
    """Validate and store (or replace) a table; the same table again changes nothing."""
    columns, rows = parse_table(text, version)
    current = store.auxiliary.get(version, name)
    if current and (current["columns"], current["rows"], current["source"]) == (
        columns,
        rows,
        source,
    ):
        return summary(current)
    doc = {
        "version": version,
        "name": name,
        "source": source,
        "columns": columns,
        "rows": rows,
        "updated_at": utc_now(),
    }
    store.auxiliary.put(doc)
    audit(store, AuditAction.AUXILIARY_IMPORT, [f"{version}/{name}"])
    return summary(doc)
