"""Estimates as a table: flat rows, one per indicator × domain, and the report-ready XLSX."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from outputs import Table
from scoring import RESULT_FIELDS
from service.domain.round import Round

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


def estimates_table(
    report: dict[str, Any], survey_round: Round, geography: str | None = None
) -> Table:
    """The estimates in every output format (the route and the CLI export)."""

    def workbook(lang: str) -> bytes:
        from service.estimates.report_workbook import report_workbook  # openpyxl when asked

        return report_workbook(report, survey_round, lang, geography)

    return Table(
        "estimates",
        COLUMNS,
        partial(estimate_rows, report),
        document=lambda: report,
        workbook=workbook,
    )
