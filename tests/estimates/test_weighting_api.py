"""A round's weighting through the API (docs/design.md §9): configured by PATCH, applied to
every estimate, compared with `?weighting=`, and equal to R `survey` on the weighting goldens."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from scoring import Design, Estimand
from scoring.weights import CalibrationSpec, estimate_calibrated_rows
from tests.estimates.test_estimates_api import FIELDS, close, submit_all
from tests.support import factories
from tests.support.apps import module_app
from tests.support.reference_data import FIXTURES, household_payload

GOLDENS = FIXTURES / "reference_weighting"
ROUND = "weighting-households"
INDICATOR_OF_VARIABLE = {
    "fiber_available": "fiber_available",
    "members_15plus_with_epay": "epay_account",
}


def golden_cases() -> list[dict[str, Any]]:
    """The households.csv cases of indicators the household instrument has."""
    cases = json.loads((GOLDENS / "expected.json").read_text())["cases"]
    return [
        case
        for case in cases
        if case["data"] == "households.csv"
        and (case["estimand"].get("var") or case["estimand"].get("count")) in INDICATOR_OF_VARIABLE
    ]


def round_body(round_id: str) -> dict[str, Any]:
    return {
        "id": round_id,
        "instrument": "household",
        "title": "Weighting goldens",
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
    }


RAKE = golden_cases()[3]["weighting"]  # "rake fiber by district logit": district and area


@pytest.fixture(scope="module")
def shared(store_server) -> Iterator[tuple[Any, dict[str, dict[str, str]]]]:
    """The goldens' households in one round: (client, headers by role)."""
    with module_app(store_server.uri, "weighting") as (client, headers):
        response = client.post("/api/v1/rounds", json=round_body(ROUND), headers=headers["admin"])
        assert response.status_code == 201
        with (GOLDENS / "households.csv").open(encoding="utf-8") as handle:
            payloads = [household_payload(row) for row in csv.DictReader(handle)]
        submit_all(client, headers["enumerator"], ROUND, payloads)
        yield client, headers


def patch_weighting(client, admin, weighting: dict[str, Any], round_id: str = ROUND):
    return client.patch(f"/api/v1/rounds/{round_id}", json={"weighting": weighting}, headers=admin)


def get_estimates(client, headers, **query: Any):
    query.setdefault("suppressed", "show")  # statisticians' numbers (docs/design.md §15)
    return client.get(f"/api/v1/rounds/{ROUND}/estimates", query_string=query, headers=headers)


def query_of(case: dict[str, Any]) -> dict[str, Any]:
    """The estimates query of a golden case: its indicator, CI method and domain."""
    variable = case["estimand"].get("var") or case["estimand"]["count"]
    query = {"indicator": INDICATOR_OF_VARIABLE[variable], "ci": case["ci"]}
    return query | ({"by": case["by"]} if case["by"] else {})


def assert_equals_r(answer: dict[str, Any], case: dict[str, Any]) -> None:
    """An estimates answer's results equal the golden case's, domain by domain (1e-6)."""
    results = answer["estimates"][0]["results"]
    assert len(results) == len(case["expected"])
    for got, expected in zip(results, case["expected"], strict=True):
        if case["by"]:
            assert got["domain"] == {case["by"]: expected["domain"]}
        for field in FIELDS:
            if field == "deff" and expected[field] is None:  # R svyratio reports none
                continue
            assert close(got[field], expected[field]), (expected["domain"], field)


@pytest.mark.parametrize("case", golden_cases(), ids=lambda case: case["name"])
def test_calibrated_estimates_equal_r_survey(shared, case):
    client, headers = shared
    calibration = case["weighting"]["calibration"]
    assert (
        patch_weighting(client, headers["admin"], {"calibration": calibration}).status_code == 200
    )
    response = get_estimates(client, headers["analyst"], **query_of(case))
    assert response.status_code == 200, response.json
    assert_equals_r(response.json, case)


def test_the_weighting_block_says_which_steps_were_applied(shared):
    client, headers = shared
    assert patch_weighting(client, headers["admin"], RAKE).status_code == 200
    calibrated = get_estimates(client, headers["analyst"], indicator="fiber_available")
    assert calibrated.json["weighting"] == {
        "input": "submitted",
        "nonresponse": None,
        "calibration": "rake",
        "provisional": False,
    }
    raw = get_estimates(client, headers["analyst"], indicator="fiber_available", weighting="input")
    assert raw.json["weighting"]["calibration"] is None
    population = {r.json["estimates"][0]["results"][0]["population"] for r in (calibrated, raw)}
    assert len(population) == 2  # the input weights do not sum to the margins' population


def test_calibrated_population_is_the_margins_population(shared):
    client, headers = shared
    assert patch_weighting(client, headers["admin"], RAKE).status_code == 200
    result = get_estimates(client, headers["analyst"], indicator="fiber_available").json
    margin_total = sum(RAKE["calibration"]["margins"][0]["totals"].values())
    assert result["estimates"][0]["results"][0]["population"] == pytest.approx(margin_total)


