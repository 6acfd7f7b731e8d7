"""The audit log (admin): read only; no route changes or deletes an entry."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from schemas.audit import AuditListSchema, AuditQuerySchema
from service.auth import ADMIN_ONLY, require_role
from service.store import get_store

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit log (admin)")

FILTER_FIELDS = {"round": "round_id", "actor": "actor.token_id", "action": "action"}


@blp.route("")
class Audit(MethodView):
    @require_role(*ADMIN_ONLY)
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditListSchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Every write, newest first, filtered by round, actor token or action; paged."""
        filters = {
            field: query[name] for name, field in FILTER_FIELDS.items() if query[name] is not None
        }
        items = get_store().audit.page(filters, query["limit"], query["after"])
        full_page = len(items) == query["limit"]
        return {"items": items, "next": items[-1]["_id"] if full_page and items else None}
