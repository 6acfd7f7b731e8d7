"""Valid submissions to start from; tests change one thing at a time."""

from __future__ import annotations

import copy
import uuid
from typing import Any

PERIOD = {"start": "2025-01-01", "end": "2025-12-31"}
# The tests' rounds use synthetic codes ("08001"), so they keep free codes whatever their period
# (a round's default geography is the version in force on its first day, docs/design.md §13).
FREE_CODES = {"geography": None}


def household_round(round_id: str = "hh-test", **changes: Any) -> dict[str, Any]:
    return {
        "id": round_id,
        "instrument": "household",
        "title": "Household test round",
        "period": dict(PERIOD),
        **FREE_CODES,
        **changes,
    }


def business_round(round_id: str = "biz-test", **changes: Any) -> dict[str, Any]:
    return {
        "id": round_id,
        "instrument": "business",
        "title": "Business test round",
        "period": dict(PERIOD),
        **FREE_CODES,
        **changes,
    }


def household(submission_id: str | None = None, **answers: Any) -> dict[str, Any]:
    return {
        "submission_id": submission_id or str(uuid.uuid4()),
        "interviewed_at": "2025-05-01T10:00:00+07:00",
        "enumerator_id": "enum-01",
        "location": {"district": "080", "commune": "02641", "area": "urban"},
        "sampling": {"stratum": "080-U", "psu": "080001", "weight": 100.5},
        "answers": {
            "members": 4,
            "members_15plus": 3,
            "fiber_available": True,
            "fiber_subscribed": True,
            "mobile_4g_5g": True,
            "smartphones": 2,
            "members_15plus_with_epay": 2,
            "members_15plus_egov_mobile": 1,
            **answers,
        },
    }


def business(submission_id: str | None = None, **answers: Any) -> dict[str, Any]:
    return {
        "submission_id": submission_id or str(uuid.uuid4()),
        "interviewed_at": "2025-05-02T09:30:00+07:00",
        "enumerator_id": "enum-02",
        "location": {"district": "086", "commune": "02800", "area": "rural"},
        "sampling": {"stratum": "086-R", "psu": "086003", "weight": 12.0},
        "answers": {
            "type": "enterprise",
            "sector": "C",
            "employees": 12,
            "uses_it": True,
            "e_transactions": True,
            "practices": {
                "e_invoice": True,
                "digital_signature": False,
                "online_sales": True,
                "cashless_payments": True,
                "cloud_or_accounting_software": False,
                "website_or_social_page": True,
            },
            **answers,
        },
    }


def changed(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy with the value at a dotted path replaced (or removed when value is ...)."""
    result = copy.deepcopy(payload)
    *parents, last = path.split(".")
    node = result
    for part in parents:
        node = node[part]
    if value is ...:
        node.pop(last)
    else:
        node[last] = value
    return result


def sample_row(assignment_id: str, **changes: Any) -> dict[str, Any]:
    """One selected household of a test sample (docs/design.md §8)."""
    return {
        "assignment_id": assignment_id,
        "stratum": "080-U",
        "psu": "080001",
        "district": "080",
        "commune": "02641",
        "area": "urban",
        "psu_prob": 0.25,
        "unit_prob": 0.1,
        "enumerator": "enum-01",
        "label": f"Household {assignment_id}",
        **changes,
    }


# A take-all commune: psu_prob = 1.
CERTAIN_PSU = {
    "stratum": "082-R",
    "psu": "082001",
    "district": "082",
    "commune": "02660",
    "area": "rural",
    "psu_prob": 1.0,
    "unit_prob": 0.05,
}


def small_sample() -> list[dict[str, Any]]:
    """Six units: two PSUs in stratum 080-U, one certainty PSU in 082-R; two enumerators."""
    return [
        sample_row("A-001"),
        sample_row("A-002"),
        sample_row("A-003", psu="080002", psu_prob=0.5, unit_prob=0.2, enumerator="enum-02"),
        sample_row("A-004", psu="080002", psu_prob=0.5, unit_prob=0.2, enumerator="enum-02"),
        sample_row("B-001", **CERTAIN_PSU, enumerator="enum-02"),
        sample_row("B-002", **CERTAIN_PSU, enumerator=None),
    ]


def visit(assignment_id: str, outcome: str = "completed", **changes: Any) -> dict[str, Any]:
    """A visit to an assignment of a sample round; answers only when completed."""
    payload: dict[str, Any] = {
        "submission_id": str(uuid.uuid4()),
        "assignment_id": assignment_id,
        "outcome": outcome,
        "interviewed_at": "2025-05-01T10:00:00+07:00",
        "started_at": "2025-05-01T09:40:00+07:00",
        "enumerator_id": "enum-01",
    }
    if outcome == "completed":
        payload["answers"] = household()["answers"]
    return {**payload, **changes}