def test_a_weighting_change_changes_the_data_version(shared):
    client, headers = shared
    before = client.get(f"/api/v1/rounds/{ROUND}", headers=headers["admin"]).json["data_version"]
    after = patch_weighting(client, headers["admin"], {"calibration": None}).json["data_version"]
    assert after > before


def test_calibrated_asked_of_a_round_without_calibration_is_422(shared):
    client, headers = shared
    assert patch_weighting(client, headers["admin"], {"calibration": None}).status_code == 200
    response = get_estimates(client, headers["analyst"], weighting="calibrated")
    assert response.status_code == 422
    assert "weighting" in response.json["errors"]


def margins_of(*margins: tuple[list[str], dict[str, float]]) -> dict[str, Any]:
    return {
        "calibration": {
            "method": "rake",
            "margins": [{"variables": v, "totals": t} for v, t in margins],
        }
    }


AREA = (["area"], {"urban": 30000.0, "rural": 104061.0})
DISTRICTS = RAKE["calibration"]["margins"][0]


@pytest.mark.parametrize(
    ("weighting", "path"),
    [
        pytest.param(
            margins_of(AREA, (["district"], {"080": 1.0})),
            "weighting.calibration.margins.1.totals",
            id="margins whose sums differ",
        ),
        pytest.param(
            margins_of((["sector"], {"A": 134061.0})),
            "weighting.calibration.margins.0.variables",
            id="a variable the instrument lacks",
        ),
        pytest.param(
            margins_of((["area"], {"urban": 34061.0, "suburban": 100000.0})),
            "weighting.calibration.margins.0.totals.suburban",
            id="a code outside the round",
        ),
        pytest.param(
            margins_of((["district", "area"], {"080": 134061.0})),
            "weighting.calibration.margins.0.totals.080",
            id="a crossed key naming one variable",
        ),
        pytest.param(
            {"calibration": {"method": "poststratify", "margins": [DISTRICTS, DISTRICTS]}},
            "weighting.calibration.margins",
            id="poststratify with two margins",
        ),
        pytest.param(
            {"nonresponse": {"classes": "psu"}},
            "weighting.nonresponse.classes",
            id="non-response classes without a sample",
        ),
    ],
)
def test_a_weighting_that_cannot_fit_the_round_is_422_and_the_round_unchanged(
    shared, weighting, path
):
    client, headers = shared
    before = client.get(f"/api/v1/rounds/{ROUND}", headers=headers["admin"]).json
    response = patch_weighting(client, headers["admin"], weighting)
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert path in response.json["errors"], response.json["errors"]
    after = client.get(f"/api/v1/rounds/{ROUND}", headers=headers["admin"]).json
    assert after["weighting"] == before["weighting"]
    assert after["data_version"] == before["data_version"]


def district_totals(**changes: float) -> dict[str, float]:
    return {**DISTRICTS["totals"], **changes}


@pytest.mark.parametrize(
    ("calibration", "path"),
    [
        pytest.param(
            {
                "method": "rake",
                "margins": [
                    {
                        "variables": ["district"],
                        "totals": {k: v for k, v in DISTRICTS["totals"].items() if k != "089"}
                        | {"080": DISTRICTS["totals"]["080"] + DISTRICTS["totals"]["089"]},
                    },
                ],
            },
            "weighting.calibration.margins.0.totals.089",
            id="a sample category without a total",
        ),
        pytest.param(
            {
                "method": "poststratify",
                "margins": [
                    {
                        "variables": ["district", "area"],
                        "totals": {"080|urban": 100.0, "084|urban": 5.0},
                    }
                ],
            },
            "weighting.calibration.margins.0.totals",
            id="a total for a category with no responding unit",
        ),
        pytest.param(
            {"method": "linear", "bounds": [0.99, 1.01], "margins": [DISTRICTS]},
            "weighting.calibration.margins.0",
            id="infeasible bounds",
        ),
    ],
)
def test_a_calibration_the_data_cannot_meet_is_422_naming_the_margin(shared, calibration, path):
    client, headers = shared
    assert (
        patch_weighting(client, headers["admin"], {"calibration": calibration}).status_code == 200
    )
    for url in (f"/api/v1/rounds/{ROUND}/estimates", f"/api/v1/rounds/{ROUND}/weights"):
        response = client.get(url, headers=headers["admin"])
        assert response.status_code == 422, response.json
        assert response.mimetype == "application/problem+json"
        assert any(key.startswith(path) for key in response.json["errors"]), response.json


