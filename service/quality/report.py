"""The round's interview-quality report: stored submissions → flags by enumerator."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from service.quality.flags import Interview, quality_by_enumerator
from service.store import Store

FIELDS = (
    "submission_id",
    "enumerator_id",
    "outcome",
    "location",  # whole: nx-27017 projects no nested paths
    "started_at",
    "interviewed_at",
    "answers",
    "flags",
    "review",
)
LEFT_OUT = ("rejected",)  # review states that do not count


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def interview_of(doc: dict[str, Any]) -> Interview:
    return Interview(
        submission_id=doc["submission_id"],
        enumerator_id=doc["enumerator_id"],
        outcome=doc.get("outcome", "completed"),  # rounds without a sample: interviews only
        district=(doc.get("location") or {}).get("district", ""),
        started_at=_when(doc.get("started_at")),
        interviewed_at=_at(doc["interviewed_at"]),
        answers=doc.get("answers"),
        clock="clock" in (doc.get("flags") or []),
    )


def quality_report(
    store: Store, round_id: str, short_minutes: float | None = None
) -> dict[str, Any]:
    interviews = [
        interview_of(doc)
        for doc in store.submissions.iterate_fields(round_id, FIELDS)
        if (doc.get("review") or {}).get("state") not in LEFT_OUT
    ]
    threshold, groups = quality_by_enumerator(interviews, short_minutes)
    return {
        "round_id": round_id,
        "by": "enumerator",
        "short_minutes": threshold,
        "groups": [asdict(group) for group in groups],
    }
