"""Change between two rounds of a series through the API equals R (docs/design.md §10)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook

from service import create_app
from tests.estimates.test_estimates_api import close, submit_all
from tests.support.apps import bearer
from tests.support.change_data import INDICATOR_OF, api_cases, change_payloads
from tests.support.factories import household, household_round

CHANGE_FIELDS = ("from_estimate", "to_estimate", "difference", "se", "ci_low", "ci_high")
LONELY_POLICIES = ("remove", "average", "certainty", "fail")
ROUNDS = {  # round id → (series, golden data, period start, lonely-PSU policy)
    "full-2023": ("full", "round_2023.csv", "2023-05-01", "adjust"),
    "full-2025": ("full", "round_2025_full.csv", "2025-05-01", "adjust"),
    "partial-2023": ("partial", "round_2023.csv", "2023-05-01", "adjust"),
    "partial-2025": ("partial", "round_2025_partial.csv", "2025-05-01", "adjust"),
    **{
        f"{policy}-{year}": (policy, data, f"{year}-05-01", policy)
        for policy in LONELY_POLICIES
        for year, data in ((2023, "round_2023.csv"), (2025, "round_2025_full.csv"))
    },
}


@pytest.fixture(scope="module")
def shared(store_server) -> Iterator[tuple[Any, dict[str, dict[str, str]]]]:
    """The goldens' rounds loaded through the API into two series: (client, headers by role)."""
    app = create_app(
        {"MONGODB_URI": store_server.uri, "SURVEY_DB": f"series_{uuid.uuid4().hex[:8]}"}
    )
    store = app.extensions["store"]
    headers = {
        role: bearer(store.tokens.create(role, role)[1])
        for role in ("admin", "planner", "analyst", "enumerator", "supervisor")
    }
    client = app.test_client()
    for round_id, (series, data, start, policy) in ROUNDS.items():
        period = {"start": start, "end": start}
        design = {"lonely_psu": policy}
        body = household_round(round_id, series=series, period=period, design=design)
        assert client.post("/api/v1/rounds", json=body, headers=headers["admin"]).status_code == 201
        submit_all(client, headers["enumerator"], round_id, change_payloads(data, round_id))
    yield client, headers
    store.close()


def change(client, headers, series: str, **query: Any) -> dict[str, Any]:
    query.setdefault("suppressed", "show")  # statisticians' numbers (docs/design.md §15)
    response = client.get(f"/api/v1/series/{series}/change", query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def problem(client, headers, series: str, **query: Any):
    query.setdefault("suppressed", "show")  # statisticians' numbers (docs/design.md §15)
    response = client.get(f"/api/v1/series/{series}/change", query_string=query, headers=headers)
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return response


@pytest.mark.parametrize("case", api_cases(), ids=lambda case: case["name"])
def test_change_equals_r_stacked_svycontrast(shared, case):
    client, headers = shared
    policy = case["design"]["lonely_psu"]
    series = policy if policy != "adjust" else case["name"].split()[0]
    variable = case["estimand"].get("var") or case["estimand"]["count"]
    query = {
        "pairing": case["pairing"],
        "indicator": INDICATOR_OF[variable],
        "level": case["level"],
    }
    if case["by"]:
        query["by"] = case["by"]
    if "error" in case["expected"]:  # R refuses a lonely PSU under `fail`
        response = problem(client, headers["analyst"], series, **query)
        assert response.status_code == 422 and list(response.json["errors"]) == ["lonely_psu"]
        return
    body = change(client, headers["analyst"], series, **query)
    results = body["changes"][0]["results"]
    expected = case["expected"]
    assert len(results) == len(expected)
    for result, want in zip(results, expected, strict=True):
        assert result["domain"] == (
            None if want["domain"] is None else {case["by"]: want["domain"]}
        )
        for name in CHANGE_FIELDS:
            assert close(result[name], want.get(name)), (name, result, want)
        assert result["df"] == want.get("df")
        assert close(result["p_value"], want.get("p_value"))
        assert result.get("reason") == want.get("reason")


def test_series_lists_its_rounds_in_period_order_with_data_versions(shared):
    client, headers = shared
    response = client.get("/api/v1/series/partial", headers=headers["analyst"])
    assert response.status_code == 200
    assert [r["id"] for r in response.json["rounds"]] == ["partial-2023", "partial-2025"]
    assert response.json["instrument"] == "household"
    assert all(r["data_version"] > 0 for r in response.json["rounds"])


def test_change_defaults_to_first_and_last_round_and_every_indicator(shared):
    client, headers = shared
    body = change(client, headers["analyst"], "full")
    assert body["from"]["round_id"] == "full-2023" and body["to"]["round_id"] == "full-2025"
    assert body["pairing"] == "independent"
    assert [block["indicator"] for block in body["changes"]] == [
        "fiber_available",
        "fiber_subscribed",
        "mobile_4g_5g",
        "smartphone_household",
        "epay_account",
        "egov_mobile",
    ]


def test_domain_in_one_round_only_has_a_reason_and_no_number(shared):
    client, headers = shared
    body = change(client, headers["analyst"], "partial", indicator="fiber_available", by="commune")
    missing = [r for r in body["changes"][0]["results"] if r.get("reason")]
    assert missing
    for result in missing:
        assert result["reason"] == "missing_in_round"
        assert result["difference"] is None and result["se"] is None
        assert (result["from_estimate"] is None) != (result["to_estimate"] is None)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"from": "full-2023", "to": "full-2023"}, "to"),
        ({"from": "partial-2023", "to": "full-2025"}, "from"),
        ({"indicator": "it_use"}, "indicator"),
        ({"indicator": "nope"}, "indicator"),
        ({"by": "sector"}, "by"),
        ({"pairing": "paired"}, "pairing"),
        ({"level": "2"}, "level"),
    ],
)
def test_bad_change_query_is_4xx_naming_the_parameter(shared, query, parameter):
    client, headers = shared
    response = problem(client, headers["analyst"], "full", **query)
    assert response.status_code in (400, 422)
    assert any(path.split(".")[0] == parameter for path in response.json["errors"]), response.json


