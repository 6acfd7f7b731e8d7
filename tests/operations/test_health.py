"""Probes, the API documents, and the problem+json shape of every error status."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from service import create_app
from service.store.embedded import free_port
from tests.support.factories import household, household_round

ISSUE_3_PATHS = {
    "/healthz": {"get"},
    "/readyz": {"get"},
    "/api/v1/tokens": {"get", "post"},
    "/api/v1/tokens/{token_id}": {"delete"},
    "/api/v1/rounds": {"get", "post"},
    "/api/v1/rounds/{round_id}": {"get", "patch"},
    "/api/v1/rounds/{round_id}/submissions": {"get", "post"},
    "/api/v1/rounds/{round_id}/submissions/batch": {"post"},
}


@pytest.fixture
def storeless_app() -> Iterator[Flask]:
    """An app whose store address has nothing listening: every store call fails fast."""
    app = create_app(
        {
            "MONGODB_URI": f"mongodb://127.0.0.1:{free_port()}/",
            "SURVEY_STORE_TIMEOUT_MS": 200,
            "TESTING": True,
        }
    )
    yield app
    app.extensions["store"].close()


def test_healthz_answers_ok_without_a_token(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_answers_ready_when_the_store_answers_ping(client: FlaskClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json == {"status": "ready"}


def test_readyz_is_503_with_retry_after_when_the_store_is_unreachable(
    storeless_app: Flask,
) -> None:
    response = storeless_app.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()


def test_healthz_stays_ok_when_the_store_is_unreachable(storeless_app: Flask) -> None:
    assert storeless_app.test_client().get("/healthz").status_code == 200


def test_openapi_lists_every_path_and_method_of_the_foundation(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").json["paths"]

    for path, methods in ISSUE_3_PATHS.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))


def test_openapi_declares_bearer_authentication(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").json

    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_docs_page_is_served_without_any_external_url(client: FlaskClient) -> None:
    response = client.get("/docs/", follow_redirects=True)
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "swagger" in html.lower()
    assert re.findall(r"""(?:src|href)=["'](?:https?:)?//""", html) == []


def test_docs_assets_are_served_locally(client: FlaskClient) -> None:
    html = client.get("/docs/", follow_redirects=True).get_data(as_text=True)
    assets = re.findall(r"""(?:src|href)=["'](/docs/[^"']+)["']""", html)

    assert assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def assert_problem(response: TestResponse, status: int) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"] and body["detail"]
    assert "Traceback" not in response.get_data(as_text=True)


Request = Callable[[FlaskClient, dict[str, dict[str, str]]], TestResponse]
SUBMISSIONS = "/api/v1/rounds/hh-test/submissions"

ERROR_REQUESTS: dict[int, Request] = {
    400: lambda c, h: c.post(
        SUBMISSIONS, data="{not json", headers=h["enumerator"], content_type="application/json"
    ),
    401: lambda c, h: c.get("/api/v1/rounds"),
    403: lambda c, h: c.get("/api/v1/tokens", headers=h["planner"]),
    404: lambda c, h: c.get("/api/v1/rounds/no-such-round", headers=h["planner"]),
    405: lambda c, h: c.delete("/api/v1/rounds", headers=h["admin"]),
    409: lambda c, h: c.post("/api/v1/rounds", json=household_round(), headers=h["admin"]),
    413: lambda c, h: c.post(
        SUBMISSIONS,
        data=b"[" + b" " * 6_000_000 + b"]",
        headers=h["enumerator"],
        content_type="application/json",
    ),
    415: lambda c, h: c.post(
        SUBMISSIONS,
        data="submission_id=1",
        headers=h["enumerator"],
        content_type="application/x-www-form-urlencoded",
    ),
    422: lambda c, h: c.post(SUBMISSIONS, json=household(members=0), headers=h["enumerator"]),
}


@pytest.mark.parametrize("status", sorted(ERROR_REQUESTS))
def test_every_error_status_is_problem_json(
    status: int,
    client: FlaskClient,
    make_round: Callable[[dict], dict],
    as_admin: dict[str, str],
    as_planner: dict[str, str],
    as_enumerator: dict[str, str],
) -> None:
    make_round(household_round())
    headers = {"admin": as_admin, "planner": as_planner, "enumerator": as_enumerator}

    assert_problem(ERROR_REQUESTS[status](client, headers), status)


def test_store_unavailable_is_problem_json_503(storeless_app: Flask) -> None:
    response = storeless_app.test_client().get(
        "/api/v1/rounds", headers={"Authorization": "Bearer whatever"}
    )

    assert_problem(response, 503)
    assert response.headers["Retry-After"].isdigit()
