"""Every validation rule of docs/design.md §4 has a failing example: 422 at its field path."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.store import Store
from tests.support.factories import business, business_round, changed, household, household_round

HOUSEHOLD_CASES: list[tuple[str, str, Any, str]] = [
    # (rule, dotted path to change, new value or ... to remove, reported error path)
    ("submission_id is required", "submission_id", ..., "submission_id"),
    ("submission_id is a UUID", "submission_id", "not-a-uuid", "submission_id"),
    ("interviewed_at is required", "interviewed_at", ..., "interviewed_at"),
    ("interviewed_at is RFC 3339", "interviewed_at", "1 May 2025", "interviewed_at"),
    ("interviewed_at has a time zone", "interviewed_at", "2025-05-01T10:00:00", "interviewed_at"),
    (
        "interviewed_at is not in the future",
        "interviewed_at",
        "2999-01-01T00:00:00Z",
        "interviewed_at",
    ),
    ("enumerator_id is a string", "enumerator_id", 17, "enumerator_id"),
    ("enumerator_id is not blank", "enumerator_id", "   ", "enumerator_id"),
    ("enumerator_id is at most 64 characters", "enumerator_id", "e" * 65, "enumerator_id"),
    ("strings have no control characters", "enumerator_id", "enum\x0001", "enumerator_id"),
    ("location is required", "location", ..., "location"),
    ("district is a code", "location.district", "08 0", "location.district"),
    ("commune is required", "location.commune", ..., "location.commune"),
    ("area is urban or rural", "location.area", "suburban", "location.area"),
    ("village is at most 200 characters", "location.village", "v" * 201, "location.village"),
    ("gps latitude is within ±90", "location.gps", {"lat": 91, "lon": 104}, "location.gps.lat"),
    ("gps longitude is within ±180", "location.gps", {"lat": 22, "lon": 181}, "location.gps.lon"),
    (
        "gps accuracy is not negative",
        "location.gps",
        {"lat": 22, "lon": 104, "accuracy_m": -1},
        "location.gps.accuracy_m",
    ),
    ("stratum is required", "sampling.stratum", ..., "sampling.stratum"),
    ("psu is a code", "sampling.psu", "080/001", "sampling.psu"),
    ("weight is a number", "sampling.weight", "100", "sampling.weight"),
    ("weight is positive", "sampling.weight", 0, "sampling.weight"),
    ("weight is at most 10^7", "sampling.weight", 1e7 + 1, "sampling.weight"),
    ("weight is not a boolean", "sampling.weight", True, "sampling.weight"),
    ("members is at least 1", "answers.members", 0, "answers.members"),
    ("members is at most 50", "answers.members", 51, "answers.members"),
    ("members is a whole number", "answers.members", 4.0, "answers.members"),
    ("members is not a string", "answers.members", "4", "answers.members"),
    ("members_15plus is not negative", "answers.members_15plus", -1, "answers.members_15plus"),
    ("members_15plus is at most members", "answers.members_15plus", 5, "answers.members_15plus"),
    (
        "epay persons are at most members_15plus",
        "answers.members_15plus_with_epay",
        4,
        "answers.members_15plus_with_epay",
    ),
    (
        "egov persons are at most members_15plus",
        "answers.members_15plus_egov_mobile",
        4,
        "answers.members_15plus_egov_mobile",
    ),
    ("smartphones is not negative", "answers.smartphones", -2, "answers.smartphones"),
    ("booleans are JSON booleans", "answers.mobile_4g_5g", "yes", "answers.mobile_4g_5g"),
    ("booleans are not numbers", "answers.fiber_available", 1, "answers.fiber_available"),
    (
        "a fiber subscription needs fiber available",
        "answers.fiber_available",
        False,
        "answers.fiber_subscribed",
    ),
    ("every answer is required", "answers.smartphones", ..., "answers.smartphones"),
    ("unknown top-level fields are rejected", "notes", "hello", "notes"),
    ("unknown answers are rejected", "answers.internet_cafe", True, "answers.internet_cafe"),
    ("unknown location fields are rejected", "location.province", "10", "location.province"),
    ("keys may not start with $", "answers.$where", "1", "answers.$where"),
    (
        "nested keys may not start with $",
        "location.gps",
        {"lat": 22, "lon": 104, "$gt": 1},
        "location.gps.$gt",
    ),
    ("answers are an object", "answers", [1, 2], "answers"),
]

BUSINESS_CASES: list[tuple[str, str, Any, str]] = [
    ("type is one of the business types", "answers.type", "ngo", "answers.type"),
    ("sector is a VSIC section letter", "answers.sector", "Z", "answers.sector"),
    ("employees is not negative", "answers.employees", -1, "answers.employees"),
    ("uses_it is a boolean", "answers.uses_it", "true", "answers.uses_it"),
    ("e-transactions need IT use", "answers.uses_it", False, "answers.e_transactions"),
    (
        "every practice is required",
        "answers.practices.e_invoice",
        ...,
        "answers.practices.e_invoice",
    ),
    (
        "practices are booleans",
        "answers.practices.online_sales",
        None,
        "answers.practices.online_sales",
    ),
    (
        "unknown practices are rejected",
        "answers.practices.blockchain",
        True,
        "answers.practices.blockchain",
    ),
]


def post(client: FlaskClient, headers: dict[str, str], round_id: str, body: Any):
    return client.post(f"/api/v1/rounds/{round_id}/submissions", json=body, headers=headers)


@pytest.mark.parametrize(
    ("path", "value", "error_path"),
    [case[1:] for case in HOUSEHOLD_CASES],
    ids=[case[0] for case in HOUSEHOLD_CASES],
)
def test_a_household_submission_breaking_a_rule_is_422_at_its_path(
    client: FlaskClient,
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
    path: str,
    value: Any,
    error_path: str,
) -> None:
    make_round(household_round())

    response = post(client, as_enumerator, "hh-test", changed(household(), path, value))

    assert response.status_code == 422
    assert error_path in response.json["errors"], response.json["errors"]


@pytest.mark.parametrize(
    ("path", "value", "error_path"),
    [case[1:] for case in BUSINESS_CASES],
    ids=[case[0] for case in BUSINESS_CASES],
)
def test_a_business_submission_breaking_a_rule_is_422_at_its_path(
    client: FlaskClient,
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
    path: str,
    value: Any,
    error_path: str,
) -> None:
    make_round(business_round())

    response = post(client, as_enumerator, "biz-test", changed(business(), path, value))

    assert response.status_code == 422
    assert error_path in response.json["errors"], response.json["errors"]


def test_a_key_containing_a_dot_is_rejected(
    client: FlaskClient, as_enumerator: dict[str, str], make_round: Callable[[dict], dict]
) -> None:
    make_round(household_round())
    payload = household()
    payload["answers"]["members.15plus"] = 3

    response = post(client, as_enumerator, "hh-test", payload)

    assert response.status_code == 422
    assert "answers.members.15plus" in response.json["errors"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_a_weight_that_is_not_finite_is_rejected(
    client: FlaskClient,
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
    literal: str,
) -> None:
    make_round(household_round())
    body = json.dumps(household()).replace('"weight": 100.5', f'"weight": {literal}')

    response = client.post(
        "/api/v1/rounds/hh-test/submissions",
        data=body,
        content_type="application/json",
        headers=as_enumerator,
    )

    assert response.status_code == 422
    assert "sampling.weight" in response.json["errors"]


def test_a_submission_that_is_not_an_object_is_422(
    client: FlaskClient, as_enumerator: dict[str, str], make_round: Callable[[dict], dict]
) -> None:
    make_round(household_round())

    response = post(client, as_enumerator, "hh-test", [household()])

    assert response.status_code == 422


def test_every_broken_field_is_reported_at_once(
    client: FlaskClient, as_enumerator: dict[str, str], make_round: Callable[[dict], dict]
) -> None:
    make_round(household_round())
    payload = changed(changed(household(), "answers.members", 0), "sampling.weight", -1)

    errors = post(client, as_enumerator, "hh-test", payload).json["errors"]

    assert {"answers.members", "sampling.weight"} <= set(errors)


def test_a_business_payload_is_invalid_in_a_household_round(
    client: FlaskClient, as_enumerator: dict[str, str], make_round: Callable[[dict], dict]
) -> None:
    make_round(household_round())

    response = post(client, as_enumerator, "hh-test", business())

    assert response.status_code == 422
    assert "answers.type" in response.json["errors"]


FRAME = {
    "districts": {"080": "Lào Cai", "086": "Bảo Thắng"},
    "communes": {
        "02641": {"district": "080", "name": "Cốc Lếu"},
        "02800": {"district": "086", "name": "Phố Lu"},
    },
}


@pytest.mark.parametrize(
    ("location_changes", "error_path"),
    [
        ({"district": "099"}, "location.district"),
        ({"commune": "99999"}, "location.commune"),
        ({"commune": "02800"}, "location.commune"),  # a commune of another district
    ],
)
def test_codes_outside_the_rounds_frame_are_rejected(
    client: FlaskClient,
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
    location_changes: dict[str, str],
    error_path: str,
) -> None:
    make_round(household_round(frame=FRAME))
    payload = household()
    payload["location"].update(location_changes)

    response = post(client, as_enumerator, "hh-test", payload)

    assert response.status_code == 422
    assert error_path in response.json["errors"]


def test_codes_inside_the_rounds_frame_are_accepted(
    client: FlaskClient, as_enumerator: dict[str, str], make_round: Callable[[dict], dict]
) -> None:
    make_round(household_round(frame=FRAME))

    assert post(client, as_enumerator, "hh-test", household()).status_code == 201


def test_strings_are_stored_nfc_normalised_and_trimmed(
    client: FlaskClient,
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
    store: Store,
) -> None:
    make_round(household_round())
    decomposed = "Ba\u0309n Pho\u0302\u0301"  # "Bản Phố" in NFD
    payload = changed(household(), "location.village", f"  {decomposed} ")

    post(client, as_enumerator, "hh-test", payload)

    stored = store.submissions.get("hh-test", payload["submission_id"])
    assert stored["location"]["village"] == "Bản Phố"


def test_an_invalid_submission_is_not_stored(
    client: FlaskClient,
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
    store: Store,
) -> None:
    make_round(household_round())

    post(client, as_enumerator, "hh-test", household(members=0))

    assert store.submissions.count("hh-test") == 0


@pytest.mark.parametrize("weight", [5e-324, 1e-7, 1e200, 10_000_001])
def test_a_weight_outside_the_design_range_is_rejected(
    client: FlaskClient,
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
    store: Store,
    weight: float,
) -> None:
    """§4: a weight is finite, at least 10^-6 and at most 10^7 (tiny ones give NaN later)."""
    make_round(household_round())
    body = household()
    body["sampling"]["weight"] = weight
    response = post(client, as_enumerator, "hh-test", body)
    assert response.status_code == 422
    assert "sampling.weight" in response.json["errors"]
    assert store.submissions.count("hh-test") == 0


@pytest.mark.parametrize("weight", [1e-6, 1e7])
def test_weights_at_the_ends_of_the_range_are_accepted(
    client: FlaskClient,
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
    weight: float,
) -> None:
    make_round(household_round())
    body = household()
    body["sampling"]["weight"] = weight
    assert post(client, as_enumerator, "hh-test", body).status_code == 201


def test_a_non_finite_number_in_a_response_is_written_as_null(app: Flask) -> None:
    """Whatever a computation yields, a response is valid JSON: never NaN or Infinity."""
    written = app.json.dumps({"cv": math.nan, "se": [math.inf, -math.inf, 1.5]})
    assert json.loads(written) == {"cv": None, "se": [None, None, 1.5]}