def test_unknown_query_parameter_is_refused(shared):
    client, headers = shared
    response = problem(client, headers["analyst"], "full", frm="full-2023")
    assert response.status_code == 400


def test_unknown_series_is_404(shared):
    client, headers = shared
    assert problem(client, headers["analyst"], "no-such-series").status_code == 404
    response = client.get("/api/v1/series/no-such-series", headers=headers["analyst"])
    assert response.status_code == 404


def test_change_as_csv_and_xlsx_has_one_row_per_domain(shared):
    client, headers = shared
    query = {"indicator": "fiber_available", "by": "district"}
    body = change(client, headers["analyst"], "full", **query)
    n = len(body["changes"][0]["results"])
    response = client.get(
        "/api/v1/series/full/change",
        query_string={**query, "format": "csv"},
        headers=headers["analyst"],
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == n and rows[0]["from_round"] == "full-2023"
    assert float(rows[0]["difference"]) == pytest.approx(
        body["changes"][0]["results"][0]["difference"]
    )
    response = client.get(
        "/api/v1/series/full/change",
        query_string={**query, "format": "xlsx"},
        headers=headers["analyst"],
    )
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row == n + 1


def test_supervisors_and_enumerators_cannot_read_a_series(shared):
    client, headers = shared
    for role in ("supervisor", "enumerator"):
        for path in ("/api/v1/series/full", "/api/v1/series/full/change"):
            assert client.get(path, headers=headers[role]).status_code == 403


def with_psu(payload: dict[str, Any], stratum: str, psu: str) -> dict[str, Any]:
    return {**payload, "sampling": {**payload["sampling"], "stratum": stratum, "psu": psu}}


def two_round_series(client, as_admin, as_enumerator, design=None, to_strata=("A", "B")):
    """Series `hh-series` of rounds r1 and r2, PSUs p1–p4 in strata A, B (r2: `to_strata`)."""
    for round_id, strata in (("r1", ("A", "B")), ("r2", to_strata)):
        body = household_round(
            round_id, series="hh-series", **({"design": design} if design else {})
        )
        assert client.post("/api/v1/rounds", json=body, headers=as_admin).status_code == 201
        payloads = [
            with_psu(household(), strata[k // 2], f"p{k}") for k in range(4) for _ in range(2)
        ]
        submit_all(client, as_enumerator, round_id, payloads)


def test_overlapping_with_a_psu_in_two_strata_is_422_naming_pairing(
    client, as_admin, as_enumerator, as_analyst
):
    two_round_series(client, as_admin, as_enumerator, to_strata=("B", "A"))
    assert change(client, as_analyst, "hh-series", indicator="fiber_available")["changes"][0][
        "results"
    ]
    response = problem(client, as_analyst, "hh-series", pairing="overlapping")
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["pairing"]


def test_overlapping_with_fpc_is_422_naming_pairing(client, as_admin, as_enumerator, as_analyst):
    two_round_series(client, as_admin, as_enumerator, design={"fpc": {"A": 10, "B": 10}})
    response = problem(client, as_analyst, "hh-series", pairing="overlapping")
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["pairing"]


def test_a_series_holds_rounds_of_one_instrument(client, as_admin):
    body = household_round("hh", series="hh-series")
    assert client.post("/api/v1/rounds", json=body, headers=as_admin).status_code == 201
    business = {**body, "id": "biz", "instrument": "business"}
    response = client.post("/api/v1/rounds", json=business, headers=as_admin)
    assert response.status_code == 422 and list(response.json["errors"]) == ["series"]
    business.pop("series")
    assert client.post("/api/v1/rounds", json=business, headers=as_admin).status_code == 201
    response = client.patch("/api/v1/rounds/biz", json={"series": "hh-series"}, headers=as_admin)
    assert response.status_code == 422 and list(response.json["errors"]) == ["series"]


def test_patching_series_moves_a_round_and_bumps_its_data_version(client, as_admin, as_analyst):
    for round_id in ("a", "b"):
        body = household_round(f"round-{round_id}")
        assert client.post("/api/v1/rounds", json=body, headers=as_admin).status_code == 201
    response = client.patch(
        "/api/v1/rounds/round-b", json={"series": "hh-series"}, headers=as_admin
    )
    assert response.status_code == 200 and response.json["series"] == "hh-series"
    assert response.json["data_version"] == 1
    body = client.get("/api/v1/series/hh-series", headers=as_analyst).json
    assert [r["id"] for r in body["rounds"]] == ["round-b"]
    client.patch("/api/v1/rounds/round-b", json={"series": None}, headers=as_admin)
    assert client.get("/api/v1/series/hh-series", headers=as_analyst).status_code == 404
