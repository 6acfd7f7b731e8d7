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

from catalogue.geography import load_version
from service import create_app
from service.store import Store
from tests.support import factories, small_area_data
from tests.support.apps import bearer
from tests.support.openrosa_client import (
    FRAME,
    basic,
    collect_instance,
    instance_values,
    openrosa_message,
    post_to,
)
from tests.support.servers import EmbeddedStore, GunicornServer

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
SMALL_AREA_ROUND = "hh-auth-small-area"  # communes with data and covariates (§14)
GROUPING = "halves"  # a grouping of vn-2025-07's communes (docs/design.md §13)


def grouping() -> dict[str, str]:
    """Every commune of vn-2025-07 in one of two groups."""
    communes = [u.code for u in load_version("vn-2025-07").communes]
    return {code: "a" if i % 2 else "b" for i, code in enumerate(communes)}


# (method, path) -> who may call it; {round_id} and {token_id} are filled in per request.
OPENAPI_ACCESS: dict[tuple[str, str], Any] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/api/v1/tokens"): ADMIN,
    ("POST", "/api/v1/tokens"): ADMIN,
    ("POST", "/api/v1/tokens/import"): ADMIN,
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
    ("PUT", "/api/v1/geography/{version_id}/auxiliary/{name}"): ADMIN,
    ("GET", "/api/v1/geography/{version_id}/auxiliary/{name}"): ANY,
    ("GET", "/api/v1/rounds/{round_id}/small-area"): READERS,
    ("GET", "/api/v1/geography"): ANY,
    ("GET", "/api/v1/geography/{version_id}/units"): ANY,
    ("GET", "/api/v1/geography/crosswalk"): ANY,
    ("GET", "/api/v1/targets"): ANY,
    ("GET", "/api/v1/geography/{version_id}/groupings/{name}"): ANY,
    ("PUT", "/api/v1/geography/{version_id}/groupings/{name}"): ADMIN,
    ("GET", "/api/v1/rounds/{round_id}/analysis-package"): ("admin", "analyst"),
}
# Routes that are not part of the JSON API's OpenAPI document.
OTHER_ACCESS: dict[tuple[str, str], Any] = {
    (
        "GET",
        "/metrics",
    ): PUBLIC,  # from this host only, or with SURVEY_METRICS_TOKEN (test_observability)
    ("GET", "/dashboard"): PUBLIC,  # the page holds no data; its API calls carry the token
    ("GET", "/dashboard/fieldwork"): PUBLIC,  # the same: data only through the API
    ("GET", "/dashboard/series"): PUBLIC,  # the same: data only through the API
    ("GET", "/console"): PUBLIC,  # the same: data only through the API
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
    small_area_data.load(client, admin, SMALL_AREA_ROUND)
    grouped = client.put(
        f"/api/v1/geography/vn-2025-07/groupings/{GROUPING}",
        json={"groups": grouping()},
        headers=admin,
    )
    assert grouped.status_code == 200, grouped.json
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


def request_for(method: str, path: str, store: Store) -> tuple[str, Any]:
    """A concrete, valid request for an operation: the URL and its body (JSON, or CSV text)."""
    fieldwork = any(part in path for part in ("/sample", "/assignments", "/progress", "/manifest"))
    url = path.replace("{round_id}", SAMPLE_ROUND if fieldwork else ROUND)
    url = (
        url.replace("{series}", SERIES)
        .replace("{assignment_id}", "A-001")
        .replace("{submission_id}", SUBMISSION)
        .replace("{version_id}", "vn-2025-07")
    )
    table = small_area_data.TABLE if "/auxiliary/" in path else GROUPING
    url = url.replace("{name}", table)
    if path.endswith("/small-area"):
        url = url.replace(ROUND, SMALL_AREA_ROUND)
        url += f"?indicator=fiber_available&geography={small_area_data.VERSION}"
    if path == "/api/v1/geography/crosswalk":
        url += "?from=vn-2025-03&to=vn-2025-07"
    if "{token_id}" in url:
        victim, _ = store.tokens.create("planner", f"victim-{uuid.uuid4().hex[:8]}")
        url = url.replace("{token_id}", victim["_id"])
    bodies: dict[tuple[str, str], Any] = {
        ("POST", "/api/v1/tokens"): {"role": "planner", "name": f"p-{uuid.uuid4().hex[:8]}"},
        ("POST", "/api/v1/tokens/import"): f"name,team\ne-{uuid.uuid4().hex[:8]},north\n",
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
        ("PUT", "/api/v1/geography/{version_id}/auxiliary/{name}"): small_area_data.auxiliary_csv(),
        ("PUT", "/api/v1/geography/{version_id}/groupings/{name}"): {"groups": grouping()},
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
    headers = callers[identity].headers(path)
    if isinstance(body, str):
        if "/auxiliary/" in path:
            url += "?source=SYNTHETIC"
        sent: dict[str, Any] = {"data": body, "content_type": "text/csv"}
    else:
        sent = {"json": body}
    response = matrix_app.test_client().open(url, method=method, headers=headers, **sent)
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

    joined = "&" if "?" in url else "?"  # the crosswalk's URL carries its query already
    response = matrix_app.test_client().open(
        f"{url}{joined}{TYPO}=x", method=method, json=body, headers=headers
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


# --- Who may act on what: an edit from a phone (docs/design.md §11) ---------------------------
# An OpenRosa instance whose meta/deprecatedID names a stored submission is an edit of it. Only
# the token that sent the original may send one, only while the round is open, and never once
# a supervisor rejected or corrected the submission; anything else stores nothing.


@pytest.fixture
def phones(store: Store, make_round: Any) -> dict[str, dict[str, str]]:
    """Basic credentials of two enumerators and a supervisor, and the round they work in."""
    make_round(factories.household_round(frame=FRAME))
    made = {}
    for role, name in (("enumerator", "enum-a"), ("enumerator", "enum-b"), ("supervisor", "sup")):
        doc, token = store.tokens.create(role, name)
        made[name] = basic(doc["name"], token)
    return made


def phone_instance(client: FlaskClient, headers: dict[str, str], payload: dict[str, Any], **meta):
    form = client.get("/openrosa/forms/hh-test.xml", headers=headers)
    return collect_instance(form.data, {**instance_values(payload), **meta})


def phone_edit(client: FlaskClient, headers: dict[str, str], original: dict[str, Any], **answers):
    """What Collect sends after editing a sent form: a new instanceID, the old one deprecated."""
    edit = {**original, "submission_id": str(uuid.uuid4())}
    edit["answers"] = {**original["answers"], **answers}
    deprecated = {"meta/deprecatedID": f"uuid:{original['submission_id']}"}
    return phone_instance(client, headers, edit, **deprecated)


@pytest.fixture
def sent_by_a(client: FlaskClient, phones: dict[str, dict[str, str]]) -> dict[str, Any]:
    original = factories.household()
    document = phone_instance(client, phones["enum-a"], original)
    assert post_to(client, phones["enum-a"], document, "/openrosa/submission").status_code == 201
    return original


def version_and_smartphones(store: Store, original: dict[str, Any]) -> tuple[int, int]:
    doc = store.submissions.get("hh-test", original["submission_id"])
    return doc.get("version", 1), doc["answers"]["smartphones"]


@pytest.mark.parametrize("sender", ["enum-b", "sup"])
def test_a_phone_edit_of_a_form_someone_else_sent_is_refused_with_403(
    client: FlaskClient,
    store: Store,
    phones: dict[str, dict[str, str]],
    sent_by_a: dict[str, Any],
    sender: str,
) -> None:
    edit = phone_edit(client, phones[sender], sent_by_a, smartphones=9)
    response = post_to(client, phones[sender], edit, "/openrosa/submission")
    assert response.status_code == 403
    assert "Only the user who sent this form" in openrosa_message(response)
    assert version_and_smartphones(store, sent_by_a) == (1, 2)
    assert store.submissions.count("hh-test") == 1


def test_a_phone_edit_from_the_sender_of_the_form_is_stored(
    client: FlaskClient, store: Store, phones: dict[str, dict[str, str]], sent_by_a: dict[str, Any]
) -> None:
    edit = phone_edit(client, phones["enum-a"], sent_by_a, smartphones=9)
    assert post_to(client, phones["enum-a"], edit, "/openrosa/submission").status_code == 201
    assert version_and_smartphones(store, sent_by_a) == (2, 9)


def test_a_phone_edit_in_a_closed_round_is_refused_with_409(
    client: FlaskClient,
    store: Store,
    as_admin: dict[str, str],
    phones: dict[str, dict[str, str]],
    sent_by_a: dict[str, Any],
) -> None:
    edit = phone_edit(client, phones["enum-a"], sent_by_a, smartphones=9)
    client.patch("/api/v1/rounds/hh-test", json={"status": "closed"}, headers=as_admin)
    response = post_to(client, phones["enum-a"], edit, "/openrosa/submission")
    assert response.status_code == 409
    assert "closed" in openrosa_message(response)
    assert version_and_smartphones(store, sent_by_a) == (1, 2)


def test_a_phone_edit_of_a_rejected_form_is_refused_with_409(
    client: FlaskClient,
    store: Store,
    as_supervisor: dict[str, str],
    phones: dict[str, dict[str, str]],
    sent_by_a: dict[str, Any],
) -> None:
    url = f"/api/v1/rounds/hh-test/submissions/{sent_by_a['submission_id']}/review"
    assert client.post(url, json={"state": "rejected"}, headers=as_supervisor).status_code == 200
    edit = phone_edit(client, phones["enum-a"], sent_by_a, smartphones=9)
    response = post_to(client, phones["enum-a"], edit, "/openrosa/submission")
    assert response.status_code == 409
    assert "rejected" in openrosa_message(response)
    assert version_and_smartphones(store, sent_by_a) == (1, 2)


def test_a_phone_edit_after_a_supervisor_correction_is_refused_with_409(
    client: FlaskClient,
    store: Store,
    as_supervisor: dict[str, str],
    phones: dict[str, dict[str, str]],
    sent_by_a: dict[str, Any],
) -> None:
    url = f"/api/v1/rounds/hh-test/submissions/{sent_by_a['submission_id']}"
    answers = {**sent_by_a["answers"], "smartphones": 3}
    correction = {"answers": answers, "reason": "phoned back"}
    assert client.patch(url, json=correction, headers=as_supervisor).status_code == 200
    edit = phone_edit(client, phones["enum-a"], sent_by_a, smartphones=9)
    response = post_to(client, phones["enum-a"], edit, "/openrosa/submission")
    assert response.status_code == 409
    assert "supervisor corrected" in openrosa_message(response)
    assert version_and_smartphones(store, sent_by_a) == (2, 3)


# --- Who may act on what: visits to a sample's assignments (docs/design.md §8) ----------------
# An enumerator sends visits only to its own assignments and signs them with its own name;
# supervisors and admins may send any assignment's visit. A refused visit stores nothing and
# its message never says what the assignment holds.

VISITS = "/api/v1/rounds/hh-visits/submissions"


@pytest.fixture
def field_team(store: Store, make_sample_round: Any) -> dict[str, dict[str, str]]:
    make_sample_round("hh-visits")
    return {
        name: bearer(store.tokens.create(role, name)[1])
        for name, role in (
            ("enum-01", "enumerator"),
            ("enum-02", "enumerator"),
            ("sup", "supervisor"),
        )
    }


def assignment_status(store: Store, assignment_id: str) -> Any:
    return (store.assignments.get("hh-visits", assignment_id) or {}).get("completed_by")


@pytest.mark.parametrize("outcome", ["completed", "refused"])
def test_an_enumerator_cannot_visit_another_enumerators_assignment(
    client: FlaskClient, store: Store, field_team: dict[str, dict[str, str]], outcome: str
) -> None:
    payload = factories.visit("A-001", outcome)  # A-001 is enum-01's
    response = client.post(VISITS, json=payload, headers=field_team["enum-02"])
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["assignment_id"]
    assert store.submissions.count("hh-visits") == 0
    listed = client.get("/api/v1/rounds/hh-visits/assignments", headers=field_team["sup"])
    statuses = {item["assignment_id"]: item["status"] for item in listed.json["items"]}
    assert statuses["A-001"] == "pending"


def test_an_enumerator_cannot_slip_a_visit_into_another_ones_batch(
    client: FlaskClient, store: Store, field_team: dict[str, dict[str, str]]
) -> None:
    batch = {"submissions": [factories.visit("A-001"), factories.visit("A-003")]}
    response = client.post(f"{VISITS}/batch", json=batch, headers=field_team["enum-02"])
    assert [item["status"] for item in response.json["results"]] == ["invalid", "created"]
    assert assignment_status(store, "A-001") is None


def test_a_visit_is_signed_with_the_enumerators_own_name(
    client: FlaskClient, store: Store, field_team: dict[str, dict[str, str]]
) -> None:
    payload = factories.visit("A-003", enumerator_id="enum-01")  # A-003 is enum-02's
    assert client.post(VISITS, json=payload, headers=field_team["enum-02"]).status_code == 201
    stored = store.submissions.get("hh-visits", payload["submission_id"])
    assert stored["enumerator_id"] == "enum-02"


def test_a_supervisor_may_send_any_assignments_visit(
    client: FlaskClient, store: Store, field_team: dict[str, dict[str, str]]
) -> None:
    payload = factories.visit("A-001", enumerator_id="enum-01")
    assert client.post(VISITS, json=payload, headers=field_team["sup"]).status_code == 201
    assert assignment_status(store, "A-001") == payload["submission_id"]


def test_a_disagreeing_visit_is_refused_without_echoing_the_assignment(
    client: FlaskClient, store: Store, field_team: dict[str, dict[str, str]]
) -> None:
    stored = store.assignments.get("hh-visits", "A-001")
    payload = factories.visit(
        "A-001",
        location={"district": "086", "commune": "02800", "area": "rural"},
        sampling={"stratum": "086-R", "psu": "086999", "weight": 1.0},
    )
    response = client.post(VISITS, json=payload, headers=field_team["enum-01"])
    assert response.status_code == 422
    answer = response.get_data(as_text=True)
    withheld = [stored[k] for k in ("district", "commune", "area")] + [
        stored["sampling"]["psu"],
        stored["sampling"]["stratum"],
        f"{stored['sampling']['weight']:.10g}",
    ]
    assert not [value for value in withheld if str(value) in answer]


# --- Repeated query parameters: 400 naming them on every route (docs/design.md §3) -----------
# `level=0.95&level=0.9` must not be resolved silently (nor by order): each takes one value.


def a_parameter_of(operation: tuple[str, str], client: FlaskClient) -> str | None:
    """A query parameter the route accepts, from /openapi.json (formID for the form list)."""
    method, path = operation
    if path.startswith("/openrosa/formList"):
        return "formID"
    item = client.get("/openapi.json").json["paths"].get(path, {}).get(method.lower(), {})
    names = [p["name"] for p in item.get("parameters", []) if p.get("in") == "query"]
    return names[0] if names else None


@pytest.mark.parametrize("operation", list(ACCESS), ids=" ".join)
def test_a_repeated_query_parameter_is_refused_with_400_naming_it(
    matrix_app: Flask,
    matrix_store: Store,
    callers: dict[str, Caller],
    operation: tuple[str, str],
) -> None:
    method, path = operation
    client = matrix_app.test_client()
    name = a_parameter_of(operation, client) or TYPO  # a route without any: still refused
    url, body = request_for(method, path, matrix_store)
    headers = allowed_caller(operation, callers).headers(path)

    response = client.open(f"{url}?{name}=1&{name}=2", method=method, json=body, headers=headers)

    assert response.status_code == 400, (method, url, response.get_data(as_text=True)[:200])
    if path.startswith("/openrosa"):
        if method != "HEAD":
            assert name in openrosa_message(response)
    else:
        assert list(response.json["errors"]) == [name]


@pytest.mark.parametrize(
    ("path", "query", "reader"),
    [
        ("/api/v1/rounds/{round}/estimates", "level=0.95&level=0.9", "planner"),
        ("/api/v1/rounds/{sample}/assignments", "enumerator=a&enumerator=b", "supervisor"),
    ],
)
def test_repeated_values_are_never_resolved_by_order(
    matrix_app: Flask, callers: dict[str, Caller], path: str, query: str, reader: str
) -> None:
    url = path.format(round=ROUND, sample=SAMPLE_ROUND)
    headers = callers[reader].headers("/api")
    response = matrix_app.test_client().get(f"{url}?{query}", headers=headers)
    assert response.status_code == 400
    assert query.partition("=")[0] in response.json["detail"]
