"""The indicator catalogue (any role) and design-based estimates (planners)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from catalogue import BY_DIMENSIONS, INDICATORS
from catalogue.targets import todays_default
from outputs import answer
from schemas.estimates import EstimatesQuerySchema, EstimatesSchema, IndicatorListSchema
from service.auth import ANY_ROLE, READERS, require_role
from service.estimates.app_source import estimates_source
from service.estimates.publication import check_policy, requested_report
from service.estimates.tables import estimates_table
from service.rounds.model import load_round

blp = Blueprint("estimates", __name__, url_prefix="/api/v1", description="Indicators and estimates")


@blp.route("/indicators")
class Indicators(MethodView):
    @require_role(*ANY_ROLE)
    @blp.response(200, IndicatorListSchema)
    def get(self) -> dict[str, Any]:
        """The indicator catalogue, each with the target a new round of the whole province
        would be held against today (the targets register: GET /api/v1/targets)."""
        items = []
        for indicator in INDICATORS:
            target = todays_default(indicator.id)
            items.append(
                {
                    **vars(indicator),
                    "is_rate": indicator.is_rate,
                    "by": list(BY_DIMENSIONS[indicator.instrument]),
                    "default_target": target and target.value,
                    "target_source": target and target.source.document,
                }
            )
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
        report = requested_report(survey_round, query, estimates_source())
        stem = f"{round_id}-estimates{'-by-' + query['by'] if query['by'] else ''}"
        table = estimates_table(report, survey_round, query.get("geography"))
        return answer(query["format"], table, stem, query["lang"])
