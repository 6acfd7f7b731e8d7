"""Rate limits per token: 429 problem+json with Retry-After; other callers are unaffected."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from service import create_app
from service.store import Store
from tests.support.apps import bearer
from tests.support.servers import EmbeddedStore, GunicornServer

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


def test_limits_kept_in_the_store_hold_across_gunicorn_workers(tmp_path) -> None:
    """SURVEY_RATE_LIMIT_STORAGE=store: one limit for the whole server, whichever worker answers."""
    limit = 8
    with EmbeddedStore(tmp_path) as store_server:
        server = GunicornServer(
            store_server.uri,
            "shared_limits",
            workers=3,
            env={"SURVEY_RATE_LIMIT": f"{limit}/minute", "SURVEY_RATE_LIMIT_STORAGE": "store"},
        ).start()
        try:
            headers = {"Authorization": f"Bearer {server.admin_token}"}
            answered: list[int] = []
            for _ in range(3 * limit):
                with requests.Session() as fresh_connection:
                    answer = fresh_connection.get(
                        f"{server.url}/api/v1/rounds", headers=headers, timeout=10
                    )
                answered.append(answer.status_code)
        finally:
            server.stop()

    assert answered == [200] * limit + [429] * (2 * limit)


def test_store_counters_count_every_hit_of_concurrent_callers(store_server: EmbeddedStore) -> None:
    from limits import parse
    from limits.strategies import FixedWindowRateLimiter

    from service.store.rate_counters import StoreRateCounters

    database = f"limits_{uuid.uuid4().hex[:8]}"
    storages = [
        StoreRateCounters("survey+" + store_server.uri, database_name=database) for _ in range(4)
    ]
    limit = parse("1000/minute")
    hits: list[bool] = []

    def hit_many(storage: StoreRateCounters) -> None:
        limiter = FixedWindowRateLimiter(storage)
        hits.extend(limiter.hit(limit, "caller") for _ in range(40))

    threads = [threading.Thread(target=hit_many, args=(storage,)) for storage in storages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(hits) == 160 and all(hits)
    assert FixedWindowRateLimiter(storages[0]).get_window_stats(limit, "caller").remaining == 840
