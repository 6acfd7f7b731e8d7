"""A table: the typed rows and columns a route produces, and what it answers as JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Rows = Iterable[Mapping[str, Any]]


@dataclass(frozen=True)
class Table:
    """One resource in every form a route offers. `rows` and `document` are called only for the
    form asked for (a listing's JSON page and its full export are different store reads)."""

    name: str  # the XLSX sheet
    columns: Sequence[str]
    rows: Callable[[], Rows]
    document: Callable[[], Any]  # the JSON answer, serialised by the route's response schema
    workbook: Callable[[str], bytes] | None = None  # a report-ready XLSX in the caller's language
