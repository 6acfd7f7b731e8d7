"""The targets register (any token reads): docs/design.md §13, docs/targets.md."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from catalogue.targets import listed
from schemas.targets import TargetListSchema, TargetsQuerySchema
from service.auth import ANY_ROLE, require_role

blp = Blueprint("targets", __name__, url_prefix="/api/v1", description="Targets register")


@blp.route("/targets")
class Targets(MethodView):
    @require_role(*ANY_ROLE)
    @blp.arguments(TargetsQuerySchema, location="query")
    @blp.response(200, TargetListSchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The targets that map onto an indicator, each with its document, clause and check."""
        targets = listed(query.get("indicator"), query.get("year"), query.get("area"))
        return {"items": [target.as_json() for target in targets], "next": None}
