"""Fieldwork progress: assignments by status, per district, PSU or assignee (docs/design.md §8)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from schemas.samples import OUTCOMES
from service.samples.status import PENDING, status_from
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
    groups: list[dict[str, Any]] = []
    total: Counter[str] = Counter()
    for state in store.assignments.states_by(round_id, by):
        counts: Counter[str] = Counter(assigned=len(state["ids"]))
        for rank, closed in zip(state["ranks"], state["closed"], strict=True):
            counts[status_from(rank, closed)] += 1
        counts["duplicates"] = sum(duplicates.get(aid, 0) for aid in state["ids"])
        total.update(counts)
        groups.append({"key": state["key"], **_with_rate(counts)})
    groups.sort(key=lambda group: (group["key"] is None, group["key"] or ""))
    return {"round_id": round_id, "by": by, "groups": groups, "total": _with_rate(total)}
