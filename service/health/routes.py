"""Liveness and readiness, with what the supervisor knows about the embedded store."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from service.errors import Problem
from service.store import UNAVAILABLE_ERRORS, get_store
from service.store_state import StoreState, read_state

blp = Blueprint("health", __name__, description="Liveness and readiness probes")


def store_state() -> StoreState | None:
    return read_state(current_app.config.get("SURVEY_STORE_STATE"))


@blp.route("/healthz")
class Health(MethodView):
    @blp.doc(security=[])
    @blp.response(200)
    def get(self) -> dict[str, str]:
        """The process is up (503 when its embedded store died and cannot be started again)."""
        if store_state() is StoreState.FAILED:
            raise Problem(
                503,
                "Service Unavailable",
                "The embedded store died and could not be restarted; restart the service.",
                extra={"store": StoreState.FAILED.value},
            )
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.doc(security=[])
    @blp.response(200)
    def get(self) -> dict[str, str]:
        """The store answers ping and the indexes exist (503 otherwise, saying why)."""
        store = get_store()
        try:
            store.ping()
        except UNAVAILABLE_ERRORS as exc:
            state = store_state()
            if state is None or state is StoreState.RUNNING:
                raise
            raise Problem(
                503,
                "Service Unavailable",
                f"The embedded store is {state.value}; try again shortly.",
                headers={"Retry-After": "2"},
                extra={"store": state.value},
            ) from exc
        if not store.indexes_ready.is_set():
            raise Problem(
                503,
                "Service Unavailable",
                "The store's indexes are not created yet; try again shortly.",
                headers={"Retry-After": "2"},
                extra={"store": "preparing"},
            )
        return {"status": "ready"}
