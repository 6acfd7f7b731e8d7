"""Hostile input is refused with a 4xx problem, and leaves the store exactly as it was.

"Unchanged" is checked by count and by a SHA-256 over every document of every collection.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from service import create_app
from service.store import Store
from tests.support import factories
from tests.support.apps import bearer
from tests.support.servers import EmbeddedStore, GunicornServer

ROUND = "hh-test"
SUBMIT = f"/api/v1/rounds/{ROUND}/submissions"
OPERATORS = [{"$gt": ""}, {"$ne": None}, {"$where": "sleep(10000) || true"}, {"$regex": ".*"}]
BAD_KEYS = ["$where", "$gt", "a.b", "answers.members", "$"]


def store_fingerprint(store: Store) -> tuple[dict[str, int], str]:
    """Document counts per collection and one hash over all their contents."""
    digest = hashlib.sha256()
    counts = {}
    for name in sorted(store.db.list_collection_names()):
        docs = sorted(json.dumps(doc, sort_keys=True, default=str) for doc in store.db[name].find())
        counts[name] = len(docs)
        for doc in docs:
            digest.update(doc.encode())
    return counts, digest.hexdigest()


# One app, database and round for the whole module (conftest's per-test ones are overridden):
# every test leaves the store unchanged anyway, and that is what it checks.
@pytest.fixture(scope="module")
def app(store_server: EmbeddedStore) -> Iterator[Flask]:
    app = create_app(
        {
            "MONGODB_URI": store_server.uri,
            "SURVEY_DB": f"hostile_{uuid.uuid4().hex[:8]}",
            "TESTING": True,
            "SURVEY_RATE_LIMIT": "100000/minute",
            "SURVEY_AUTH_FAILURE_LIMIT": "100000/minute",
        }
    )
    yield app
    app.extensions["store"].close()


@pytest.fixture(scope="module")
def tokens(app: Flask) -> dict[str, str]:
    return {
        role: app.extensions["store"].tokens.create(role, f"{role}-1")[1]
        for role in ("admin", "planner", "enumerator")
    }


@pytest.fixture(scope="module")
def hh_round(app: Flask, tokens: dict[str, str]) -> dict[str, Any]:
    """An open household round that already holds one submission."""
    client = app.test_client()
    made = client.post(
        "/api/v1/rounds", json=factories.household_round(ROUND), headers=bearer(tokens["admin"])
    )
    sent = client.post(SUBMIT, json=factories.household(), headers=bearer(tokens["enumerator"]))
    assert made.status_code == 201 and sent.status_code == 201
    return made.json


@pytest.fixture
def unchanged(store: Store, hh_round: dict[str, Any]) -> Iterator[None]:
    """Fail the test if the store differs at the end from how it was at the start."""
    before = store_fingerprint(store)
    yield
    assert store_fingerprint(store) == before


def assert_refused(response: Any, statuses: set[int] | None = None) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.data[:300])
    if statuses:
        assert response.status_code in statuses
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == response.status_code


def leaf_paths(payload: Any, prefix: str = "") -> list[str]:
    if isinstance(payload, dict):
        return [
            path
            for key, value in payload.items()
            for path in leaf_paths(value, f"{prefix}.{key}" if prefix else key)
        ]
    return [prefix]


HOUSEHOLD_FIELDS = leaf_paths(factories.household())


@pytest.mark.parametrize("operator", OPERATORS, ids=lambda o: next(iter(o)))
@pytest.mark.parametrize("path", HOUSEHOLD_FIELDS)
def test_operator_objects_in_any_field_are_refused(
    client: FlaskClient,
    as_enumerator: dict[str, str],
    unchanged: None,
    path: str,
    operator: dict[str, Any],
) -> None:
    payload = factories.changed(factories.household(), path, operator)
    assert_refused(client.post(SUBMIT, json=payload, headers=as_enumerator), {422})


@pytest.mark.parametrize("key", BAD_KEYS)
@pytest.mark.parametrize("where", ["", "location", "sampling", "answers"])
def test_keys_with_dollar_or_dot_are_refused_at_every_level(
    client: FlaskClient, as_enumerator: dict[str, str], unchanged: None, where: str, key: str
) -> None:
    payload = factories.household()
    (payload[where] if where else payload)[key] = 1
    assert_refused(client.post(SUBMIT, json=payload, headers=as_enumerator), {422})


def test_operator_keys_inside_a_batch_fail_that_item_only(
    client: FlaskClient, as_enumerator: dict[str, str], store: Store, hh_round: dict[str, Any]
) -> None:
    hostile = factories.household()
    hostile["answers"]["$where"] = "1"
    good = factories.household()
    response = client.post(
        f"{SUBMIT}/batch", json={"submissions": [hostile, good]}, headers=as_enumerator
    )
    assert [r["status"] for r in response.json["results"]] == ["invalid", "created"]
    assert store.submissions.get(ROUND, hostile["submission_id"]) is None


@pytest.mark.parametrize(
    "body",
    [
        {"role": {"$gt": ""}, "name": "x"},
        {"role": "admin", "name": {"$ne": None}},
        {"role": "admin", "name": "x", "$where": "1"},
        {"role": "admin", "name": "x", "a.b": 1},
    ],
)
def test_operator_injection_in_token_requests_is_refused(
    client: FlaskClient, as_admin: dict[str, str], unchanged: None, body: dict[str, Any]
) -> None:
    assert_refused(client.post("/api/v1/tokens", json=body, headers=as_admin), {422})


@pytest.mark.parametrize(
    "changes",
    [
        {"title": {"$gt": ""}},
        {"status": {"$ne": "open"}},
        {"$set": {"status": "closed"}},
        {"targets": {"$where": 1}},
        {"targets": {"a.b": 0.5}},
        {"id": "other"},
    ],
)
def test_operator_injection_in_round_edits_is_refused(
    client: FlaskClient, as_admin: dict[str, str], unchanged: None, changes: dict[str, Any]
) -> None:
    assert_refused(client.patch(f"/api/v1/rounds/{ROUND}", json=changes, headers=as_admin), {422})


@pytest.mark.parametrize(
    "query",
    [
        "limit=NaN",
        "limit=1e999",
        "limit=-1",
        "limit=99999999999999999999999",
        "format=$ne",
        "after=" + "x" * 100,
    ],
)
def test_operator_and_absurd_values_in_listing_parameters_are_refused(
    client: FlaskClient, as_admin: dict[str, str], unchanged: None, query: str
) -> None:
    assert_refused(client.get(f"{SUBMIT}?{query}", headers=as_admin), {422})


@pytest.mark.parametrize(
    "query",
    [
        "level=NaN",
        "level=Infinity",
        "level=-Infinity",
        "level=1e400",
        "level=0.95000001",
        "indicator=$where",
        "by=$gt",
        'ci={"$gt":""}',
        "indicator=a.b",
    ],
)
def test_operator_and_absurd_values_in_estimate_parameters_are_refused(
    client: FlaskClient, as_admin: dict[str, str], unchanged: None, query: str
) -> None:
    assert_refused(client.get(f"/api/v1/rounds/{ROUND}/estimates?{query}", headers=as_admin), {422})


@pytest.mark.parametrize(
    ("path", "query"),
    [
        (SUBMIT, "limit[$gt]=0"),
        (SUBMIT, "after[$ne]=x"),
        (SUBMIT, "format[$ne]=json"),
        (SUBMIT, "after.x=1"),
        (SUBMIT, "$where=1"),
        (f"/api/v1/rounds/{ROUND}/estimates", "$where=1"),
    ],
)
def test_unknown_operator_like_parameter_names_are_refused_by_name(
    client: FlaskClient, as_admin: dict[str, str], unchanged: None, path: str, query: str
) -> None:
    response = client.get(f"{path}?{query}", headers=as_admin)
    assert_refused(response, {400})
    assert list(response.json["errors"]) == [query.split("=")[0]]


def test_an_operator_string_as_cursor_is_data_not_a_query(
    client: FlaskClient, as_admin: dict[str, str], hh_round: dict[str, Any]
) -> None:
    """`after={"$gt": ""}` is compared as a string (past every id), not run as an operator."""
    response = client.get(f"{SUBMIT}?after={quote(json.dumps({'$gt': ''}))}", headers=as_admin)
    assert response.status_code == 200
    assert response.json["items"] == []


@pytest.mark.parametrize(
    "round_id",
    [
        "../tokens",
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e",
        "$where",
        quote('{"$gt":""}'),
        "hh-test%00",
        "a.b",
        "%24ne",
        "x" * 300,
        "..",
        "%252e%252e%252f",
    ],
)
def test_path_traversal_and_operators_in_ids_find_nothing(
    client: FlaskClient, as_admin: dict[str, str], unchanged: None, round_id: str
) -> None:
    for method, suffix in (
        ("GET", ""),
        ("GET", "/submissions"),
        ("GET", "/estimates"),
        ("PATCH", ""),
        ("POST", "/submissions"),
    ):
        body = {"title": "x"} if method == "PATCH" else factories.household()
        response = client.open(
            f"/api/v1/rounds/{round_id}{suffix}", method=method, json=body, headers=as_admin
        )
        assert_refused(response, {404, 405, 422})


@pytest.mark.parametrize("token_id", ["../rounds", "$where", quote('{"$ne":null}'), "a.b"])
def test_path_traversal_and_operators_in_token_ids_find_nothing(
    client: FlaskClient, as_admin: dict[str, str], unchanged: None, token_id: str
) -> None:
    assert_refused(client.delete(f"/api/v1/tokens/{token_id}", headers=as_admin), {404, 405})


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("sampling.weight", "1e400"),
        ("sampling.weight", "NaN"),
        ("sampling.weight", "Infinity"),
        ("sampling.weight", "-Infinity"),
        ("sampling.weight", "1" + "0" * 400),
        ("answers.members", "1" + "0" * 4000),
        ("answers.members", "4.0"),
        ("answers.smartphones", "-1e308"),
        ("location.gps", '{"lat": NaN, "lon": 1e999}'),
    ],
)
def test_huge_numbers_nan_and_infinity_are_refused(
    client: FlaskClient, as_enumerator: dict[str, str], unchanged: None, path: str, raw: str
) -> None:
    marker = "__RAW__"
    payload = factories.changed(factories.household(), path, marker)
    body = json.dumps(payload).replace(f'"{marker}"', raw)
    response = client.post(
        SUBMIT, data=body, content_type="application/json", headers=as_enumerator
    )
    assert_refused(response, {400, 422})


@pytest.mark.parametrize("depth", [50, 900, 5000, 200_000])
def test_deeply_nested_json_is_refused(
    client: FlaskClient, as_enumerator: dict[str, str], unchanged: None, depth: int
) -> None:
    nested = '{"a":' * depth + "1" + "}" * depth
    payload = json.dumps(factories.household()).replace('"enum-01"', nested)
    for url in (SUBMIT, f"{SUBMIT}/batch"):
        body = payload if url == SUBMIT else '{"submissions": [' + payload + "]}"
        response = client.post(
            url, data=body, content_type="application/json", headers=as_enumerator
        )
        if url.endswith("batch") and response.status_code == 200:
            assert response.json["summary"]["invalid"] == 1
        else:
            assert_refused(response, {400, 422})


@pytest.mark.parametrize("url", [SUBMIT, f"{SUBMIT}/batch", "/api/v1/rounds", "/api/v1/tokens"])
def test_ten_megabyte_bodies_are_refused_as_too_large(
    client: FlaskClient, as_admin: dict[str, str], unchanged: None, url: str
) -> None:
    body = '{"submissions": ["' + "x" * (10 * 1024 * 1024) + '"]}'
    response = client.post(url, data=body, content_type="application/json", headers=as_admin)
    assert_refused(response, {413})


@pytest.mark.parametrize(
    "raw",
    [
        b'{"submission_id": "\xff\xfe"}',
        b"\xc3\x28",
        b'{"a": "\xed\xa0\x80"}',
        b'{"a": "\\ud800"}',
    ],
)
def test_invalid_utf8_is_refused(
    client: FlaskClient, as_enumerator: dict[str, str], unchanged: None, raw: bytes
) -> None:
    response = client.post(SUBMIT, data=raw, content_type="application/json", headers=as_enumerator)
    assert_refused(response, {400, 422})


def test_lone_surrogates_inside_a_submission_are_refused(
    client: FlaskClient, as_enumerator: dict[str, str], unchanged: None
) -> None:
    body = json.dumps(factories.household()).replace('"enum-01"', '"\\ud800"')
    response = client.post(
        SUBMIT, data=body, content_type="application/json", headers=as_enumerator
    )
    assert_refused(response, {400, 422})


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/javascript",
        "",
        "application/json-patch+json",
    ],
)
def test_wrong_content_types_are_refused(
    client: FlaskClient, as_enumerator: dict[str, str], unchanged: None, content_type: str
) -> None:
    body = json.dumps(factories.household())
    response = client.post(
        SUBMIT, data=body, headers={**as_enumerator, "Content-Type": content_type}
    )
    assert_refused(response, {415})


@pytest.mark.parametrize("body", [b"", b"null", b"[]", b'"text"', b"42", b"{", b"{}}"])
def test_bodies_that_are_not_a_json_object_are_refused(
    client: FlaskClient, as_enumerator: dict[str, str], unchanged: None, body: bytes
) -> None:
    for url in (SUBMIT, f"{SUBMIT}/batch"):
        response = client.post(
            url, data=body, content_type="application/json", headers=as_enumerator
        )
        assert_refused(response, {400, 422})


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_unsupported_methods_are_refused_as_problems(
    client: FlaskClient, as_admin: dict[str, str], unchanged: None, method: str
) -> None:
    assert_refused(client.open(SUBMIT, method=method, json={}, headers=as_admin), {405})


def test_overlong_strings_and_control_characters_are_refused(
    client: FlaskClient, as_enumerator: dict[str, str], unchanged: None
) -> None:
    for value in ("x" * 10_000, "enum\x00-01", "enum\n01", "\x1b[31m"):
        payload = factories.changed(factories.household(), "enumerator_id", value)
        assert_refused(client.post(SUBMIT, json=payload, headers=as_enumerator), {422})


# --- Issue 17: the calendar's edges, `${…}` in every text, non-ASCII digits, huge headers -------

CALENDAR_EDGES = [
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00-23:59",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59+23:59",
    "1969-12-31T23:59:59Z",
    "1999-12-31T23:59:59.999999Z",
    "2025-02-29T10:00:00Z",
    "2025-05-01T24:00:00Z",
    "2025-05-01T10:00:00+24:00",
    "2025-05-01",
]


@pytest.mark.parametrize("moment", CALENDAR_EDGES)
def test_interview_times_at_the_calendars_edges_are_refused(
    client: FlaskClient, as_enumerator: dict[str, str], unchanged: None, moment: str
) -> None:
    payload = factories.changed(factories.household(), "interviewed_at", moment)
    assert_refused(client.post(SUBMIT, json=payload, headers=as_enumerator), {422})


@pytest.mark.parametrize(
    "period",
    [{"start": "0001-01-01", "end": "9999-12-31"}, {"start": "9999-12-31", "end": "0001-01-01"}],
)
def test_round_periods_at_the_calendars_edges_never_crash(
    client: FlaskClient, as_admin: dict[str, str], period: dict[str, str]
) -> None:
    body = factories.household_round(f"edge-{uuid.uuid4().hex[:8]}", period=period)
    response = client.post("/api/v1/rounds", json=body, headers=as_admin)
    assert response.status_code in (201, 422)
    if response.status_code == 201:
        assert client.get(f"/api/v1/rounds/{body['id']}", headers=as_admin).status_code == 200


REFERENCE = "${answers} ${} $${x} ${ y }"


def test_reference_like_text_in_every_text_field_is_kept_as_text_everywhere(
    client: FlaskClient, tokens: dict[str, str], hh_round: dict[str, Any]
) -> None:
    """`${…}` is what pyxform reads as a reference: in a round's title, district and commune
    names, an enumerator id or a village it stays text, and nothing breaks (a token name is a
    user name: its pattern refuses it)."""
    admin, enumerator = bearer(tokens["admin"]), bearer(tokens["enumerator"])
    round_id = f"ref-{uuid.uuid4().hex[:8]}"
    frame = {
        "districts": {"080": f"Lào Cai {REFERENCE}"},
        "communes": {"02641": {"district": "080", "name": f"Cốc Lếu {REFERENCE}"}},
    }
    body = factories.household_round(round_id, title=f"Round {REFERENCE}", frame=frame)
    assert client.post("/api/v1/rounds", json=body, headers=admin).status_code == 201
    token = client.post(
        "/api/v1/tokens", json={"role": "enumerator", "name": f"n{REFERENCE}"}, headers=admin
    )
    payload = factories.household()
    payload["enumerator_id"] = f"e{REFERENCE}"
    payload["location"]["village"] = f"Bản {REFERENCE}"
    sent = client.post(f"/api/v1/rounds/{round_id}/submissions", json=payload, headers=enumerator)
    collect = {
        "Authorization": "Basic " + base64.b64encode(f"admin-1:{tokens['admin']}".encode()).decode()
    }

    assert (token.status_code, sent.status_code) == (422, 201)
    assert client.get("/openrosa/formList", headers=collect).status_code == 200
    form = client.get(f"/openrosa/forms/{round_id}.xml", headers=collect)
    assert form.status_code == 200
    for url in (
        f"/api/v1/rounds/{round_id}/estimates",
        f"/api/v1/rounds/{round_id}/estimates?format=csv",
        f"/api/v1/rounds/{round_id}/submissions?format=csv",
    ):
        assert client.get(url, headers=admin).status_code == 200, url


@pytest.mark.parametrize(
    "query",
    ["limit=١٠", "limit=１０", "limit=५", "after=٤", "format=ｊｓｏｎ"],
)
def test_non_ascii_digits_in_query_parameters_are_refused(
    client: FlaskClient, as_admin: dict[str, str], unchanged: None, query: str
) -> None:
    response = client.get(f"{SUBMIT}?{query}", headers=as_admin)
    assert_refused(response, {400})
    assert list(response.json["errors"]) == [query.split("=")[0]]


@pytest.mark.parametrize("query", ["limit=1_0", "limit=+5", "limit=%2010", "limit=10.0"])
def test_a_page_limit_is_plain_digits(
    client: FlaskClient, as_admin: dict[str, str], unchanged: None, query: str
) -> None:
    response = client.get(f"{SUBMIT}?{query}", headers=as_admin)
    assert_refused(response, {400, 422})
    assert list(response.json["errors"]) == ["limit"]


@pytest.mark.parametrize("digits", ["٤", "４", "৪", "𝟜", "²"])
def test_non_ascii_digits_in_json_numbers_are_refused(
    client: FlaskClient, as_enumerator: dict[str, str], unchanged: None, digits: str
) -> None:
    payload = factories.changed(factories.household(), "answers.members", digits)
    assert_refused(client.post(SUBMIT, json=payload, headers=as_enumerator), {422})


@pytest.mark.slow
@pytest.mark.parametrize(
    ("headers", "path", "status"),
    [
        ({"X-Huge": "x" * 9000}, "/readyz", 431),
        ({f"X-Many-{i}": "x" for i in range(200)}, "/readyz", 431),
        ({"Authorization": "Bearer " + "x" * 9000}, "/api/v1/rounds", 431),
        ({}, "/api/v1/rounds/" + "r" * 5000, 414),
        ({}, "/api/v1/rounds/" + "r" * 9000, 414),
    ],
    ids=["one-huge-field", "200-fields", "huge-bearer", "5k-url", "9k-url"],
)
def test_huge_header_fields_and_urls_get_a_problem_from_gunicorn_too(
    live_server: GunicornServer, headers: dict[str, str], path: str, status: int
) -> None:
    response = requests.get(f"{live_server.url}{path}", headers=headers, timeout=10)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["status"] == status
