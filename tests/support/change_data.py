"""The change goldens' rounds (tests/fixtures/reference_change) as API submissions."""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path
from typing import Any

REFERENCE_CHANGE = Path(__file__).parents[1] / "fixtures" / "reference_change"
INDICATOR_OF = {"fiber_available": "fiber_available", "members_15plus_with_epay": "epay_account"}
"""The golden's variable → the catalogue indicator that estimates it."""


def change_payloads(csv_name: str, prefix: str) -> list[dict[str, Any]]:
    """One household submission per row; answers the goldens do not use are neutral."""
    with (REFERENCE_CHANGE / csv_name).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        {
            "submission_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{prefix}/{index}")),
            "interviewed_at": "2025-06-01T09:00:00+07:00",
            "enumerator_id": "reference",
            "location": {"district": row["district"], "commune": row["psu"], "area": row["area"]},
            "sampling": {
                "stratum": row["stratum"],
                "psu": row["psu"],
                "weight": float(row["weight"]),
            },
            "answers": {
                "fiber_available": row["fiber_available"] == "1",
                "fiber_subscribed": False,
                "mobile_4g_5g": False,
                "members": max(int(row["members_15plus"]), 1),
                "members_15plus": int(row["members_15plus"]),
                "smartphones": int(row["smartphones"]),
                "members_15plus_with_epay": int(row["members_15plus_with_epay"]),
                "members_15plus_egov_mobile": 0,
            },
        }
        for index, row in enumerate(rows)
    ]


def api_cases() -> list[dict[str, Any]]:
    """The golden cases the service can answer: catalogue indicators, rounds as they are (no
    calibration), the default lonely-PSU policy or another one on the full overlap."""
    cases = json.loads((REFERENCE_CHANGE / "expected.json").read_text())["cases"]
    return [
        case
        for case in cases
        if case["calibration"] is None
        and (case["design"]["lonely_psu"] == "adjust" or "full" in case["name"])
        and (case["estimand"].get("var") or case["estimand"].get("count")) in INDICATOR_OF
    ]


def golden_variable(case: dict[str, Any]) -> str:
    """The golden's variable: a proportion's or mean's, a rate's count, a ratio's numerator."""
    estimand = case["estimand"]
    return estimand.get("var") or estimand.get("count") or estimand["num"]


def calibrated_api_cases() -> list[dict[str, Any]]:
    """The calibrated golden cases of catalogue indicators (default lonely-PSU policy).

    A person-level rate of a calibrated round is R `svyratio` of persons with the item over
    persons 15+ (docs/design.md §9a), so the ratio goldens are `epay_account`'s."""
    cases = json.loads((REFERENCE_CHANGE / "expected.json").read_text())["cases"]
    return [
        case
        for case in cases
        if case["calibration"] is not None
        and case["estimand"]["type"] in ("proportion", "ratio")
        and golden_variable(case) in INDICATOR_OF
    ]
