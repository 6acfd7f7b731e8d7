"""The indicator catalogue (any role) and design-based estimates (planners)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from schemas.catalogue import (
    BY_DIMENSIONS,
    INDICATORS,
    INDICATORS_BY_ID,
    TARGET_SOURCE,
    indicators_of,
)
from schemas.common import error_paths
from schemas.estimates import (
    EstimatesQuerySchema,
    EstimatesSchema,
    IndicatorListSchema,
    check_indicators_of,
)
from service.auth import ANY_ROLE, READERS, require_role
from service.errors import invalid
from service.estimates.cache import EstimateCache
from service.estimates.publication import published, with_overall
from service.estimates.pushdown import fetch_cell_sums
from service.estimates.report import estimates_report
from service.estimates.tables import COLUMNS, estimate_rows
from service.rounds.routes import load_round
from service.store import get_store
from service.tabular import csv_response, wants_csv

blp = Blueprint("estimates", __name__, url_prefix="/api/v1", description="Indicators and estimates")


def estimate_cache() -> EstimateCache:
    return current_app.extensions.setdefault("estimate_cache", EstimateCache())


def compute_estimates(round_doc: dict[str, Any], query: dict[str, Any]) -> dict[str, Any]:
    """The estimates report for a round and a validated query, from the cache when current."""
    instrument = round_doc["instrument"]
    ids = query["indicators"] or [indicator.id for indicator in indicators_of(instrument)]
    by = query["by"]
    try:
        check_indicators_of(instrument, ids)
        if by is not None and by not in BY_DIMENSIONS[instrument]:
            raise ValidationError({"by": [f"The {instrument} instrument has no {by!r} domain."]})
    except ValidationError as exc:
        raise invalid(error_paths(exc.messages), "The estimates query is invalid.") from exc
    indicators = [INDICATORS_BY_ID[i] for i in ids]
    store = get_store()
    key = (
        store.db.name,
        round_doc["_id"],
        round_doc.get("data_version", 0),
        tuple(ids),
        by,
        query["ci"],
        query["level"],
    )

    def compute() -> dict[str, Any]:
        cells = fetch_cell_sums(store, round_doc["_id"], indicators, by)
        return estimates_report(round_doc, cells, indicators, by, query["ci"], query["level"])

    return estimate_cache().get_or_compute(key, compute)


def xlsx_response(report: dict[str, Any], filename: str) -> Response:
    from service.estimates.workbook import estimates_workbook

    return Response(
        estimates_workbook(report),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@blp.route("/indicators")
class Indicators(MethodView):
    @require_role(*ANY_ROLE)
    @blp.response(200, IndicatorListSchema)
    def get(self) -> dict[str, Any]:
        """The indicator catalogue with the 2025 targets of Lào Cai's plan."""
        items = [
            {
                **vars(indicator),
                "by": list(BY_DIMENSIONS[indicator.instrument]),
                "target_source": TARGET_SOURCE if indicator.default_target is not None else None,
            }
            for indicator in INDICATORS
        ]
        return {"items": items, "next": None}


@blp.route("/rounds/<string:round_id>/estimates")
class RoundEstimates(MethodView):
    @require_role(*READERS)
    @blp.arguments(EstimatesQuerySchema, location="query")
    @blp.response(200, EstimatesSchema)
    def get(self, query: dict[str, Any], round_id: str) -> Any:
        """Estimates with CIs, reliability and target status; CSV or XLSX on request."""
        round_doc = load_round(round_id)
        report = compute_estimates(round_doc, query)
        if query["overall"] and query["by"]:
            report = with_overall(compute_estimates(round_doc, {**query, "by": None}), report)
        report = published(report, query["suppressed"])
        stem = f"{round_id}-estimates{'-by-' + query['by'] if query['by'] else ''}"
        if query["format"] == "xlsx":
            return xlsx_response(report, f"{stem}.xlsx")
        if wants_csv(query["format"]):
            return csv_response(COLUMNS, estimate_rows(report), f"{stem}.csv")
        return report
