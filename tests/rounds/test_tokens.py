"""Tokens: issue, list, revoke; bearer authentication; who may call which endpoint."""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from catalogue import ROLES
from service.store import Store
from service.store.tokens import token_hash
from tests.support.apps import bearer
from tests.support.factories import household, household_round


def issue(client: FlaskClient, headers: dict[str, str], role: str, name: str) -> dict:
    response = client.post("/api/v1/tokens", json={"role": role, "name": name}, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def test_issuing_returns_the_secret_once_with_id_role_name_and_time(
    client: FlaskClient, as_admin: dict[str, str]
) -> None:
    issued = issue(client, as_admin, "enumerator", "phone-17")

    assert set(issued) == {"id", "token", "role", "name", "created_at", "revoked_at", "collect"}
    assert (issued["role"], issued["name"], issued["revoked_at"]) == (
        "enumerator",
        "phone-17",
        None,
    )
    assert len(issued["token"]) >= 40
    assert issued["collect"]["server_url"] == "http://localhost/openrosa"  # a phone's setup code


def test_an_admin_can_issue_a_supervisor_token_that_reads_submissions_but_not_estimates(
    client: FlaskClient, as_admin: dict[str, str], make_round: Callable[[dict], dict]
) -> None:
    make_round(household_round())
    issued = issue(client, as_admin, "supervisor", "team-lead-083")
    as_supervisor = bearer(issued["token"])

    assert issued["role"] == "supervisor"
    assert (
        client.get("/api/v1/rounds/hh-test/submissions", headers=as_supervisor).status_code == 200
    )
    assert client.get("/api/v1/rounds/hh-test/estimates", headers=as_supervisor).status_code == 403
    assert client.get("/api/v1/tokens", headers=as_supervisor).status_code == 403


def test_an_issued_token_authenticates_with_its_role(
    client: FlaskClient, as_admin: dict[str, str]
) -> None:
    issued = issue(client, as_admin, "planner", "district-083")

    assert client.get("/api/v1/rounds", headers=bearer(issued["token"])).status_code == 200
    assert client.get("/api/v1/tokens", headers=bearer(issued["token"])).status_code == 403


def test_only_the_hash_of_a_token_is_stored(
    client: FlaskClient, as_admin: dict[str, str], store: Store
) -> None:
    issued = issue(client, as_admin, "enumerator", "phone-18")

    stored = store.tokens.collection.find_one({"_id": issued["id"]})
    assert issued["token"] not in str(stored)
    assert stored["hash"] == token_hash(issued["token"])


def test_listing_shows_every_token_without_secrets_or_hashes(
    client: FlaskClient, as_admin: dict[str, str]
) -> None:
    issued = issue(client, as_admin, "enumerator", "phone-19")

    listing = client.get("/api/v1/tokens", headers=as_admin).json

    assert listing["next"] is None
    names = {item["name"] for item in listing["items"]}
    assert {"admin-1", "planner-1", "enumerator-1", "phone-19"} <= names
    for item in listing["items"]:
        assert set(item) == {"id", "role", "name", "created_at", "revoked_at"}
    assert issued["token"] not in str(listing)


def test_a_second_token_with_the_same_name_is_a_conflict(
    client: FlaskClient, as_admin: dict[str, str]
) -> None:
    issue(client, as_admin, "enumerator", "phone-20")

    response = client.post(
        "/api/v1/tokens", json={"role": "planner", "name": "phone-20"}, headers=as_admin
    )

    assert response.status_code == 409


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"role": "root", "name": "x1"}, "role"),
        ({"role": "planner", "name": "has space"}, "name"),
        ({"role": "planner"}, "name"),
        ({"role": "planner", "name": "ok-name", "extra": 1}, "extra"),
    ],
)
def test_an_invalid_token_request_is_422_with_the_field(
    client: FlaskClient, as_admin: dict[str, str], body: dict, path: str
) -> None:
    response = client.post("/api/v1/tokens", json=body, headers=as_admin)

    assert response.status_code == 422
    assert path in response.json["errors"]


def test_a_revoked_token_stops_working_at_once(
    client: FlaskClient, as_admin: dict[str, str]
) -> None:
    issued = issue(client, as_admin, "planner", "leaving-soon")
    assert client.get("/api/v1/rounds", headers=bearer(issued["token"])).status_code == 200

    revoked = client.delete(f"/api/v1/tokens/{issued['id']}", headers=as_admin)

    assert revoked.status_code == 204
    assert client.get("/api/v1/rounds", headers=bearer(issued["token"])).status_code == 401


