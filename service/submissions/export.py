"""Submissions as flat rows for CSV export."""

from __future__ import annotations

from typing import Any

from schemas.submissions import (
    BusinessAnswersSchema,
    HouseholdAnswersSchema,
    LocationSchema,
    PracticesSchema,
)
from service.tabular import flatten

COMMON = ["submission_id", "interviewed_at", "enumerator_id"]
LOCATION = [f"location.{name}" for name in LocationSchema().fields if name != "gps"] + [
    "location.gps.lat",
    "location.gps.lon",
    "location.gps.accuracy_m",
]
SAMPLING = ["sampling.stratum", "sampling.psu", "sampling.weight"]
TRAILER = ["received_at", "source"]


def export_columns(instrument: str) -> list[str]:
    if instrument == "household":
        answers = [f"answers.{name}" for name in HouseholdAnswersSchema().fields]
    else:
        answers = [
            f"answers.{name}" for name in BusinessAnswersSchema().fields if name != "practices"
        ]
        answers += [f"answers.practices.{name}" for name in PracticesSchema().fields]
    return COMMON + LOCATION + SAMPLING + answers + TRAILER


def export_row(doc: dict[str, Any]) -> dict[str, Any]:
    public = {
        key: doc.get(key)
        for key in (
            "submission_id",
            "interviewed_at",
            "enumerator_id",
            "location",
            "sampling",
            "answers",
            "source",
        )
    }
    received = doc.get("received_at")
    public["received_at"] = received
    return flatten(public)
