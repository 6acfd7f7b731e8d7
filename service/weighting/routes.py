"""A round's weights: diagnostics (JSON) or one row per unit (CSV), docs/design.md §9."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from outputs import Table, answer
from schemas.weights import WeightsQuerySchema, WeightsSchema
from service.auth import READERS, require_role
from service.rounds.model import load_round
from service.weighting.diagnostics import UNIT_COLUMNS, unit_rows, weights_summary

blp = Blueprint("weights", __name__, url_prefix="/api/v1", description="Survey weights")


@blp.route("/rounds/<string:round_id>/weights")
class RoundWeights(MethodView):
    @require_role(*READERS)
    @blp.arguments(WeightsQuerySchema, location="query")
    @blp.response(200, WeightsSchema)
    def get(self, query: dict[str, Any], round_id: str) -> Any:
        """Sums, range, CV, Kish deff and g range of the final weights; CSV: one row per unit."""
        survey_round = load_round(round_id)
        table = Table(
            "weights",
            UNIT_COLUMNS,
            lambda: list(unit_rows(survey_round)),  # a 422 before the first line is sent
            document=partial(weights_summary, survey_round),
        )
        return answer(query["format"], table, f"{round_id}-weights")
