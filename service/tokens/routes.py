"""Issue, list and revoke API tokens (admin)."""

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from schemas.tokens import IssuedTokenSchema, TokenCreateSchema, TokenListSchema
from service.auth import ADMIN_ONLY, require_role
from service.store import get_store
from service.tokens.model import issue_token, revoke_token

blp = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens", description="API tokens (admin)")


@blp.route("")
class Tokens(MethodView):
    @require_role(*ADMIN_ONLY)
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, IssuedTokenSchema)
    def post(self, data: dict[str, str]) -> dict[str, Any]:
        """Issue a token; the secret is in this response only."""
        doc, token = issue_token(get_store(), data["role"], data["name"])
        return {**doc, "token": token}

    @require_role(*ADMIN_ONLY)
    @blp.response(200, TokenListSchema)
    def get(self) -> dict[str, Any]:
        """Every token, revoked ones included, without secrets."""
        return {"items": get_store().tokens.list(), "next": None}


@blp.route("/<string:token_id>")
class TokenById(MethodView):
    @require_role(*ADMIN_ONLY)
    @blp.response(204)
    def delete(self, token_id: str) -> None:
        """Revoke a token; it stops working at once."""
        revoke_token(get_store(), token_id)
