"""Interview quality (admin, supervisor)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from catalogue import Role
from schemas.quality import QualityQuerySchema, QualityReportSchema
from service.auth import require_role
from service.quality.report import quality_report
from service.rounds.model import load_round
from service.store import get_store

blp = Blueprint(
    "quality", __name__, url_prefix="/api/v1/rounds", description="Interview quality (supervisors)"
)


@blp.route("/<string:round_id>/quality")
class Quality(MethodView):
    @require_role(Role.SUPERVISOR)
    @blp.arguments(QualityQuerySchema, location="query")
    @blp.response(200, QualityReportSchema)
    def get(self, query: dict[str, Any], round_id: str) -> dict[str, Any]:
        """Durations, short interviews, refusals, identical answers, overlaps and clock flags."""
        load_round(round_id)
        return quality_report(get_store(), round_id, query["short_minutes"])