def test_weights_summary_meets_the_margins(shared):
    client, headers = shared
    assert patch_weighting(client, headers["admin"], RAKE).status_code == 200
    summary = client.get(f"/api/v1/rounds/{ROUND}/weights", headers=headers["analyst"]).json
    assert summary["n_units"] == summary["n_respondents"] == 661
    assert summary["sum_final"] == pytest.approx(sum(DISTRICTS["totals"].values()))
    assert summary["kish_deff"] == pytest.approx(1 + summary["cv"] ** 2)
    assert summary["g"]["min"] <= 1 <= summary["g"]["max"] or summary["g"]["min"] > 0
    for margin in summary["margins"]:
        assert margin["achieved"] == pytest.approx(margin["total"], rel=1e-8)


def test_weights_csv_has_one_row_per_unit_whose_final_weights_meet_the_population(shared):
    client, headers = shared
    assert patch_weighting(client, headers["admin"], RAKE).status_code == 200
    response = client.get(
        f"/api/v1/rounds/{ROUND}/weights", query_string={"format": "csv"}, headers=headers["admin"]
    )
    rows = list(csv.DictReader(response.get_data(as_text=True).splitlines()))
    assert len(rows) == 661
    assert sum(float(r["final_weight"]) for r in rows) == pytest.approx(
        sum(DISTRICTS["totals"].values())
    )
    for row in rows:
        assert float(row["final_weight"]) == pytest.approx(
            float(row["input_weight"]) * float(row["g"])
        )


def test_a_business_round_is_calibrated_on_business_type(client, make_round, as_admin, as_planner):
    make_round(factories.business_round("biz-weighting"))
    kinds = ["enterprise", "enterprise", "cooperative", "household_business"]
    payloads = [
        factories.business(type=kind)
        | {"sampling": {"stratum": "s", "psu": f"p{i}", "weight": 10.0}}
        for i, kind in enumerate(kinds)
    ]
    submit_all(client, as_admin, "biz-weighting", payloads)
    totals = {"enterprise": 500.0, "cooperative": 100.0, "household_business": 400.0}
    calibration = {"method": "poststratify", "margins": [{"variables": ["type"], "totals": totals}]}
    response = client.patch(
        "/api/v1/rounds/biz-weighting",
        json={"weighting": {"calibration": calibration}},
        headers=as_admin,
    )
    assert response.status_code == 200, response.json
    answer = client.get(
        "/api/v1/rounds/biz-weighting/estimates",
        query_string={"indicator": "it_use", "by": "type", "suppressed": "show"},
        headers=as_admin,  # every population, withheld ones included (§15)
    ).json
    populations = {r["domain"]["type"]: r["population"] for r in answer["estimates"][0]["results"]}
    assert populations == pytest.approx(totals)


def test_setting_a_weighting_recomputes_a_cached_estimate(shared):
    client, headers = shared
    assert patch_weighting(client, headers["admin"], {"calibration": None}).status_code == 200
    before = get_estimates(client, headers["analyst"], indicator="fiber_available").json
    assert patch_weighting(client, headers["admin"], RAKE).status_code == 200
    after = get_estimates(client, headers["analyst"], indicator="fiber_available").json
    assert after["data_version"] > before["data_version"]
    assert after["estimates"] != before["estimates"]


def test_a_calibrated_round_with_an_fpc_equals_the_engine_on_its_rows(shared):
    """fpc with calibration: the service's cells give what the rows give (equal to R in
    tests/scoring/test_scoring_differential.py)."""
    client, headers = shared
    assert patch_weighting(client, headers["admin"], RAKE).status_code == 200
    rows = list(csv.DictReader((GOLDENS / "households.csv").open()))
    psus: dict[str, set[str]] = {}
    for row in rows:
        psus.setdefault(row["stratum"], set()).add(row["psu"])
    fpc = {stratum: 2 * len(labels) for stratum, labels in psus.items()}
    response = client.patch(
        f"/api/v1/rounds/{ROUND}", json={"design": {"fpc": fpc}}, headers=headers["admin"]
    )
    assert response.status_code == 200, response.json
    query = {"indicator": "fiber_available", "by": "district", "ci": "logit"}
    results = get_estimates(client, headers["admin"], **query).json["estimates"][0]["results"]

    def column(name: str) -> np.ndarray:
        return np.array([row[name] for row in rows], dtype=object)

    spec = CalibrationSpec.from_json(RAKE["calibration"])
    design = Design(
        column("weight").astype(float),
        strata=column("stratum"),
        psu=column("psu"),
        fpc=[fpc[row["stratum"]] for row in rows],
    )
    expected = estimate_calibrated_rows(
        design,
        Estimand.proportion(column("fiber_available").astype(float)),
        spec,
        {v: column(v) for v in spec.variables},
        domain=column("district"),
        ci="logit",
    )
    assert [r["domain"]["district"] for r in results] == [e.domain for e in expected]
    for got, want in zip(results, expected, strict=True):
        for field in ("estimate", "se", "ci_low", "ci_high", "df", "deff", "population"):
            assert close(got[field], getattr(want, field)), (want.domain, field)
    without_fpc = {"design": {"fpc": None}}
    client.patch(f"/api/v1/rounds/{ROUND}", json=without_fpc, headers=headers["admin"])
