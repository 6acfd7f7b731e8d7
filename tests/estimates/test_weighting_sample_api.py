"""The non-response step of a sample round through the API (docs/design.md §9, §9b): the
sample is loaded with `PUT …/sample`, every unit's visit is posted, and the estimates under the
round's weighting equal R `survey` on the weighting goldens (tests/fixtures/reference_weighting:
`psu` classes with both collapse rules, `stratum` and `none` classes, `not_found` units,
certainty PSUs, a stratum without a completed unit, calibration after non-response)."""

from __future__ import annotations

import csv
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from service.loading import load_fieldwork_demo
from service.samples.demo import FIELDWORK_ROUND
from service.store import Store
from tests.estimates.test_estimates_api import submit_all
from tests.estimates.test_weighting_api import (
    GOLDENS,
    INDICATOR_OF_VARIABLE,
    assert_equals_r,
    query_of,
)
from tests.support.apps import module_app
from tests.support.factories import household_round, small_sample, visit
from tests.support.reference_data import household_payload, read_rows
from tests.support.servers import GunicornServer

ROUND = "nr-goldens"
SAMPLE_FIELDS = ("assignment_id", "stratum", "psu", "district", "commune", "area")
CASES = json.loads((GOLDENS / "expected.json").read_text())["cases"]


