"""A worker stores only a few submissions at once; reads never wait behind them (§7)."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service import admission
from service.admission import ingest_slot
from tests import factories

SUBMISSIONS = "/api/v1/rounds/hh-test/submissions"


@pytest.fixture
def one_slot(app: Flask, make_round) -> Flask:
    app.config["SURVEY_INGEST_CONCURRENCY"] = 1
    make_round(factories.household_round())
    return app


def test_a_submission_waits_while_every_slot_is_taken_and_is_stored_once_one_frees(
    one_slot: Flask, client: FlaskClient, as_enumerator: dict[str, str]
) -> None:
    answered: list[int] = []
    sender = threading.Thread(
        target=lambda: answered.append(
            client.post(SUBMISSIONS, json=factories.household(), headers=as_enumerator).status_code
        )
    )
    with one_slot.app_context(), ingest_slot():
        sender.start()
        sender.join(0.5)
        assert answered == []  # still waiting for the slot
    sender.join(10)
    assert answered == [201]


def test_estimates_are_answered_while_every_submission_slot_is_taken(
    one_slot: Flask, client: FlaskClient, as_enumerator: dict[str, str], as_planner: dict[str, str]
) -> None:
    stored = client.post(SUBMISSIONS, json=factories.household(), headers=as_enumerator)
    assert stored.status_code == 201
    with one_slot.app_context(), ingest_slot():
        response = client.get("/api/v1/rounds/hh-test/estimates", headers=as_planner)
    assert response.status_code == 200


def test_a_submission_that_waits_too_long_for_a_slot_is_503_with_retry_after(
    one_slot: Flask,
    client: FlaskClient,
    as_enumerator: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(admission, "WAIT_SECONDS", 0.1)
    with one_slot.app_context(), ingest_slot():
        response = client.post(SUBMISSIONS, json=factories.household(), headers=as_enumerator)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
