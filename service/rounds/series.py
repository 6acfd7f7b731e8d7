"""A round's series: a series holds rounds of one instrument (docs/design.md §10), checked when
a round is created or joins one."""

from __future__ import annotations

from service.domain.errors import invalid
from service.domain.round import Round
from service.store import get_store


def check_series_instrument(series: str | None, instrument: str, round_id: str) -> None:
    """422 naming `series` when the series holds a round of another instrument."""
    if series is None:
        return
    rounds = [Round.from_doc(doc) for doc in get_store().rounds.in_series(series)]
    others = {r.instrument for r in rounds if r.id != round_id and r.instrument != instrument}
    if others:
        raise invalid(
            {
                "series": [
                    f"Series {series!r} holds {', '.join(sorted(others))} rounds; "
                    f"a {instrument} round cannot join it."
                ]
            }
        )
