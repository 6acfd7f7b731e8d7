"""The indicator catalogue (any role) and design-based estimates (planners)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from catalogue import BY_DIMENSIONS, INDICATORS, TARGET_SOURCE
from schemas.estimates import EstimatesQuerySchema, EstimatesSchema, IndicatorListSchema
from service.auth import ANY_ROLE, READERS, require_role
from service.estimates.publication import check_policy, requested_report
from service.estimates.tables import COLUMNS, estimate_rows
from service.rounds.model import load_round
from service.tabular import csv_response, wants_csv, xlsx_response

blp = Blueprint("estimates", __name__, url_prefix="/api/v1", description="Indicators and estimates")


@blp.route("/indicators")
class Indicators(MethodView):
    @require_role(*ANY_ROLE)
    @blp.response(200, IndicatorListSchema)
    def get(self) -> dict[str, Any]:
        """The indicator catalogue with the 2025 targets of Lào Cai's plan."""
        items = [
            {
                **vars(indicator),
                "is_rate": indicator.is_rate,
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
        """Estimates with CIs, reliability and target status; CSV or XLSX on request.
        Unreliable estimates are withheld (with their complements) unless an admin or analyst
        asks `suppressed=show`."""
        check_policy(query["suppressed"], g.token["role"])
        survey_round = load_round(round_id)
        report = requested_report(survey_round, query)
        stem = f"{round_id}-estimates{'-by-' + query['by'] if query['by'] else ''}"
        if query["format"] == "xlsx":
            from service.estimates.report_workbook import report_workbook

            content = report_workbook(report, survey_round, query["lang"], query.get("geography"))
            return xlsx_response(content, f"{stem}.xlsx")
        if wants_csv(query["format"]):
            return csv_response(COLUMNS, estimate_rows(report), f"{stem}.csv")
        return report
