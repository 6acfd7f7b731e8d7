"""A worker stores only a few submissions at once; reads never wait behind them (§7)."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service import admission
from service.admission import FairAdmission, ingest_slot
from service.store.errors import StoreBusy
from tests.support import factories

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
    with one_slot.app_context(), ingest_slot("another-phone"):
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
    with one_slot.app_context(), ingest_slot("another-phone"):
        response = client.get("/api/v1/rounds/hh-test/estimates", headers=as_planner)
    assert response.status_code == 200


def test_a_submission_that_waits_too_long_for_a_slot_is_503_with_retry_after(
    one_slot: Flask,
    client: FlaskClient,
    as_enumerator: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(admission, "WAIT_SECONDS", 0.1)
    with one_slot.app_context(), ingest_slot("another-phone"):
        response = client.post(SUBMISSIONS, json=factories.household(), headers=as_enumerator)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0


# --- one token cannot starve the others (issue 22) ----------------------------------------------


def test_one_token_holds_no_more_than_its_share_of_the_slots() -> None:
    slots = FairAdmission(total=4, per_token=1)
    assert slots.acquire("bulk", timeout=0.1)
    assert not slots.acquire("bulk", timeout=0.1)  # three slots free, but not for this token
    assert slots.acquire("phone", timeout=0.1)


def test_a_freed_slot_goes_to_the_first_waiter_whose_token_is_under_its_share() -> None:
    slots = FairAdmission(total=1, per_token=1)
    assert slots.acquire("bulk", timeout=0.1)
    order: list[str] = []

    def wait(token: str) -> None:
        if slots.acquire(token, timeout=5):
            order.append(token)
            slots.release(token)

    bulk_again = threading.Thread(target=wait, args=("bulk",))
    phone = threading.Thread(target=wait, args=("phone",))
    bulk_again.start()
    time.sleep(0.05)
    phone.start()  # arrives after the bulk client's second request
    time.sleep(0.05)
    slots.release("bulk")
    bulk_again.join(5)
    phone.join(5)
    assert order == ["bulk", "phone"]  # bulk held nothing once its slot freed: arrival order


def test_a_waiter_behind_a_token_at_its_share_is_admitted_first() -> None:
    slots = FairAdmission(total=2, per_token=1)
    assert slots.acquire("bulk", timeout=0.1)
    assert slots.acquire("other", timeout=0.1)
    order: list[str] = []

    def wait(token: str) -> None:
        if slots.acquire(token, timeout=5):
            order.append(token)

    bulk_again = threading.Thread(target=wait, args=("bulk",))
    phone = threading.Thread(target=wait, args=("phone",))
    bulk_again.start()
    time.sleep(0.05)
    phone.start()
    time.sleep(0.05)
    slots.release("other")  # one slot frees while bulk still holds one
    phone.join(5)
    assert order == ["phone"]  # bulk, first in line, is at its share
    slots.release("bulk")
    bulk_again.join(5)
    assert order == ["phone", "bulk"]


def test_a_bulk_client_does_not_keep_a_phone_out_of_the_worker(
    one_slot: Flask,
    client: FlaskClient,
    as_enumerator: dict[str, str],
    store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two slots; a bulk token holds one and asks for the other: another token's submission
    takes it and is stored (before: it waited behind the bulk client's, then 503)."""
    one_slot.config["SURVEY_INGEST_CONCURRENCY"] = 2
    monkeypatch.setattr(admission, "WAIT_SECONDS", 1.0)
    bulk = store.tokens.create("enumerator", "bulk-sender")[0]["_id"]
    release = threading.Event()

    def second_bulk_request() -> None:
        with contextlib.suppress(StoreBusy), one_slot.app_context(), ingest_slot(bulk):
            release.wait(5)

    with one_slot.app_context(), ingest_slot(bulk):
        other = threading.Thread(target=second_bulk_request)
        other.start()
        time.sleep(0.1)  # the bulk client's second request is in line first
        response = client.post(SUBMISSIONS, json=factories.household(), headers=as_enumerator)
        release.set()
    other.join(5)
    assert response.status_code == 201
