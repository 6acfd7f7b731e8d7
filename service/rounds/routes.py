"""Survey rounds: create and edit (admin), list and read (any role)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from catalogue import Role
from schemas.rounds import RoundCreateSchema, RoundListSchema, RoundPatchSchema, RoundSchema
from service.auth import ADMIN_ONLY, ANY_ROLE, require_role
from service.rounds.model import create_round, list_rounds, load_round, patch_round, with_counts

blp = Blueprint("rounds", __name__, url_prefix="/api/v1/rounds", description="Survey rounds")


@blp.route("")
class Rounds(MethodView):
    @require_role(*ADMIN_ONLY)
    @blp.arguments(RoundCreateSchema)
    @blp.response(201, RoundSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a round with its sampling design and targets."""
        return create_round(data)

    @require_role(*ANY_ROLE)
    @blp.response(200, RoundListSchema)
    def get(self) -> dict[str, Any]:
        """Every round, with its number of submissions (frames list districts only; read one
        round for its communes); a planner's list leaves out pilots and tests."""
        return {"items": list_rounds(g.token["role"] == Role.PLANNER), "next": None}


@blp.route("/<string:round_id>")
class RoundById(MethodView):
    @require_role(*ANY_ROLE)
    @blp.response(200, RoundSchema)
    def get(self, round_id: str) -> dict[str, Any]:
        """One round, with its number of submissions."""
        return with_counts(load_round(round_id))

    @require_role(*ADMIN_ONLY)
    @blp.arguments(RoundPatchSchema)
    @blp.response(200, RoundSchema)
    def patch(self, changes: dict[str, Any], round_id: str) -> dict[str, Any]:
        """Close or reopen a round, retitle it, change its targets or its design."""
        return patch_round(round_id, changes)
