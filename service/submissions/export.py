"""Submissions as flat rows for CSV export: what was answered, and what became of it (review,
whether it counts in the estimates, its version; in a sample round its assignment, outcome and
start), so that an analyst can rebuild the estimates' data from the export alone."""

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
VISIT = ["assignment_id", "outcome", "started_at"]  # sample rounds only (docs/design.md §8)
LOCATION = [f"location.{name}" for name in LocationSchema().fields if name != "gps"] + [
    "location.gps.lat",
    "location.gps.lon",
    "location.gps.accuracy_m",
]
SAMPLING = ["sampling.stratum", "sampling.psu", "sampling.weight"]
TRAILER = ["received_at", "source", "review", "review_comment", "in_estimates", "version"]


def export_columns(instrument: str, sampled: bool = False) -> list[str]:
    if instrument == "household":
        answers = [f"answers.{name}" for name in HouseholdAnswersSchema().fields]
    else:
        answers = [
            f"answers.{name}" for name in BusinessAnswersSchema().fields if name != "practices"
        ]
        answers += [f"answers.practices.{name}" for name in PracticesSchema().fields]
    return COMMON + (VISIT if sampled else []) + LOCATION + SAMPLING + answers + TRAILER


def export_row(doc: dict[str, Any]) -> dict[str, Any]:
    public = {
        key: doc.get(key)
        for key in (
            "submission_id",
            "interviewed_at",
            "enumerator_id",
            *VISIT,
            "location",
            "sampling",
            "answers",
            "source",
            "received_at",
        )
    }
    review = doc.get("review") or {}
    public["review"] = review.get("state")  # empty: not reviewed yet
    public["review_comment"] = review.get("comment")
    public["in_estimates"] = bool(doc.get("in_estimates", True))
    public["version"] = int(doc.get("version", 1))
    return flatten(public)
