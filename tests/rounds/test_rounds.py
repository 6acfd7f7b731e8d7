"""Survey rounds: create, list, read with counts, close and reopen, edit targets."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from tests.support.factories import business_round, household, household_round

ROUNDS = "/api/v1/rounds"


def test_creating_a_round_fills_in_the_defaults(make_round: Callable[[dict], dict]) -> None:
    created = make_round(household_round())

    assert created["id"] == "hh-test"
    assert created["status"] == "open"
    assert created["design"]["lonely_psu"] == "adjust"
    assert created["n_submissions"] == 0
    assert created["data_version"] == 0
    assert created["period"] == {"start": "2025-01-01", "end": "2025-12-31"}


FORMER_LAO_CAI = {"geography": "vn-2025-03", "coverage": ["10"]}


def test_a_household_round_of_the_former_lao_cai_gets_decision_1634s_targets(
    make_round: Callable[[dict], dict],
) -> None:
    targets = make_round(household_round(**FORMER_LAO_CAI))["targets"]

    assert targets == {
        "fiber_available": 0.8,
        "mobile_4g_5g": 1.0,
        "smartphone_household": 1.0,
        "epay_account": 0.4,
        "egov_mobile": 0.5,
    }


def test_a_business_round_of_the_former_lao_cai_gets_decision_1634s_targets(
    make_round: Callable[[dict], dict],
) -> None:
    targets = make_round(business_round(**FORMER_LAO_CAI))["targets"]

    assert targets == {"it_use": 0.9, "e_transactions": 0.7}


def test_a_round_of_free_codes_gets_the_national_targets(
    make_round: Callable[[dict], dict],
) -> None:
    targets = make_round(household_round())["targets"]

    assert targets == {"fiber_available": 0.8, "epay_account": 0.8}


def test_given_targets_override_the_defaults(make_round: Callable[[dict], dict]) -> None:
    created = make_round(household_round(targets={"fiber_available": 0.9}, **FORMER_LAO_CAI))

    assert created["targets"]["fiber_available"] == 0.9
    assert created["targets"]["egov_mobile"] == 0.5


def test_a_design_with_policy_and_fpc_is_kept(make_round: Callable[[dict], dict]) -> None:
    design = {"lonely_psu": "certainty", "fpc": {"080-U": 12, "080-R": 40}}

    assert make_round(household_round(design=design))["design"] == design


def test_creating_an_existing_round_is_a_conflict(
    client: FlaskClient, as_admin: dict[str, str], make_round: Callable[[dict], dict]
) -> None:
    make_round(household_round())

    response = client.post(ROUNDS, json=household_round(), headers=as_admin)

    assert response.status_code == 409


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"id": "Not A Slug"}, "id"),
        ({"instrument": "farm"}, "instrument"),
        ({"title": ""}, "title"),
        ({"period": {"start": "2025-06-01", "end": "2025-01-01"}}, "period.end"),
        ({"period": {"start": "2025-06-01"}}, "period.end"),
        ({"status": "archived"}, "status"),
        ({"design": {"lonely_psu": "ignore"}}, "design.lonely_psu"),
        ({"design": {"fpc": {"080-U": 0}}}, "design.fpc"),
        ({"targets": {"it_use": 0.9}}, "targets.it_use"),
        ({"targets": {"no_such_indicator": 0.5}}, "targets.no_such_indicator"),
        ({"targets": {"fiber_available": 1.5}}, "targets.fiber_available"),
        ({"owner": "me"}, "owner"),
    ],
)
def test_an_invalid_round_is_422_with_the_field_path(
    client: FlaskClient, as_admin: dict[str, str], changes: dict, path: str
) -> None:
    response = client.post(ROUNDS, json=household_round(**changes), headers=as_admin)

    assert response.status_code == 422
    assert any(key.startswith(path) for key in response.json["errors"]), response.json


def test_listing_shows_every_round_in_id_order_with_counts(
    client: FlaskClient,
    as_planner: dict[str, str],
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
) -> None:
    make_round(household_round("b-round"))
    make_round(household_round("a-round"))
    client.post("/api/v1/rounds/b-round/submissions", json=household(), headers=as_enumerator)

    listing = client.get(ROUNDS, headers=as_planner).json

    assert [(r["id"], r["n_submissions"]) for r in listing["items"]] == [
        ("a-round", 0),
        ("b-round", 1),
    ]
    assert listing["next"] is None


def test_reading_a_round_counts_its_submissions(
    client: FlaskClient, as_enumerator: dict[str, str], make_round: Callable[[dict], dict]
) -> None:
    make_round(household_round())
    for _ in range(3):
        client.post("/api/v1/rounds/hh-test/submissions", json=household(), headers=as_enumerator)

    got = client.get("/api/v1/rounds/hh-test", headers=as_enumerator).json

    assert got["n_submissions"] == 3
    assert got["data_version"] == 3


def test_reading_an_unknown_round_is_404(client: FlaskClient, as_planner: dict[str, str]) -> None:
    assert client.get("/api/v1/rounds/nope", headers=as_planner).status_code == 404


def test_closing_a_round_refuses_new_submissions_with_409_or_per_item_in_a_batch(
    client: FlaskClient,
    as_admin: dict[str, str],
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
) -> None:
    make_round(household_round())

    closed = client.patch("/api/v1/rounds/hh-test", json={"status": "closed"}, headers=as_admin)
    single = client.post(
        "/api/v1/rounds/hh-test/submissions", json=household(), headers=as_enumerator
    )
    batch = client.post(
        "/api/v1/rounds/hh-test/submissions/batch",
        json={"submissions": [household()]},
        headers=as_enumerator,
    )

    assert closed.json["status"] == "closed"
    assert (single.status_code, batch.status_code) == (409, 200)
    assert batch.json["results"][0]["status"] == "conflict"
    assert "closed" in batch.json["results"][0]["errors"]["round"][0]


def test_reopening_a_round_accepts_submissions_again(
    client: FlaskClient,
    as_admin: dict[str, str],
    as_enumerator: dict[str, str],
    make_round: Callable[[dict], dict],
) -> None:
    make_round(household_round(status="closed"))

    client.patch("/api/v1/rounds/hh-test", json={"status": "open"}, headers=as_admin)
    response = client.post(
        "/api/v1/rounds/hh-test/submissions", json=household(), headers=as_enumerator
    )

    assert response.status_code == 201


def test_patching_targets_merges_them_and_bumps_the_data_version(
    client: FlaskClient, as_admin: dict[str, str], make_round: Callable[[dict], dict]
) -> None:
    make_round(household_round())

    patched = client.patch(
        "/api/v1/rounds/hh-test", json={"targets": {"egov_mobile": 0.6}}, headers=as_admin
    ).json

    assert patched["targets"]["egov_mobile"] == 0.6
    assert patched["targets"]["fiber_available"] == 0.8
    assert patched["data_version"] == 1


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"targets": {"it_use": 0.5}}, "targets.it_use"),
        ({"targets": {"made_up": 0.5}}, "targets.made_up"),
        ({"targets": {"egov_mobile": 2}}, "targets.egov_mobile"),
        ({"status": "paused"}, "status"),
        ({"instrument": "business"}, "instrument"),
    ],
)
def test_an_invalid_patch_is_422_with_the_field_path(
    client: FlaskClient,
    as_admin: dict[str, str],
    make_round: Callable[[dict], dict],
    body: dict,
    path: str,
) -> None:
    make_round(household_round())

    response = client.patch("/api/v1/rounds/hh-test", json=body, headers=as_admin)

    assert response.status_code == 422
    assert path in response.json["errors"], response.json


def test_patching_an_unknown_round_is_404(client: FlaskClient, as_admin: dict[str, str]) -> None:
    response = client.patch("/api/v1/rounds/nope", json={"title": "x"}, headers=as_admin)

    assert response.status_code == 404


def test_the_round_list_shows_frame_districts_and_one_round_its_communes(
    client: FlaskClient, make_round: Callable[[dict], dict], as_planner: dict[str, str]
) -> None:
    frame = {
        "districts": {"080": "Thành phố Lào Cai"},
        "communes": {"08001": {"district": "080", "name": "Phường Lào Cai 01"}},
    }
    make_round(household_round("framed", frame=frame))

    listed = client.get("/api/v1/rounds", headers=as_planner).json["items"][0]
    one = client.get("/api/v1/rounds/framed", headers=as_planner).json

    assert listed["frame"] == {"districts": frame["districts"]}
    assert one["frame"] == frame


def test_a_round_keeps_its_vietnamese_title_and_a_patch_changes_it(
    client: FlaskClient, as_admin: dict[str, str], make_round: Callable[[dict], dict]
) -> None:
    created = make_round(household_round(title_vi="Khảo sát hộ gia đình"))

    patched = client.patch(
        "/api/v1/rounds/hh-test", json={"title_vi": "Khảo sát hộ 2025"}, headers=as_admin
    ).json

    assert created["title_vi"] == "Khảo sát hộ gia đình"
    assert patched["title_vi"] == "Khảo sát hộ 2025"
    assert patched["title"] == created["title"]


def test_a_round_is_for_production_unless_it_says_pilot_or_test(
    client: FlaskClient, make_round: Callable[[dict], dict], as_admin, as_planner, as_analyst
) -> None:
    make_round(household_round("hh-real"))
    make_round(household_round("hh-pilot", purpose="pilot"))
    make_round(household_round("hh-training", purpose="test"))

    def listed(headers: dict[str, str]) -> dict[str, str]:
        items = client.get("/api/v1/rounds", headers=headers).json["items"]
        return {item["id"]: item["purpose"] for item in items}

    assert listed(as_admin) == {"hh-real": "production", "hh-pilot": "pilot", "hh-training": "test"}
    assert listed(as_analyst) == listed(as_admin)
    assert listed(as_planner) == {"hh-real": "production"}  # pilots and tests are not theirs
    refused = client.post(
        "/api/v1/rounds", json=household_round("hh-x", purpose="trial"), headers=as_admin
    )
    assert refused.status_code == 422 and "purpose" in refused.json["errors"]
    patched = client.patch(
        "/api/v1/rounds/hh-pilot", json={"purpose": "production"}, headers=as_admin
    )
    assert patched.status_code == 200 and patched.json["purpose"] == "production"
