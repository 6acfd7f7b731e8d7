"""Valid submissions to start from; tests change one thing at a time."""

from __future__ import annotations

import copy
import uuid
from typing import Any

PERIOD = {"start": "2025-01-01", "end": "2025-12-31"}


def household_round(round_id: str = "hh-test", **changes: Any) -> dict[str, Any]:
    return {
        "id": round_id,
        "instrument": "household",
        "title": "Household test round",
        "period": dict(PERIOD),
        **changes,
    }


def business_round(round_id: str = "biz-test", **changes: Any) -> dict[str, Any]:
    return {
        "id": round_id,
        "instrument": "business",
        "title": "Business test round",
        "period": dict(PERIOD),
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
