"""Issue, list and revoke API tokens (admin); import a list of enumerators."""

from typing import Any

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from schemas.common import error_paths
from schemas.tokens import (
    ImportedPersonSchema,
    IssuedTokenListSchema,
    IssuedTokenSchema,
    TokenCreateSchema,
    TokenListSchema,
)
from service.auth import ADMIN_ONLY, require_role
from service.domain.errors import invalid
from service.store import get_store
from service.tokens.collect_setup import PHONE_ROLES, collect_setup
from service.tokens.model import issue_token, issue_tokens, revoke_token
from service.uploaded_tables import XLSX, TableInvalid, read_table

blp = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens", description="API tokens (admin)")

PEOPLE_BODY = {
    "required": True,
    "content": {
        "text/csv": {
            "schema": {"type": "string"},
            "example": "name,team\nenum-01,Bảo Thắng\nenum-02,Bảo Thắng\n",
        },
        XLSX: {"schema": {"type": "string", "format": "binary"}},
    },
}
_PERSON = ImportedPersonSchema()
PERSON_COLUMNS = tuple(_PERSON.fields)  # other columns (a full name, a phone number) are kept out


def issued(doc: dict[str, Any], token: str, team: str | None = None) -> dict[str, Any]:
    """A new token as answered once: the secret, and a phone's setup when it collects."""
    answer = {**doc, "token": token} | ({"team": team} if team else {})
    if doc["role"] in PHONE_ROLES:
        server_url = url_for("openrosa.form_list_view", _external=True).removesuffix("/formList")
        answer["collect"] = collect_setup(server_url, doc["name"], token)
    return answer


@blp.route("")
class Tokens(MethodView):
    @require_role(*ADMIN_ONLY)
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, IssuedTokenSchema)
    def post(self, data: dict[str, str]) -> dict[str, Any]:
        """Issue a token; the secret (and a phone's setup QR code) is in this response only."""
        return issued(*issue_token(get_store(), data["role"], data["name"]))

    @require_role(*ADMIN_ONLY)
    @blp.response(200, TokenListSchema)
    def get(self) -> dict[str, Any]:
        """Every token, revoked ones included, without secrets."""
        return {"items": get_store().tokens.list(), "next": None}


@blp.route("/import")
class TokenImport(MethodView):
    @require_role(*ADMIN_ONLY)
    @blp.doc(requestBody=PEOPLE_BODY)
    @blp.response(201, IssuedTokenListSchema)
    def post(self) -> dict[str, Any]:
        """Issue a token to every enumerator of a CSV or XLSX list (`name`, optional `team` and
        `role`; other columns are ignored), each with its ODK Collect setup QR code; all of them
        or, on any error, none."""
        people = imported_people()
        made = issue_tokens(get_store(), people)
        return {
            "items": [
                issued(doc, token, p["team"]) for (doc, token), p in zip(made, people, strict=True)
            ]
        }


def imported_people() -> list[dict[str, Any]]:
    """The list's rows, validated together (names unique in the list), or 422 by line."""
    try:
        rows = read_table(
            request.get_data(), request.mimetype, request.mimetype_params.get("charset"), "name"
        )
    except TableInvalid as exc:
        raise invalid(exc.errors, "The list cannot be read; no token was issued.") from exc
    errors: dict[str, list[str]] = {}
    people: list[dict[str, Any]] = []
    lines: dict[str, str] = {}
    for number, row in enumerate(rows, 2):
        where = f"line.{number}"
        try:
            person = _PERSON.load({k: v for k, v in row.items() if k in PERSON_COLUMNS and v})
        except ValidationError as exc:
            errors.update(error_paths(exc.messages, where))
            continue
        if person["name"] in lines:
            errors[f"{where}.name"] = [f"Also on {lines[person['name']]}."]
        lines.setdefault(person["name"], where)
        people.append(person)
    if not rows:
        errors["file"] = ["The list has no names."]
    if errors:
        raise invalid(errors, "The list is invalid; no token was issued.")
    return people


@blp.route("/<string:token_id>")
class TokenById(MethodView):
    @require_role(*ADMIN_ONLY)
    @blp.response(204)
    def delete(self, token_id: str) -> None:
        """Revoke a token; it stops working at once."""
        revoke_token(get_store(), token_id)
