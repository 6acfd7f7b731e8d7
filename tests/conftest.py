"""Fixtures: one real embedded store per test session, a fresh database per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalogue import ROLES
from service import create_app
from service.store import Store
from tests.support.apps import bearer
from tests.support.factories import household_round, small_sample
from tests.support.servers import EmbeddedStore, GunicornServer

pytest_plugins = [
    "tests.support.dashboard_support",
    "tests.support.series_support",
]  # browser fixtures


@pytest.fixture(scope="session")
def store_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    with EmbeddedStore(tmp_path_factory.mktemp("store")) as server:
        yield server


@pytest.fixture
def database_name() -> str:
    return f"test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def app(store_server: EmbeddedStore, database_name: str) -> Iterator[Flask]:
    app = create_app({"MONGODB_URI": store_server.uri, "SURVEY_DB": database_name, "TESTING": True})
    yield app
    app.extensions["store"].close()


@pytest.fixture
def store(app: Flask) -> Store:
    return app.extensions["store"]


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def tokens(store: Store) -> dict[str, str]:
    """A plaintext token for each role."""
    return {role: store.tokens.create(role, f"{role}-1")[1] for role in ROLES}


@pytest.fixture
def as_admin(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["admin"])


@pytest.fixture
def as_planner(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["planner"])


@pytest.fixture
def as_analyst(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["analyst"])


@pytest.fixture
def as_supervisor(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["supervisor"])


@pytest.fixture
def as_enumerator(tokens: dict[str, str]) -> dict[str, str]:
    return bearer(tokens["enumerator"])


@pytest.fixture
def make_round(client: FlaskClient, as_admin: dict[str, str]):
    """Create a round through the API and return its JSON."""

    def create(body: dict[str, Any]) -> dict[str, Any]:
        response = client.post("/api/v1/rounds", json=body, headers=as_admin)
        assert response.status_code == 201, response.json
        return response.json

    return create


@pytest.fixture
def make_sample_round(make_round, client: FlaskClient, as_admin: dict[str, str]):
    """Create a household round through the API and load the small test sample into it."""

    def create(round_id: str) -> str:
        make_round(household_round(round_id))
        loaded = client.put(
            f"/api/v1/rounds/{round_id}/sample",
            json={"assignments": small_sample()},
            headers=as_admin,
        )
        assert loaded.status_code == 200, loaded.json
        return round_id

    return create


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GunicornServer]:
    """gunicorn with 2 workers on its own store, for tests that need real HTTP."""
    with EmbeddedStore(tmp_path_factory.mktemp("live-store")) as server:
        gunicorn = GunicornServer(server.uri, "live").start()
        try:
            yield gunicorn
        finally:
            gunicorn.stop()
