"""Survey rounds: create and edit (admin), list and read (any role)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from schemas.catalogue import default_targets
from schemas.common import error_paths
from schemas.rounds import (
    RoundCreateSchema,
    RoundListSchema,
    RoundPatchSchema,
    RoundSchema,
    check_targets,
)
from service.auth import ANY_ROLE, require_role
from service.cells.reading import data_version
from service.errors import conflict, invalid, not_found
from service.recent import recent
from service.store import get_store
from service.store.errors import AlreadyExists

blp = Blueprint("rounds", __name__, url_prefix="/api/v1/rounds", description="Survey rounds")


def round_to_store(data: dict[str, Any]) -> dict[str, Any]:
    """A validated round as stored: dates as ISO strings, default targets filled in."""
    return {
        **data,
        "period": {key: value.isoformat() for key, value in data["period"].items()},
        "targets": {**default_targets(data["instrument"]), **(data.get("targets") or {})},
    }


def load_round(round_id: str) -> dict[str, Any]:
    doc = get_store().rounds.get(round_id)
    if doc is None:
        raise not_found(f"Round {round_id!r}")
    return doc


def recent_round(round_id: str) -> dict[str, Any] | None:
    """The round as submissions see it: its status and design at most `recent.FRESH_SECONDS`
    old (its data version may be older: writes do not read it)."""
    return recent("rounds").get_or_load(round_id, lambda: get_store().rounds.get(round_id))


def round_for_writing(round_id: str) -> dict[str, Any]:
    doc = recent_round(round_id)
    if doc is None:
        raise not_found(f"Round {round_id!r}")
    return doc


def with_counts(doc: dict[str, Any]) -> dict[str, Any]:
    store = get_store()
    return {
        **doc,
        "n_submissions": store.submissions.count(doc["_id"]),
        "data_version": data_version(doc, store.cells.head(doc["_id"]) or {}),
    }


def listed(doc: dict[str, Any]) -> dict[str, Any]:
    frame = doc.get("frame")
    return with_counts({**doc, "frame": frame and {"districts": frame["districts"]}})


@blp.route("")
class Rounds(MethodView):
    @require_role("admin")
    @blp.arguments(RoundCreateSchema)
    @blp.response(201, RoundSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a round with its sampling design and targets."""
        try:
            doc = get_store().rounds.create(round_to_store(data))
        except AlreadyExists as exc:
            raise conflict(str(exc)) from exc
        return {**doc, "n_submissions": 0}

    @require_role(*ANY_ROLE)
    @blp.response(200, RoundListSchema)
    def get(self) -> dict[str, Any]:
        """Every round, with its number of submissions (frames list districts only; read one
        round for its communes)."""
        return {"items": [listed(doc) for doc in get_store().rounds.list()], "next": None}


@blp.route("/<string:round_id>")
class RoundById(MethodView):
    @require_role(*ANY_ROLE)
    @blp.response(200, RoundSchema)
    def get(self, round_id: str) -> dict[str, Any]:
        """One round, with its number of submissions."""
        return with_counts(load_round(round_id))

    @require_role("admin")
    @blp.arguments(RoundPatchSchema)
    @blp.response(200, RoundSchema)
    def patch(self, changes: dict[str, Any], round_id: str) -> dict[str, Any]:
        """Close or reopen a round, retitle it, or change its targets."""
        current = load_round(round_id)
        if "targets" in changes:
            try:
                check_targets(current["instrument"], changes["targets"])
            except ValidationError as exc:
                raise invalid(error_paths(exc.messages)) from exc
            changes["targets"] = {**current.get("targets", {}), **changes["targets"]}
        if not changes:
            return with_counts(current)
        return with_counts(get_store().rounds.update(round_id, changes) or current)
