"""Liveness and readiness."""

from flask.views import MethodView
from flask_smorest import Blueprint

from service.store import get_store

blp = Blueprint("health", __name__, description="Liveness and readiness probes")


@blp.route("/healthz")
class Health(MethodView):
    @blp.doc(security=[])
    @blp.response(200)
    def get(self) -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.doc(security=[])
    @blp.response(200)
    def get(self) -> dict[str, str]:
        """The store answers ping (503 otherwise)."""
        get_store().ping()
        return {"status": "ready"}
