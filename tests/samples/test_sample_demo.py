"""The fieldwork demo round `make run` loads (docs/design.md §8): a sample with assignments for
a few enumerators and visits with every outcome, loaded once however often it is loaded."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service import create_app
from service.loading import load_demo
from service.samples.demo import ENUMERATORS, FIELDWORK_ROUND
from service.store import Store
from tests.support.apps import bearer
from tests.support.servers import EmbeddedStore


@pytest.fixture(scope="module")
def demo_app(store_server: EmbeddedStore) -> Iterator[Flask]:
    """One app whose database has the demo loaded twice (loading is the slow part)."""
    app = create_app({"MONGODB_URI": store_server.uri, "SURVEY_DB": f"demo_{uuid.uuid4().hex[:8]}"})
    store: Store = app.extensions["store"]
    app.config["LOADS"] = [load_demo(store), load_demo(store)]
    app.config["ADMIN"] = bearer(store.tokens.create("admin", "demo-admin")[1])
    yield app
    store.close()


@pytest.fixture
def loaded(demo_app: Flask) -> list[dict[str, Any]]:
    return demo_app.config["LOADS"]


@pytest.fixture
def client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


@pytest.fixture
def as_admin(demo_app: Flask) -> dict[str, str]:
    return demo_app.config["ADMIN"]


def test_the_demo_has_a_sample_round_with_every_outcome(
    loaded, client: FlaskClient, as_admin
) -> None:
    total = client.get(f"/api/v1/rounds/{FIELDWORK_ROUND}/progress", headers=as_admin).json["total"]
    outcomes = (
        "completed",
        "refused",
        "noncontact",
        "not_found",
        "ineligible",
        "other_nonresponse",
    )
    assert all(total[outcome] > 0 for outcome in outcomes), total
    assert total["pending"] > 0 and total["duplicates"] == 1
    assert total["assigned"] == 90


def test_the_demo_assigns_units_to_a_few_enumerators(loaded, client, as_admin) -> None:
    body = client.get(
        f"/api/v1/rounds/{FIELDWORK_ROUND}/progress?by=enumerator", headers=as_admin
    ).json
    assert {group["key"] for group in body["groups"]} == set(ENUMERATORS)


def test_loading_the_demo_again_stores_nothing_new(loaded) -> None:
    first, second = loaded
    assert first[FIELDWORK_ROUND]["created"] > 0 and first[FIELDWORK_ROUND]["invalid"] == 0
    assert second[FIELDWORK_ROUND]["created"] == 0
    assert second[FIELDWORK_ROUND]["duplicate"] == first[FIELDWORK_ROUND]["created"]
