"""Who may do what: every endpoint × {no, bad or revoked token, and each role}.

The table below is the specification. Every operation in /openapi.json must have a row (a new
endpoint fails here until someone decides who may call it), plus the routes outside OpenAPI.
Allowed callers get a 2xx with a valid request; the others get 401 (no, bad or revoked
credentials) or 403 (wrong role), before anything is read or written.
"""

from __future__ import annotations

import base64
import hmac
import itertools
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from service import create_app
from service.store import Store
from tests import factories
from tests.conftest import bearer
from tests.openrosa_client import openrosa_message
from tests.servers import EmbeddedStore, GunicornServer

PUBLIC = "public"
ANY = ("admin", "supervisor", "planner", "analyst", "enumerator")
ADMIN = ("admin",)
READERS = ("admin", "planner", "analyst")
SUBMITTERS = ("admin", "supervisor", "enumerator")
SUBMISSION_READERS = ("admin", "supervisor")
MICRODATA_READERS = ("admin", "supervisor", "analyst")  # reads submissions, writes nothing
ROUND = "hh-auth"
SUBMISSION = "3c6f2a7e-1d2b-4e8f-9a0b-5c4d3e2f1a0b"
SAMPLE_ROUND = "hh-auth-sample"  # a round with a sample (docs/design.md §8)
FIELD_OPERATORS = ("admin", "supervisor")
PROGRESS_READERS = ("admin", "supervisor", "planner", "analyst")
ASSIGNMENT_READERS = ("admin", "supervisor", "enumerator", "analyst")
SERIES = "hh-auth-series"