def test_a_revoked_token_stays_listed_with_its_revocation_time(
    client: FlaskClient, as_admin: dict[str, str]
) -> None:
    issued = issue(client, as_admin, "planner", "revoked-one")
    client.delete(f"/api/v1/tokens/{issued['id']}", headers=as_admin)

    items = client.get("/api/v1/tokens", headers=as_admin).json["items"]

    [listed] = [item for item in items if item["id"] == issued["id"]]
    assert listed["revoked_at"]


def test_revoking_twice_is_harmless(client: FlaskClient, as_admin: dict[str, str]) -> None:
    issued = issue(client, as_admin, "planner", "twice")
    client.delete(f"/api/v1/tokens/{issued['id']}", headers=as_admin)

    assert client.delete(f"/api/v1/tokens/{issued['id']}", headers=as_admin).status_code == 204


def test_revoking_an_unknown_token_is_404(client: FlaskClient, as_admin: dict[str, str]) -> None:
    assert client.delete("/api/v1/tokens/0000000000000000", headers=as_admin).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Token abc"],
)
def test_a_missing_or_unknown_credential_is_401_with_a_bearer_challenge(
    client: FlaskClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = client.get("/api/v1/rounds", headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# Every endpoint of the foundation, the roles allowed on it, and the status a success returns.
Call = Callable[[FlaskClient, dict[str, str], dict[str, str]], int]
ENDPOINTS: dict[str, tuple[tuple[str, ...], int, Call]] = {
    "POST /tokens": (
        ("admin",),
        201,
        lambda c, h, ids: (
            c.post(
                "/api/v1/tokens", json={"role": "planner", "name": "new-one"}, headers=h
            ).status_code
        ),
    ),
    "GET /tokens": (
        ("admin",),
        200,
        lambda c, h, ids: c.get("/api/v1/tokens", headers=h).status_code,
    ),
    "DELETE /tokens/{id}": (
        ("admin",),
        204,
        lambda c, h, ids: c.delete(f"/api/v1/tokens/{ids['spare']}", headers=h).status_code,
    ),
    "POST /rounds": (
        ("admin",),
        201,
        lambda c, h, ids: (
            c.post("/api/v1/rounds", json=household_round("new-round"), headers=h).status_code
        ),
    ),
    "GET /rounds": (
        ROLES,
        200,
        lambda c, h, ids: c.get("/api/v1/rounds", headers=h).status_code,
    ),
    "GET /rounds/{id}": (
        ROLES,
        200,
        lambda c, h, ids: c.get("/api/v1/rounds/hh-test", headers=h).status_code,
    ),
    "PATCH /rounds/{id}": (
        ("admin",),
        200,
        lambda c, h, ids: (
            c.patch("/api/v1/rounds/hh-test", json={"title": "Renamed"}, headers=h).status_code
        ),
    ),
    "POST /rounds/{id}/submissions": (
        ("admin", "supervisor", "enumerator"),
        201,
        lambda c, h, ids: (
            c.post("/api/v1/rounds/hh-test/submissions", json=household(), headers=h).status_code
        ),
    ),
    "POST /rounds/{id}/submissions/batch": (
        ("admin", "supervisor", "enumerator"),
        200,
        lambda c, h, ids: (
            c.post(
                "/api/v1/rounds/hh-test/submissions/batch",
                json={"submissions": [household()]},
                headers=h,
            ).status_code
        ),
    ),
    "GET /rounds/{id}/submissions": (
        ("admin", "supervisor", "analyst"),
        200,
        lambda c, h, ids: c.get("/api/v1/rounds/hh-test/submissions", headers=h).status_code,
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_each_role_is_allowed_or_denied_on_each_endpoint(
    client: FlaskClient,
    tokens: dict[str, str],
    store: Store,
    make_round: Callable[[dict], dict],
    endpoint: str,
    role: str,
) -> None:
    make_round(household_round())
    ids = {"spare": store.tokens.create("planner", "spare")[0]["_id"]}
    allowed, success, call = ENDPOINTS[endpoint]

    status = call(client, bearer(tokens[role]), ids)

    assert status == (success if role in allowed else 403)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_every_endpoint_needs_a_token(
    client: FlaskClient, make_round: Callable[[dict], dict], endpoint: str
) -> None:
    make_round(household_round())

    assert ENDPOINTS[endpoint][2](client, {}, {"spare": "0000000000000000"}) == 401


def test_starting_again_issues_no_new_admin_while_an_active_admin_exists(store: Store) -> None:
    assert store.tokens.bootstrap_admin(None) is not None

    assert store.tokens.bootstrap_admin(None) is None


def test_starting_again_issues_a_new_admin_when_every_admin_is_revoked(store: Store) -> None:
    first = store.tokens.bootstrap_admin(None)
    store.tokens.revoke(store.tokens.authenticate(first)["_id"])

    second = store.tokens.bootstrap_admin(None)

    assert second is not None and store.tokens.authenticate(second)["role"] == "admin"


def collect_settings(issued: dict[str, Any]) -> dict[str, Any]:
    """The setup code's text as ODK Collect decodes it: base64, then zlib, then JSON."""
    return json.loads(zlib.decompress(base64.b64decode(issued["collect"]["settings"])))


def test_a_phone_token_comes_with_collect_settings_and_a_qr_code(
    client: FlaskClient, as_admin: dict[str, str]
) -> None:
    issued = issue(client, as_admin, "enumerator", "phone-qr")
    general = collect_settings(issued)["general"]
    assert general == {
        "server_url": "http://localhost/openrosa",
        "username": "phone-qr",
        "password": issued["token"],
    }
    assert issued["collect"]["qr_png"].startswith("data:image/png;base64,")
    planner = issue(client, as_admin, "planner", "no-phone")
    assert "collect" not in planner


def test_a_list_of_enumerators_becomes_tokens_with_setup_codes(
    client: FlaskClient, as_admin: dict[str, str]
) -> None:
    body = "name;team;role;phone\nenum-a;Sa Pa;;0912\nsup-b;Sa Pa;supervisor;\nenum-c;;;\n"
    response = client.post(
        "/api/v1/tokens/import",
        data=body.encode(),
        headers={**as_admin, "Content-Type": "text/csv"},
    )
    assert response.status_code == 201, response.json
    items = response.json["items"]
    assert [(t["name"], t["role"], t.get("team")) for t in items] == [
        ("enum-a", "enumerator", "Sa Pa"),
        ("sup-b", "supervisor", "Sa Pa"),
        ("enum-c", "enumerator", None),
    ]
    assert [collect_settings(t)["general"]["username"] for t in items] == [
        "enum-a",
        "sup-b",
        "enum-c",
    ]


@pytest.mark.parametrize(
    ("body", "status", "errors"),
    [
        ("name\nenum-x\nenum-x\n", 422, {"line.3.name": ["Also on line.2."]}),
        (
            "name\nbad name\n",
            422,
            {"line.2.name": ["Does not match [A-Za-z0-9][A-Za-z0-9._@-]{0,63}."]},
        ),
        ("name,name\nx,y\n", 422, {"header": ["Column 'name' appears more than once."]}),
        ("who\nx\n", 422, None),
    ],
)
def test_a_bad_list_issues_no_token(
    client: FlaskClient, as_admin: dict[str, str], body: str, status: int, errors: Any
) -> None:
    before = len(client.get("/api/v1/tokens", headers=as_admin).json["items"])
    response = client.post(
        "/api/v1/tokens/import",
        data=body.encode(),
        headers={**as_admin, "Content-Type": "text/csv"},
    )
    assert response.status_code == status
    if errors is not None:
        assert response.json["errors"] == errors
    assert len(client.get("/api/v1/tokens", headers=as_admin).json["items"]) == before


def test_a_list_with_a_name_in_use_issues_no_token(
    client: FlaskClient, as_admin: dict[str, str]
) -> None:
    issue(client, as_admin, "enumerator", "enum-taken")
    before = len(client.get("/api/v1/tokens", headers=as_admin).json["items"])
    response = client.post(
        "/api/v1/tokens/import",
        data=b"name\nenum-new\nenum-taken\n",
        headers={**as_admin, "Content-Type": "text/csv"},
    )
    assert response.status_code == 409
    assert "enum-taken" in response.json["detail"]
    assert len(client.get("/api/v1/tokens", headers=as_admin).json["items"]) == before
