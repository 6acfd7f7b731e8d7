"""The public Lào Cai demo sample (tests/fixtures/reference/laocai_demo) as API submissions."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from schemas.submissions import PRACTICES

FIXTURES = Path(__file__).parents[1] / "fixtures"
REFERENCE = FIXTURES / "reference"
LAOCAI_DEMO = REFERENCE / "laocai_demo"


def read_rows(name: str) -> list[dict[str, str]]:
    with (LAOCAI_DEMO / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _envelope(row: dict[str, str]) -> dict[str, Any]:
    return {
        "submission_id": row["submission_id"],
        "interviewed_at": "2025-06-01T09:00:00+07:00",
        "enumerator_id": "reference",
        # the demo file has no commune column: its PSUs are communes
        "location": {
            "district": row["district"],
            "commune": row["psu"],
            "area": "urban" if row["urban"] == "U" else "rural",
        },
        "sampling": {"stratum": row["stratum"], "psu": row["psu"], "weight": float(row["weight"])},
    }


def household_payload(row: dict[str, str]) -> dict[str, Any]:
    flag = {
        name: row[name] == "1" for name in ("fiber_available", "fiber_subscribed", "mobile_4g_5g")
    }
    counts = {
        name: int(row[name])
        for name in (
            "members",
            "members_15plus",
            "smartphones",
            "members_15plus_with_epay",
            "members_15plus_egov_mobile",
        )
    }
    return _envelope(row) | {"answers": flag | counts}


def business_payload(row: dict[str, str]) -> dict[str, Any]:
    answers = {
        "type": row["type"],
        "sector": "G",  # not in the demo file; one section for all keeps the design untouched
        "employees": int(row["employees"]),
        "uses_it": row["uses_it"] == "1",
        "e_transactions": row["e_transactions"] == "1",
        "practices": {name: row[name] == "1" for name in PRACTICES},
    }
    return _envelope(row) | {"answers": answers}


def reference_case(name: str) -> dict[str, Any]:
    cases = json.loads((REFERENCE / "expected.json").read_text())["cases"]
    return next(case for case in cases if case["name"] == name)
