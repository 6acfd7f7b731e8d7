"""The change between rounds under each round's configured weighting (docs/design.md §9, §10):
rounds calibrated through the API give R's stacked, per-round calibrated `svycontrast`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from service.loading import load_fieldwork_demo
from service.samples.demo import FIELDWORK_ROUND
from tests.estimates.test_estimates_api import close, submit_all
from tests.estimates.test_series_change import CHANGE_FIELDS, change, problem
from tests.support.apps import module_app
from tests.support.change_data import (
    INDICATOR_OF,
    api_cases,
    calibrated_api_cases,
    change_payloads,
    golden_variable,
)
from tests.support.factories import household_round

ROUNDS = {  # round id → (series, golden data, period start)
    "full-2023": ("full", "round_2023.csv", "2023-05-01"),
    "full-2025": ("full", "round_2025_full.csv", "2025-05-01"),
    "partial-2023": ("partial", "round_2023.csv", "2023-05-01"),
    "partial-2025": ("partial", "round_2025_partial.csv", "2025-05-01"),
}
RAKE = next(c for c in calibrated_api_cases() if c["calibration"]["method"] == "rake")


@pytest.fixture(scope="module")
def shared(store_server) -> Iterator[tuple[Any, dict[str, dict[str, str]]]]:
    """The change goldens' rounds in series `full` and `partial`: (client, headers by role)."""
    with module_app(store_server.uri, "series_weighting") as (client, headers):
        for round_id, (series, data, start) in ROUNDS.items():
            period = {"start": start, "end": start}
            body = household_round(round_id, series=series, period=period)
            response = client.post("/api/v1/rounds", json=body, headers=headers["admin"])
            assert response.status_code == 201
            submit_all(client, headers["enumerator"], round_id, change_payloads(data, round_id))
        yield client, headers


def set_calibration(client, admin, round_id: str, calibration: dict[str, Any] | None) -> None:
    response = client.patch(
        f"/api/v1/rounds/{round_id}",
        json={"weighting": {"calibration": calibration}},
        headers=admin,
    )
    assert response.status_code == 200, response.json


def calibrate_series(client, admin, case: dict[str, Any]) -> str:
    """Each round of the case's series calibrated with its own margins; the series' name."""
    series = case["name"].split()[0]
    calibration = case["calibration"]
    for which, year in (("from", 2023), ("to", 2025)):
        margins = {"method": calibration["method"], "margins": calibration[which]}
        if calibration["bounds"] is not None:
            margins["bounds"] = calibration["bounds"]
        set_calibration(client, admin, f"{series}-{year}", margins)
    return series


def query_of(case: dict[str, Any], **extra: Any) -> dict[str, Any]:
    query = {
        "pairing": case["pairing"],
        "indicator": INDICATOR_OF[golden_variable(case)],
        "level": case["level"],
        **extra,
    }
    return query | ({"by": case["by"]} if case["by"] else {})


def assert_equals_golden(body: dict[str, Any], case: dict[str, Any]) -> None:
    results = body["changes"][0]["results"]
    expected = case["expected"]
    assert [r["domain"] for r in results] == [
        None if want["domain"] is None else {case["by"]: want["domain"]} for want in expected
    ]
    for result, want in zip(results, expected, strict=True):
        for name in (*CHANGE_FIELDS, "p_value"):
            assert close(result[name], want.get(name)), (name, result, want)
        assert result["df"] == want.get("df")
        assert result.get("reason") == want.get("reason")


@pytest.mark.parametrize("case", calibrated_api_cases(), ids=lambda case: case["name"])
def test_change_of_calibrated_rounds_equals_r(shared, case):
    client, headers = shared
    series = calibrate_series(client, headers["admin"], case)
    body = change(client, headers["analyst"], series, **query_of(case))
    assert_equals_golden(body, case)
    method = case["calibration"]["method"]
    assert body["from"]["weighting"]["calibration"] == method
    assert body["to"]["weighting"]["calibration"] == method


def test_each_round_says_which_weighting_it_entered_with(shared):
    client, headers = shared
    calibrate_series(client, headers["admin"], RAKE)
    set_calibration(client, headers["admin"], "full-2023", None)
    body = change(client, headers["analyst"], "full", indicator="fiber_available")
    assert body["from"]["weighting"] == {
        "input": "submitted",
        "nonresponse": None,
        "calibration": None,
        "provisional": False,
    }
    assert body["to"]["weighting"]["calibration"] == "rake"