# (method, path) -> who may call it; {round_id} and {token_id} are filled in per request.
OPENAPI_ACCESS: dict[tuple[str, str], Any] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/api/v1/tokens"): ADMIN,
    ("POST", "/api/v1/tokens"): ADMIN,
    ("DELETE", "/api/v1/tokens/{token_id}"): ADMIN,
    ("GET", "/api/v1/rounds"): ANY,
    ("POST", "/api/v1/rounds"): ADMIN,
    ("GET", "/api/v1/rounds/{round_id}"): ANY,
    ("PATCH", "/api/v1/rounds/{round_id}"): ADMIN,
    ("GET", "/api/v1/rounds/{round_id}/submissions"): MICRODATA_READERS,
    ("POST", "/api/v1/rounds/{round_id}/submissions"): SUBMITTERS,
    ("POST", "/api/v1/rounds/{round_id}/submissions/batch"): SUBMITTERS,
    ("GET", "/api/v1/indicators"): ANY,
    ("GET", "/api/v1/rounds/{round_id}/estimates"): READERS,
    ("GET", "/api/v1/rounds/{round_id}/quality"): SUBMISSION_READERS,
    ("GET", "/api/v1/audit"): ADMIN,
    ("GET", "/api/v1/rounds/{round_id}/submissions/{submission_id}"): MICRODATA_READERS,
    ("PATCH", "/api/v1/rounds/{round_id}/submissions/{submission_id}"): SUBMISSION_READERS,
    ("POST", "/api/v1/rounds/{round_id}/submissions/{submission_id}/review"): SUBMISSION_READERS,
    ("GET", "/api/v1/rounds/{round_id}/submissions/{submission_id}/versions"): MICRODATA_READERS,
    ("PUT", "/api/v1/rounds/{round_id}/sample"): ADMIN,
    ("POST", "/api/v1/rounds/{round_id}/sample/rows"): ADMIN,
    ("GET", "/api/v1/rounds/{round_id}/assignments"): ASSIGNMENT_READERS,
    ("PATCH", "/api/v1/rounds/{round_id}/assignments/{assignment_id}"): FIELD_OPERATORS,
    ("GET", "/api/v1/rounds/{round_id}/progress"): PROGRESS_READERS,
    ("GET", "/api/v1/rounds/{round_id}/weights"): READERS,
    ("GET", "/api/v1/series/{series}"): READERS,
    ("GET", "/api/v1/series/{series}/change"): READERS,
    ("GET", "/api/v1/rounds/{round_id}/analysis-package"): ("admin", "analyst"),
}
# Routes that are not part of the JSON API's OpenAPI document.
OTHER_ACCESS: dict[tuple[str, str], Any] = {
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/dashboard"): PUBLIC,  # the page holds no data; its API calls carry the token
    ("GET", "/dashboard/fieldwork"): PUBLIC,  # the same: data only through the API
    ("GET", "/dashboard/series"): PUBLIC,  # the same: data only through the API
    ("GET", "/docs/"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/openrosa/formList"): SUBMITTERS,
    ("GET", "/openrosa/forms/{round_id}.xml"): SUBMITTERS,
    ("HEAD", "/openrosa/submission"): SUBMITTERS,
    ("GET", "/openrosa/forms/{round_id}/manifest"): SUBMITTERS,
    ("GET", "/openrosa/forms/{round_id}/assignments.csv"): SUBMITTERS,
}
ACCESS = {**OPENAPI_ACCESS, **OTHER_ACCESS}
IDENTITIES = ("no token", "bad token", "revoked token", *ANY)


@dataclass(frozen=True)
class Caller:
    name: str | None
    token: str | None

    def headers(self, path: str) -> dict[str, str]:
        """Bearer for the API; Basic (user name = token name, password = token) for OpenRosa."""
        if self.token is None:
            return {}
        if path.startswith("/openrosa"):
            pair = base64.b64encode(f"{self.name}:{self.token}".encode()).decode()
            return {"Authorization": f"Basic {pair}"}
        return bearer(self.token)


@pytest.fixture(scope="module")
def matrix_app(store_server: EmbeddedStore) -> Iterator[Flask]:
    """One app and database for the whole matrix (one request per cell keeps it quick)."""
    app = create_app(
        {
            "MONGODB_URI": store_server.uri,
            "SURVEY_DB": f"matrix_{uuid.uuid4().hex[:8]}",
            "TESTING": True,
            "SURVEY_RATE_LIMIT": "100000/minute",
            "SURVEY_AUTH_FAILURE_LIMIT": "100000/minute",
        }
    )
    admin = bearer(app.extensions["store"].tokens.create("admin", "round-maker")[1])
    for round_id in (ROUND, f"{ROUND}-next"):  # a series of two rounds for its change
        created = app.test_client().post(
            "/api/v1/rounds", json=factories.household_round(round_id, series=SERIES), headers=admin
        )
        assert created.status_code == 201
    client = app.test_client()
    created = client.post(
        "/api/v1/rounds", json=factories.household_round(SAMPLE_ROUND), headers=admin
    )
    assert created.status_code == 201
    stored = app.test_client().post(
        f"/api/v1/rounds/{ROUND}/submissions", json=factories.household(SUBMISSION), headers=admin
    )
    assert stored.status_code == 201
    sample = {"assignments": factories.small_sample()}
    loaded = client.put(f"/api/v1/rounds/{SAMPLE_ROUND}/sample", json=sample, headers=admin)
    assert loaded.status_code == 200, loaded.json
    yield app
    app.extensions["store"].close()


@pytest.fixture(scope="module")
def matrix_store(matrix_app: Flask) -> Store:
    return matrix_app.extensions["store"]


@pytest.fixture(scope="module")
def callers(matrix_store: Store) -> dict[str, Caller]:
    store = matrix_store
    made = {role: Caller(f"{role}-m", store.tokens.create(role, f"{role}-m")[1]) for role in ANY}
    revoked_doc, revoked = store.tokens.create("admin", "revoked-m")
    store.tokens.revoke(revoked_doc["_id"])
    return {
        **made,
        "no token": Caller(None, None),
        "revoked token": Caller("revoked-m", revoked),
        "bad token": Caller("admin-m", "not-" + made["admin"].token),
    }


def request_for(method: str, path: str, store: Store) -> tuple[str, dict[str, Any] | None]:
    """A concrete, valid request for an operation: the URL and its JSON body."""
    fieldwork = any(part in path for part in ("/sample", "/assignments", "/progress", "/manifest"))
    url = path.replace("{round_id}", SAMPLE_ROUND if fieldwork else ROUND)
    url = (
        url.replace("{series}", SERIES)
        .replace("{assignment_id}", "A-001")
        .replace("{submission_id}", SUBMISSION)
    )
    if "{token_id}" in url:
        victim, _ = store.tokens.create("planner", f"victim-{uuid.uuid4().hex[:8]}")
        url = url.replace("{token_id}", victim["_id"])
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/api/v1/tokens"): {"role": "planner", "name": f"p-{uuid.uuid4().hex[:8]}"},
        ("POST", "/api/v1/rounds"): factories.household_round(f"r-{uuid.uuid4().hex[:8]}"),
        ("PATCH", "/api/v1/rounds/{round_id}"): {"title": "Renamed"},
        ("POST", "/api/v1/rounds/{round_id}/submissions"): factories.household(),
        ("POST", "/api/v1/rounds/{round_id}/submissions/batch"): {
            "submissions": [factories.household()]
        },
        ("PATCH", "/api/v1/rounds/{round_id}/submissions/{submission_id}"): {
            "answers": factories.household()["answers"],
            "reason": "checked with the household",
        },
        ("POST", "/api/v1/rounds/{round_id}/submissions/{submission_id}/review"): {
            "state": "approved"
        },
        ("PUT", "/api/v1/rounds/{round_id}/sample"): {"assignments": factories.small_sample()},
        ("POST", "/api/v1/rounds/{round_id}/sample/rows"): {
            "assignments": [factories.sample_row(f"R-{uuid.uuid4().hex[:8]}")]
        },
        ("PATCH", "/api/v1/rounds/{round_id}/assignments/{assignment_id}"): {
            "enumerator": "enum-01"
        },
    }
    return url, bodies.get((method, path))


