"""Batches: up to 1000 items, each with its own status, valid ones stored whatever the others do."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from service.store import Store
from tests.support.factories import changed, household, household_round

BATCH = "/api/v1/rounds/hh-test/submissions/batch"


@pytest.fixture(autouse=True)
def open_round(make_round: Callable[[dict], dict]) -> None:
    make_round(household_round())


def send(client: FlaskClient, headers: dict[str, str], items: list) -> dict:
    response = client.post(BATCH, json={"submissions": items}, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_every_item_of_a_clean_batch_is_created(
    client: FlaskClient, as_enumerator: dict[str, str], store: Store
) -> None:
    items = [household() for _ in range(10)]

    result = send(client, as_enumerator, items)

    assert result["summary"] == {"created": 10, "duplicate": 0, "conflict": 0, "invalid": 0}
    assert store.submissions.count("hh-test") == 10


def test_a_mixed_batch_reports_each_status_in_request_order(
    client: FlaskClient, as_enumerator: dict[str, str]
) -> None:
    stored = household()
    send(client, as_enumerator, [stored])
    fresh, bad = household(), household(members=0)
    other_content = changed(stored, "answers.smartphones", 5)

    result = send(client, as_enumerator, [fresh, stored, bad, other_content])

    assert [(r["submission_id"], r["status"]) for r in result["results"]] == [
        (fresh["submission_id"], "created"),
        (stored["submission_id"], "duplicate"),
        (bad["submission_id"], "invalid"),
        (stored["submission_id"], "conflict"),
    ]
    assert result["summary"] == {"created": 1, "duplicate": 1, "conflict": 1, "invalid": 1}


def test_an_invalid_item_carries_its_field_paths(
    client: FlaskClient, as_enumerator: dict[str, str]
) -> None:
    result = send(client, as_enumerator, [household(members_15plus=9)])

    assert result["results"][0]["errors"] == {"answers.members_15plus": ["Cannot exceed members."]}


def test_valid_items_are_stored_even_when_others_fail(
    client: FlaskClient, as_enumerator: dict[str, str], store: Store
) -> None:
    good = [household() for _ in range(3)]

    send(client, as_enumerator, [household(members=0), *good, "not an object"])

    assert store.submissions.count("hh-test") == 3


def test_an_item_without_a_usable_id_is_invalid_with_a_null_id(
    client: FlaskClient, as_enumerator: dict[str, str]
) -> None:
    result = send(client, as_enumerator, [changed(household(), "submission_id", ...), 42])

    assert [(r["submission_id"], r["status"]) for r in result["results"]] == [
        (None, "invalid"),
        (None, "invalid"),
    ]


def test_the_same_submission_twice_in_one_batch_is_stored_once(
    client: FlaskClient, as_enumerator: dict[str, str], store: Store
) -> None:
    item = household()

    result = send(client, as_enumerator, [item, item])

    assert [r["status"] for r in result["results"]] == ["created", "duplicate"]
    assert store.submissions.count("hh-test") == 1


def test_resending_a_whole_batch_reports_only_duplicates(
    client: FlaskClient, as_enumerator: dict[str, str], store: Store
) -> None:
    items = [household() for _ in range(20)]
    send(client, as_enumerator, items)

    result = send(client, as_enumerator, items)

    assert result["summary"] == {"created": 0, "duplicate": 20, "conflict": 0, "invalid": 0}
    assert store.submissions.count("hh-test") == 20


def test_a_batch_of_1000_is_accepted(
    client: FlaskClient, as_enumerator: dict[str, str], store: Store
) -> None:
    result = send(client, as_enumerator, [household() for _ in range(1000)])

    assert result["summary"]["created"] == 1000
    assert store.submissions.count("hh-test") == 1000


def test_a_batch_bumps_the_data_version_once(
    client: FlaskClient, as_enumerator: dict[str, str]
) -> None:
    send(client, as_enumerator, [household() for _ in range(5)])

    assert client.get("/api/v1/rounds/hh-test", headers=as_enumerator).json["data_version"] == 1


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"submissions": [{}] * 1001}, "submissions"),
        ({"submissions": []}, "submissions"),
        ({"submissions": {"a": 1}}, "submissions"),
        ({}, "submissions"),
        ({"submissions": [{}], "extra": True}, "extra"),
    ],
    ids=["more than 1000", "empty", "not a list", "missing", "unknown envelope field"],
)
def test_a_malformed_envelope_is_422_and_stores_nothing(
    client: FlaskClient, as_enumerator: dict[str, str], store: Store, body: dict, path: str
) -> None:
    response = client.post(BATCH, json=body, headers=as_enumerator)

    assert response.status_code == 422
    assert path in response.json["errors"], response.json
    assert store.submissions.count("hh-test") == 0


def test_a_batch_to_an_unknown_round_is_404(
    client: FlaskClient, as_enumerator: dict[str, str]
) -> None:
    response = client.post(
        "/api/v1/rounds/nope/submissions/batch",
        json={"submissions": [household()]},
        headers=as_enumerator,
    )

    assert response.status_code == 404
