"""Fieldwork progress: assignments by status, per district, PSU or assignee (docs/design.md §8)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from schemas.samples import OUTCOMES
from service.samples.status import PENDING, status_of
from service.store import Store

COUNTED = ("assigned", PENDING, *OUTCOMES, "duplicates")
RESPONDENT_OR_NOT = ("completed", "refused", "noncontact", "other_nonresponse")


def response_rate(counts: dict[str, int]) -> float | None:
    """completed / (completed + refused + noncontact + other_nonresponse); None for 0/0."""
    eligible = sum(counts[status] for status in RESPONDENT_OR_NOT)
    return counts["completed"] / eligible if eligible else None


def _with_rate(counts: Counter[str]) -> dict[str, Any]:
    shaped: dict[str, Any] = {name: counts.get(name, 0) for name in COUNTED}
    return shaped | {"response_rate": response_rate(shaped)}


def progress(store: Store, round_id: str, by: str) -> dict[str, Any]:
    """Counts per group and in total, from the assignments and their held duplicates."""
    duplicates = store.submissions.held_duplicates(round_id)
    groups: dict[Any, Counter[str]] = {}
    total: Counter[str] = Counter()
    for assignment in store.assignments.of_round(round_id):
        counts = groups.setdefault(assignment.get(by), Counter())
        added = Counter(
            {"assigned": 1, status_of(assignment): 1},
            duplicates=duplicates.get(assignment["assignment_id"], 0),
        )
        counts.update(added)
        total.update(added)
    ordered = sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or ""))
    return {
        "round_id": round_id,
        "by": by,
        "groups": [{"key": key, **_with_rate(counts)} for key, counts in ordered],
        "total": _with_rate(total),
    }
