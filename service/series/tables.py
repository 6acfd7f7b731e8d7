"""The change table as flat rows: one per indicator × domain, for CSV and XLSX."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scoring.contrasts import CHANGE_FIELDS

COLUMNS = [
    *("series", "from_round", "from_data_version", "to_round", "to_data_version", "pairing"),
    *("indicator", "unit", "by", "level", "domain"),
    *CHANGE_FIELDS,
]


def change_rows(report: dict[str, Any]) -> Iterator[dict[str, Any]]:
    rounds = {
        column: report[f"{name}_round"][key]
        for name in ("from", "to")
        for column, key in ((f"{name}_round", "round_id"), (f"{name}_data_version", "data_version"))
    }
    for block in report["changes"]:
        for result in block["results"]:
            domain = result["domain"]
            yield {
                "series": report["series"],
                **rounds,
                "pairing": report["pairing"],
                **{key: block[key] for key in ("indicator", "unit", "by", "level")},
                **result,
                "domain": None if domain is None else next(iter(domain.values())),
            }
