"""Small-area estimates as flat rows (CSV, XLSX): a withheld row has only its code, name and
why."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

COLUMNS = [
    *("round_id", "indicator", "geography", "method", "commune", "name", "n"),
    *("direct_estimate", "direct_se", "direct_reliability"),
    *("model_estimate", "model_rmse", "model_cv", "model_shrinkage"),
    *("published_estimate", "published_ci_low", "published_ci_high"),
    *("published_source", "published_reason"),
]


def small_area_rows(report: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for row in report["communes"]:
        flat = {
            "round_id": report["round_id"],
            "indicator": report["indicator"],
            "geography": report["geography"],
            "method": report["model"]["method"],
            "commune": row["commune"],
            "name": row["name"],
            "n": row["n"],
        }
        for block in ("direct", "model", "published"):
            for key, value in (row[block] or {}).items():
                flat[f"{block}_{key}"] = value
        yield flat