def expected_statuses(allowed: Any, identity: str) -> set[int] | range:
    if allowed == PUBLIC:
        return range(200, 300)
    if identity in ("no token", "bad token", "revoked token"):
        return {401}
    return range(200, 300) if identity in allowed else {403}


def test_every_documented_operation_has_a_row(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").json
    documented = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented == set(OPENAPI_ACCESS)


@pytest.mark.parametrize(
    ("operation", "identity"),
    list(itertools.product(ACCESS, IDENTITIES)),
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else v,
)
def test_authorization_matrix(
    matrix_app: Flask,
    matrix_store: Store,
    callers: dict[str, Caller],
    operation: tuple[str, str],
    identity: str,
) -> None:
    method, path = operation
    url, body = request_for(method, path, matrix_store)
    response = matrix_app.test_client().open(
        url, method=method, json=body, headers=callers[identity].headers(path)
    )
    answer = response.get_data()[:200].decode(errors="replace")  # a zip is not text
    assert response.status_code in expected_statuses(ACCESS[operation], identity), (
        f"{method} {url} as {identity}: {response.status_code} {answer}"
    )


def test_refused_callers_change_nothing(
    matrix_app: Flask, matrix_store: Store, callers: dict[str, Caller]
) -> None:
    """401/403 happen before any write: no submission, round or token appears."""
    client, store = matrix_app.test_client(), matrix_store
    submissions_before = store.submissions.count(ROUND)
    tokens_before = len(store.tokens.list())
    for identity in ("no token", "bad token", "revoked token", "planner"):
        headers = callers[identity].headers("/api")
        client.post(
            f"/api/v1/rounds/{ROUND}/submissions", json=factories.household(), headers=headers
        )
        client.post(
            "/api/v1/tokens", json={"role": "admin", "name": f"x-{identity}"}, headers=headers
        )
    assert store.submissions.count(ROUND) == submissions_before
    assert len(store.tokens.list()) == tokens_before


def test_enumerators_cannot_read_submissions_or_estimates(
    matrix_app: Flask, callers: dict[str, Caller]
) -> None:
    client = matrix_app.test_client()
    headers = callers["enumerator"].headers("/api")
    for suffix in ("submissions", "submissions?format=csv", "estimates", "estimates?format=csv"):
        assert client.get(f"/api/v1/rounds/{ROUND}/{suffix}", headers=headers).status_code == 403


def test_supervisors_read_and_export_submissions_but_not_estimates(
    matrix_app: Flask, callers: dict[str, Caller]
) -> None:
    client = matrix_app.test_client()
    headers = callers["supervisor"].headers("/api")
    for suffix in ("submissions", "submissions?format=csv"):
        assert client.get(f"/api/v1/rounds/{ROUND}/{suffix}", headers=headers).status_code == 200
    for suffix in ("estimates", "estimates?format=csv"):
        assert client.get(f"/api/v1/rounds/{ROUND}/{suffix}", headers=headers).status_code == 403


def test_only_admin_sets_the_weighting_and_only_readers_see_weights(
    matrix_app: Flask, callers: dict[str, Caller]
) -> None:
    client = matrix_app.test_client()
    weighting = {"weighting": {"calibration": None}}
    for identity in ("supervisor", "planner", "enumerator"):
        headers = callers[identity].headers("/api")
        response = client.patch(f"/api/v1/rounds/{ROUND}", json=weighting, headers=headers)
        assert response.status_code == 403
    for identity, status in (("supervisor", 403), ("enumerator", 403), ("planner", 200)):
        headers = callers[identity].headers("/api")
        for suffix in ("weights", "weights?format=csv", "estimates?weighting=input"):
            response = client.get(f"/api/v1/rounds/{ROUND}/{suffix}", headers=headers)
            assert response.status_code == status, (identity, suffix)
    headers = callers["admin"].headers("/api")
    assert (
        client.patch(f"/api/v1/rounds/{ROUND}", json=weighting, headers=headers).status_code == 200
    )


def test_tokens_are_compared_in_constant_time(
    matrix_store: Store, callers: dict[str, Caller], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Authentication ends in hmac.compare_digest over the token's hash, never `==` on secrets."""
    compared: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert matrix_store.tokens.authenticate(callers["admin"].token) is not None
    assert compared, "the presented token's hash was not compared with compare_digest"
    assert all(callers["admin"].token not in (a, b) for a, b in compared)  # hashes, not secrets


def test_a_revoked_token_stops_working_within_a_second_on_every_worker(
    live_server: GunicornServer,
) -> None:
    admin = bearer(live_server.admin_token)
    issued = requests.post(
        f"{live_server.url}/api/v1/tokens",
        headers=admin,
        timeout=10,
        json={"role": "planner", "name": f"rv-{uuid.uuid4().hex[:6]}"},
    ).json()
    planner = bearer(issued["token"])

    def statuses() -> set[int]:
        url = f"{live_server.url}/api/v1/rounds"  # a new connection per request: both workers
        return {requests.get(url, headers=planner, timeout=10).status_code for _ in range(20)}

    assert statuses() == {200}  # both workers now remember the token
    revoked = requests.delete(
        f"{live_server.url}/api/v1/tokens/{issued['id']}", headers=admin, timeout=10
    )
    assert revoked.status_code == 204
    time.sleep(1.0)
    assert statuses() == {401}


# --- Unknown query parameters: 400 naming them on every route (docs/design.md §3) -------------
# A typo such as `?indicatr=` must never silently change an answer. Each route is called as a
# caller allowed to use it; OpenRosa routes answer with their XML message.

TYPO = "indicatr"


def allowed_caller(operation: tuple[str, str], made: dict[str, Caller]) -> Caller:
    allowed = ACCESS[operation]
    return made["no token"] if allowed == PUBLIC else made[allowed[0]]


@pytest.mark.parametrize("operation", list(ACCESS), ids=" ".join)
def test_an_unknown_query_parameter_is_refused_with_400_naming_it(
    matrix_app: Flask,
    matrix_store: Store,
    callers: dict[str, Caller],
    operation: tuple[str, str],
) -> None:
    method, path = operation
    url, body = request_for(method, path, matrix_store)
    headers = allowed_caller(operation, callers).headers(path)

    response = matrix_app.test_client().open(
        f"{url}?{TYPO}=x", method=method, json=body, headers=headers
    )

    assert response.status_code == 400, (method, url, response.get_data(as_text=True)[:200])
    if path.startswith("/openrosa"):
        if method != "HEAD":
            assert TYPO in openrosa_message(response)
    else:
        assert response.mimetype == "application/problem+json"
        assert list(response.json["errors"]) == [TYPO]


@pytest.mark.parametrize(
    "query",
    ["indicator=fiber_available&by=district&ci=beta&level=0.9&format=json", "formID=x"],
)
def test_the_documented_parameters_are_still_accepted(
    matrix_app: Flask,
    callers: dict[str, Caller],
    query: str,
) -> None:
    path = (
        "/openrosa/formList" if query.startswith("formID") else "/api/v1/rounds/hh-auth/estimates"
    )
    headers = callers["admin"].headers(path)

    assert matrix_app.test_client().get(f"{path}?{query}", headers=headers).status_code == 200
