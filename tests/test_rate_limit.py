"""Rate limits per token: 429 problem+json with Retry-After; other callers are unaffected."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service import create_app
from service.store import Store
from tests.conftest import bearer
from tests.servers import EmbeddedStore

LIMIT = 3


@pytest.fixture
def limited_app(store_server: EmbeddedStore, database_name: str) -> Iterator[Flask]:
    app = create_app(
        {
            "MONGODB_URI": store_server.uri,
            "SURVEY_DB": database_name,
            "TESTING": True,
            "SURVEY_RATE_LIMIT": f"{LIMIT}/minute",
        }
    )
    yield app
    app.extensions["store"].close()


@pytest.fixture
def limited(limited_app: Flask) -> FlaskClient:
    return limited_app.test_client()


@pytest.fixture
def two_planners(limited_app: Flask) -> tuple[dict[str, str], dict[str, str]]:
    store: Store = limited_app.extensions["store"]
    return (
        bearer(store.tokens.create("planner", "planner-a")[1]),
        bearer(store.tokens.create("planner", "planner-b")[1]),
    )


def exhaust(client: FlaskClient, headers: dict[str, str]) -> None:
    for _ in range(LIMIT):
        assert client.get("/api/v1/rounds", headers=headers).status_code == 200


def test_requests_over_the_limit_get_429_problem_json(limited: FlaskClient, two_planners) -> None:
    planner, _ = two_planners
    exhaust(limited, planner)
    response = limited.get("/api/v1/rounds", headers=planner)
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 429
    assert response.json["title"] == "Too Many Requests"


def test_429_says_when_to_retry_in_seconds(limited: FlaskClient, two_planners) -> None:
    planner, _ = two_planners
    exhaust(limited, planner)
    retry_after = limited.get("/api/v1/rounds", headers=planner).headers["Retry-After"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 61


def test_the_limit_is_per_token(limited: FlaskClient, two_planners) -> None:
    planner_a, planner_b = two_planners
    exhaust(limited, planner_a)
    assert limited.get("/api/v1/rounds", headers=planner_a).status_code == 429
    assert limited.get("/api/v1/rounds", headers=planner_b).status_code == 200


def test_the_limit_spans_all_endpoints_of_a_token(limited: FlaskClient, two_planners) -> None:
    planner, _ = two_planners
    exhaust(limited, planner)
    assert limited.get("/api/v1/rounds/nope", headers=planner).status_code == 429


def test_anonymous_callers_are_limited_by_address(limited: FlaskClient) -> None:
    statuses = [limited.get("/api/v1/rounds").status_code for _ in range(LIMIT + 1)]
    assert statuses == [401] * LIMIT + [429]


def test_probes_and_metrics_are_never_limited(limited: FlaskClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics"):
        assert all(limited.get(path).status_code == 200 for _ in range(LIMIT + 2))


def test_the_default_limit_is_600_per_minute_per_token(app: Flask) -> None:
    assert app.config["SURVEY_RATE_LIMIT"] == "600/minute"
