"""Estimates as a publication shows them: suppressed numbers withheld, the province row first.

The API keeps every number with its reliability flag for statisticians (`?suppressed=show`,
the default); a publication such as the dashboard asks `?suppressed=withhold` and gets the
suppressed results without any number derived from the estimate, their verdict and reasons
kept, so that no reader can reconstruct what NCHS says must not be presented (docs/design.md §6).
"""

from __future__ import annotations

from typing import Any

from catalogue import SuppressedPolicy
from service.estimates.service import compute_estimates

# every field that tells the estimate or can be turned back into it (n_eff = p(1−p)/se²)
WITHHELD_FIELDS = ("estimate", "se", "ci_low", "ci_high", "deff", "n_eff", "cv")


def _withheld(result: dict[str, Any]) -> dict[str, Any]:
    if result["reliability"] != "suppress":
        return result
    return {**result, **dict.fromkeys(WITHHELD_FIELDS)}


def published(report: dict[str, Any], policy: SuppressedPolicy) -> dict[str, Any]:
    """The report under `policy`; the (cached) report itself is never changed."""
    match policy:
        case SuppressedPolicy.SHOW:
            return report
        case SuppressedPolicy.WITHHOLD:
            return {
                **report,
                "estimates": [
                    {**block, "results": [_withheld(result) for result in block["results"]]}
                    for block in report["estimates"]
                ],
            }


def with_overall(overall: dict[str, Any], by_report: dict[str, Any]) -> dict[str, Any]:
    """The `by` report with each indicator's province-wide result put first (domain null)."""
    province = {block["indicator"]: block["results"] for block in overall["estimates"]}
    return {
        **by_report,
        "estimates": [
            {**block, "results": [*province[block["indicator"]], *block["results"]]}
            for block in by_report["estimates"]
        ],
    }


def requested_report(round_doc: dict[str, Any], query: dict[str, Any]) -> dict[str, Any]:
    """The report a validated query asks for: with the province rows when `overall`, under
    its `suppressed` policy."""
    report = compute_estimates(round_doc, query)
    if query["overall"] and query["by"]:
        report = with_overall(compute_estimates(round_doc, {**query, "by": None}), report)
    return published(report, query["suppressed"])
