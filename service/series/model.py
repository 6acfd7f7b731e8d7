"""A series: rounds of one instrument, compared in period order (docs/design.md §10)."""

from __future__ import annotations

from typing import Any

from service.cells.reading import data_version
from service.domain.errors import not_found
from service.domain.round import Round
from service.store import get_store

ROUND_FIELDS = ("title", "period", "status", "data_version")


def series_rounds(series: str) -> list[Round]:
    """The series' stored rounds in period order, or 404 when no round carries it."""
    rounds = [Round.from_doc(doc) for doc in get_store().rounds.in_series(series)]
    if not rounds:
        raise not_found(f"Series {series!r}")
    return rounds


def series_view(series: str) -> dict[str, Any]:
    """The series as the API shows it: its instrument and rounds in period order."""
    rounds, store = series_rounds(series), get_store()
    return {
        "series": series,
        "instrument": rounds[-1].instrument,
        "rounds": [
            {"id": r.id, **{name: r.doc.get(name) for name in ROUND_FIELDS}}
            | {"data_version": data_version(r, store.cells.head(r.id) or {})}
            for r in rounds
        ],
    }
