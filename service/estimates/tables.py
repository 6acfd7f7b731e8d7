"""Estimates as flat rows: one per indicator × domain, for CSV, XLSX and the CLI export."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scoring import RESULT_FIELDS

COLUMNS = [
    *("round_id", "data_version", "computed_at", "indicator", "unit", "by"),
    *RESULT_FIELDS,
    *("target", "target_status"),
]


def estimate_rows(report: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for block in report["estimates"]:
        for result in block["results"]:
            domain = result["domain"]
            target = result.get("target") or {}
            yield {
                "round_id": report["round_id"],
                "data_version": report["data_version"],
                "computed_at": report["computed_at"],
                **{key: block[key] for key in ("indicator", "unit", "ci_method", "level")},
                **result,
                "by": None if domain is None else block["by"],
                "domain": None if domain is None else next(iter(domain.values())),
                "target": target.get("value"),
                "target_status": target.get("status"),
            }