def sample_units() -> list[dict[str, str]]:
    with (GOLDENS / "sample.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def golden_cases() -> list[dict[str, Any]]:
    """The sample.csv cases R could compute, of indicators the household instrument has."""
    return [
        case
        for case in CASES
        if case["data"] == "sample.csv"
        and isinstance(case["expected"], list)
        and (case["estimand"].get("var") or case["estimand"].get("count")) in INDICATOR_OF_VARIABLE
    ]


def golden(name: str) -> dict[str, Any]:
    return next(case for case in CASES if case["name"] == name)


def answers_by_assignment() -> dict[str, dict[str, Any]]:
    """The demo households' full answers: unit `{psu}-{i:02d}` is the PSU's i-th household
    (tests/fixtures/reference_weighting/make_data.py)."""
    by_psu: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in read_rows("households.csv"):
        by_psu[row["psu"]].append(row)
    return {
        f"{psu}-{i:02d}": household_payload(row)["answers"]
        for psu, rows in by_psu.items()
        for i, row in enumerate(rows)
    }


def sample_body(units: list[dict[str, str]]) -> dict[str, Any]:
    rows = [
        {name: unit[name] for name in SAMPLE_FIELDS}
        | {"psu_prob": float(unit["psu_prob"]), "unit_prob": float(unit["unit_prob"])}
        for unit in units
    ]
    return {"assignments": rows}


def visits(units: list[dict[str, str]]) -> list[dict[str, Any]]:
    """One visit per unit with its golden outcome; a completed one with its answers."""
    answers = answers_by_assignment()
    sent = []
    for unit in units:
        payload = visit(unit["assignment_id"], unit["outcome"])
        if unit["outcome"] == "completed":
            payload["answers"] = answers[unit["assignment_id"]]
            assert payload["answers"]["fiber_available"] == (unit["fiber_available"] == "1")
        sent.append(payload)
    return sent


def base_weight(unit: dict[str, str]) -> float:
    return 1 / (float(unit["psu_prob"]) * float(unit["unit_prob"]))


@pytest.fixture(scope="module")
def shared(store_server) -> Iterator[tuple[FlaskClient, dict[str, dict[str, str]]]]:
    """The goldens' sample with every unit visited: (client, headers by role)."""
    with module_app(store_server.uri, "nrweighting") as (client, headers):
        created = client.post(
            "/api/v1/rounds", json=household_round(ROUND), headers=headers["admin"]
        )
        assert created.status_code == 201, created.json
        units = sample_units()
        loaded = client.put(
            f"/api/v1/rounds/{ROUND}/sample", json=sample_body(units), headers=headers["admin"]
        )
        assert loaded.status_code == 200, loaded.json
        submit_all(client, headers["supervisor"], ROUND, visits(units))
        yield client, headers


def patch_weighting(client: FlaskClient, headers, weighting: dict[str, Any], round_id=ROUND):
    response = client.patch(
        f"/api/v1/rounds/{round_id}", json={"weighting": weighting}, headers=headers["admin"]
    )
    assert response.status_code == 200, response.json


def get_estimates(client: FlaskClient, headers, round_id=ROUND, **query: Any):
    query.setdefault("suppressed", "show")  # statisticians' numbers (docs/design.md §15)
    return client.get(
        f"/api/v1/rounds/{round_id}/estimates", query_string=query, headers=headers["analyst"]
    )


@pytest.mark.parametrize("case", golden_cases(), ids=lambda case: case["name"])
def test_non_response_adjusted_estimates_equal_r_survey(shared, case):
    client, headers = shared
    patch_weighting(client, headers, case["weighting"])
    response = get_estimates(client, headers, **query_of(case))
    assert response.status_code == 200, response.json
    assert_equals_r(response.json, case)
    calibration = case["weighting"]["calibration"]
    assert response.json["weighting"] == {
        "input": "sample",
        "nonresponse": case["weighting"]["nonresponse"]["classes"],
        "calibration": calibration["method"] if calibration else None,
        "provisional": False,
    }


def test_weighting_nonresponse_of_a_calibrated_round_stops_before_calibration(shared):
    client, headers = shared
    raked = golden("nonresponse psu then rake fiber by district logit")
    patch_weighting(client, headers, raked["weighting"])
    alone = golden("nonresponse psu fiber by district logit")
    response = get_estimates(client, headers, weighting="nonresponse", **query_of(alone))
    assert_equals_r(response.json, alone)
    assert response.json["weighting"]["calibration"] is None


def test_weighting_input_is_the_base_weights_of_the_completed_units(shared):
    client, headers = shared
    case = golden("nonresponse psu smartphones whole")  # its population: Σ w_nr, whole round
    patch_weighting(client, headers, case["weighting"])
    adjusted = get_estimates(client, headers, indicator="fiber_available").json
    raw = get_estimates(client, headers, indicator="fiber_available", weighting="input").json
    completed = [u for u in sample_units() if u["outcome"] == "completed"]
    [adjusted_result], [raw_result] = (r["estimates"][0]["results"] for r in (adjusted, raw))
    assert adjusted_result["population"] == pytest.approx(case["expected"][0]["population"])
    assert raw_result["population"] == pytest.approx(sum(base_weight(u) for u in completed))
    assert adjusted_result["n"] == raw_result["n"] == len(completed)
    assert adjusted["weighting"]["nonresponse"] == "psu"
    assert raw["weighting"]["nonresponse"] is None


def test_a_calibration_the_adjusted_weights_cannot_meet_is_422_naming_the_margin(shared):
    client, headers = shared
    case = golden("nonresponse stratum then infeasible bounded linear")
    assert case["expected"] == {"error": "Calibration failed"}  # R refuses it too
    patch_weighting(client, headers, case["weighting"])
    for url in (f"/api/v1/rounds/{ROUND}/estimates", f"/api/v1/rounds/{ROUND}/weights"):
        response = client.get(url, headers=headers["admin"])
        assert response.status_code == 422, response.json
        assert any(k.startswith("weighting.calibration.margins") for k in response.json["errors"])


def weights(client: FlaskClient, headers, round_id=ROUND, **query: Any):
    response = client.get(
        f"/api/v1/rounds/{round_id}/weights", query_string=query, headers=headers["analyst"]
    )
    assert response.status_code == 200, response.json
    return response


def test_weights_summary_shows_the_classes_their_factors_and_the_collapses(shared):
    client, headers = shared
    case = golden("nonresponse psu smartphones whole")
    patch_weighting(client, headers, case["weighting"])
    summary = weights(client, headers).json
    units = sample_units()
    completed = [u for u in units if u["outcome"] == "completed"]
    assert summary["n_units"] == len(units)
    assert summary["n_respondents"] == len(completed)
    assert summary["sum_sample"] == pytest.approx(sum(base_weight(u) for u in units))
    assert summary["sum_input"] == pytest.approx(sum(base_weight(u) for u in completed))
    assert summary["sum_final"] == pytest.approx(case["expected"][0]["population"])
    labels = {item["class"] for item in summary["classes"]}
    assert {"stratum 082-R", "stratum 083-R", "PSU 080004 (stratum 080-U)"} <= labels
    for item in summary["classes"]:
        assert item["factor"] == pytest.approx(item["unknown_factor"] * item["response_factor"])
    warnings = " ".join(summary["warnings"])
    assert "stratum 082-U has no completed unit" in warnings
    assert "stratum 083-R: PSU classes collapsed" in warnings


def csv_rows(client: FlaskClient, headers) -> list[dict[str, str]]:
    text = weights(client, headers, format="csv").get_data(as_text=True)
    return list(csv.DictReader(text.splitlines()))


def test_weights_csv_final_weight_is_input_times_factor_times_g(shared):
    client, headers = shared
    case = golden("nonresponse psu then rake fiber by district logit")
    patch_weighting(client, headers, case["weighting"])
    rows = csv_rows(client, headers)
    population = sum(case["weighting"]["calibration"]["margins"][0]["totals"].values())
    assert sum(float(r["final_weight"]) for r in rows) == pytest.approx(population)
    for row in rows:
        product = float(row["input_weight"]) * float(row["nonresponse_factor"]) * float(row["g"])
        assert float(row["final_weight"]) == pytest.approx(product)


def test_a_certainty_psu_is_one_class_whose_units_are_variance_psus(shared):
    client, headers = shared
    patch_weighting(client, headers, golden("nonresponse psu smartphones whole")["weighting"])
    certain = [r for r in csv_rows(client, headers) if r["assignment_id"].startswith("080004-")]
    assert len(certain) > 2
    assert len({r["nonresponse_factor"] for r in certain}) == 1
    assert float(certain[0]["nonresponse_factor"]) > 1
    assert all(r["psu"] == r["assignment_id"] and r["stratum"] == "080004" for r in certain)


# A small sample (tests/factories.small_sample): PSU 080001 (d = 40 each) and
# PSU 080002 (d = 10) in stratum 080-U, certainty PSU 082001 (d = 20: B-001,
# B-002) in 082-R; Σd = 140.
SMALL = "nr-small"


@pytest.fixture
def small(client: FlaskClient, make_round, as_admin, as_supervisor, as_analyst):
    """The small sample with A-001, A-003 and B-001 completed and A-004 refused; A-002 and
    B-002 pending. Returns (client, headers by role)."""
    make_round(household_round(SMALL))
    loaded = client.put(
        f"/api/v1/rounds/{SMALL}/sample", json={"assignments": small_sample()}, headers=as_admin
    )
    assert loaded.status_code == 200, loaded.json
    sent = [visit("A-001"), visit("A-003"), visit("B-001"), visit("A-004", "refused")]
    submit_all(client, as_supervisor, SMALL, sent)
    return client, {"admin": as_admin, "supervisor": as_supervisor, "analyst": as_analyst}


def whole(client: FlaskClient, headers, **query: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the whole-round fiber result, the weighting block) of the small round."""
    response = get_estimates(client, headers, SMALL, indicator="fiber_available", **query)
    assert response.status_code == 200, response.json
    return response.json["estimates"][0]["results"][0], response.json["weighting"]


def test_an_open_round_with_pending_units_is_provisional_and_leaves_them_out(small):
    client, headers = small
    result, block = whole(client, headers)
    assert block["provisional"] is True
    assert result["population"] == pytest.approx(40 + 10 + 10 + 20)  # the visited units' Σd


def test_a_closed_round_is_final_and_its_pending_units_are_of_unknown_eligibility(small):
    client, headers = small
    closing = client.patch(
        f"/api/v1/rounds/{SMALL}", json={"status": "closed"}, headers=headers["admin"]
    )
    assert closing.status_code == 200, closing.json
    result, block = whole(client, headers)
    assert block["provisional"] is False
    assert result["population"] == pytest.approx(140)  # no ineligible unit: the sample's Σd


def test_input_weights_are_provisional_too_while_units_are_pending(small):
    client, headers = small
    result, block = whole(client, headers, weighting="input")
    assert block == {
        "input": "sample",
        "nonresponse": None,
        "calibration": None,
        "provisional": True,
    }
    assert result["population"] == pytest.approx(40 + 10 + 20)


def refuse_by_visit(client: FlaskClient, headers) -> None:
    submit_all(client, headers["supervisor"], SMALL, [visit("A-002", "refused")])


def refuse_by_closing(client: FlaskClient, headers) -> None:
    closing = client.patch(
        f"/api/v1/rounds/{SMALL}/assignments/A-002",
        json={"closed": {"outcome": "refused", "reason": "said no twice"}},
        headers=headers["admin"],
    )
    assert closing.status_code == 200, closing.json


@pytest.mark.parametrize("refuse", [refuse_by_visit, refuse_by_closing], ids=["visit", "closing"])
def test_a_new_refusal_changes_the_cached_estimates(small, refuse):
    client, headers = small
    before, _ = whole(client, headers)
    refuse(client, headers)
    after, _ = whole(client, headers)
    assert before["population"] == pytest.approx(80)
    # 080-U: eligible Σd 100 over completed Σd 50 → factor 2 (082-R unchanged: 20)
    assert after["population"] == pytest.approx(2 * 50 + 20)


def test_a_round_whose_units_are_all_pending_answers_without_weight(
    client, make_round, as_admin, as_analyst
):
    make_round(household_round(SMALL))
    client.put(
        f"/api/v1/rounds/{SMALL}/sample", json={"assignments": small_sample()}, headers=as_admin
    )
    headers = {"admin": as_admin, "analyst": as_analyst}
    response = get_estimates(client, headers, SMALL, indicator="fiber_available")
    assert response.status_code == 200, response.json
    assert response.json["weighting"]["provisional"] is True
    summary = weights(client, headers, SMALL).json
    assert summary["n_units"] == 6
    assert summary["n_respondents"] == 0
    assert summary["warnings"] == ["no sampled unit has an outcome yet"]


@pytest.fixture(scope="module")
def fieldwork_server(store_server) -> Iterator[dict[str, str]]:
    """gunicorn (gevent workers: estimates computed off the event loop) over the fieldwork
    demo round, which has every outcome and pending units; a planner token."""
    database = f"nrdemo_{uuid.uuid4().hex[:8]}"
    store = Store(store_server.uri, database)
    store.ensure_indexes()
    load_fieldwork_demo(store)
    token = store.tokens.create("planner", "nr-planner")[1]
    store.close()
    gunicorn = GunicornServer(store_server.uri, database).start()
    try:
        yield {"url": f"{gunicorn.url}/api/v1/rounds/{FIELDWORK_ROUND}", "token": token}
    finally:
        gunicorn.stop()


@pytest.mark.parametrize("weighting", [None, "input", "nonresponse"])
def test_the_fieldwork_demo_answers_provisional_estimates_under_gunicorn(
    fieldwork_server, weighting
):
    response = requests.get(
        f"{fieldwork_server['url']}/estimates",
        params={"by": "district"} | ({"weighting": weighting} if weighting else {}),
        headers={"Authorization": f"Bearer {fieldwork_server['token']}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["weighting"]["provisional"] is True
    assert response.json()["weighting"]["nonresponse"] == (None if weighting == "input" else "psu")


@pytest.mark.parametrize("answer", ["json", "csv"])
def test_the_fieldwork_demo_weights_answer_under_gunicorn(fieldwork_server, answer):
    response = requests.get(
        f"{fieldwork_server['url']}/weights",
        params={"format": answer},
        headers={"Authorization": f"Bearer {fieldwork_server['token']}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    if answer == "json":
        assert response.json()["classes"]