def uncalibrated_twin(case: dict[str, Any]) -> dict[str, Any]:
    """The golden of the same change on the rounds' input weights."""
    same = ("pairing", "by", "level")
    variable = golden_variable(case)
    return next(
        c
        for c in api_cases()
        if c["name"].split()[0] == case["name"].split()[0]
        and all(c[k] == case[k] for k in same)
        and golden_variable(c) == variable
        and c["design"]["lonely_psu"] == "adjust"
    )


@pytest.mark.parametrize("pairing", ["independent", "overlapping"])
def test_weighting_input_gives_the_input_weights_change_of_calibrated_rounds(shared, pairing):
    client, headers = shared
    case = next(
        c
        for c in calibrated_api_cases()
        if c["calibration"]["method"] == "rake" and c["pairing"] == pairing and c["by"]
    )
    series = calibrate_series(client, headers["admin"], case)
    calibrated = change(client, headers["analyst"], series, **query_of(case))
    assert_equals_golden(calibrated, case)
    body = change(client, headers["analyst"], series, **query_of(case, weighting="input"))
    assert_equals_golden(body, uncalibrated_twin(case))
    assert body["from"]["weighting"]["calibration"] is None
    assert body["to"]["weighting"]["calibration"] is None


def test_weighting_calibrated_needs_a_calibration_in_both_rounds(shared):
    client, headers = shared
    calibrate_series(client, headers["admin"], RAKE)
    set_calibration(client, headers["admin"], "full-2025", None)
    response = problem(client, headers["analyst"], "full", weighting="calibrated")
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["weighting"]
    assert "full-2025" in response.json["errors"]["weighting"][0]


def test_unknown_weighting_mode_is_422_naming_weighting(shared):
    client, headers = shared
    response = problem(client, headers["analyst"], "full", weighting="trimmed")
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["weighting"]


def test_a_calibration_the_data_cannot_meet_is_422_naming_its_round_and_margin(shared):
    client, headers = shared
    calibrate_series(client, headers["admin"], RAKE)
    district, area = RAKE["calibration"]["to"]
    margins = [
        {"variables": ["district"], "totals": {**district["totals"], "081": 500.0}},
        {
            "variables": ["area"],
            "totals": {**area["totals"], "rural": area["totals"]["rural"] + 500.0},
        },
    ]
    set_calibration(client, headers["admin"], "full-2025", {"method": "rake", "margins": margins})
    response = problem(client, headers["analyst"], "full", indicator="fiber_available")
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["weighting.calibration.margins.0.totals.081"]
    assert response.json["round"] == "full-2025"


@pytest.fixture(scope="module")
def sample_series(store_server) -> Iterator[tuple[Any, dict[str, dict[str, str]]]]:
    """The fieldwork demo (a sample round, fieldwork open) after a 2024 round, series `fw`."""
    with module_app(store_server.uri, "series_sample") as (client, headers):
        load_fieldwork_demo(client.application.extensions["store"])
        period = {"start": "2024-03-01", "end": "2024-10-31"}
        body = household_round("fw-2024", series="fw", period=period)
        assert client.post("/api/v1/rounds", json=body, headers=headers["admin"]).status_code == 201
        payloads = change_payloads("round_2023.csv", "fw-2024")
        submit_all(client, headers["enumerator"], "fw-2024", payloads)
        response = client.patch(
            f"/api/v1/rounds/{FIELDWORK_ROUND}", json={"series": "fw"}, headers=headers["admin"]
        )
        assert response.status_code == 200
        yield client, headers


@pytest.mark.parametrize("weighting", [None, "input"])
def test_a_sample_round_enters_the_change_with_its_estimates_weighting(sample_series, weighting):
    client, headers = sample_series
    query = {"indicator": "fiber_available"} | ({"weighting": weighting} if weighting else {})
    body = change(client, headers["analyst"], "fw", **query)
    estimates = client.get(
        f"/api/v1/rounds/{FIELDWORK_ROUND}/estimates",
        query_string=query | {"suppressed": "show"},  # as the change's analyst sees it
        headers=headers["analyst"],
    ).json
    assert body["to"]["round_id"] == FIELDWORK_ROUND
    assert body["to"]["weighting"] == estimates["weighting"]
    assert body["to"]["weighting"]["provisional"] is True
    assert body["to"]["weighting"]["nonresponse"] == (None if weighting else "psu")
    province = body["changes"][0]["results"][0]
    assert close(province["to_estimate"], estimates["estimates"][0]["results"][0]["estimate"])
