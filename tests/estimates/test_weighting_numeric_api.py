"""Calibration to a numeric total in a round's weighting (issue 26): a margin
`{"variables": ["members"], "total": T}` beside categorical ones, as R `calibrate(~district +
members, population = c(N, …, T))`. The estimates equal R's goldens
(`test_weighting_api.test_calibrated_estimates_equal_r_survey`, the "with a members total"
cases); here the weights, the unchanged uncalibrated answers and the refusals."""

from __future__ import annotations

import csv
import json
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.estimates.test_analysis_package import api_estimates, rscript, unzipped
from tests.estimates.test_estimates_api import submit_all
from tests.estimates.test_weighting_api import GOLDENS, patch_weighting, round_body
from tests.support.apps import module_app
from tests.support.reference_data import household_payload

ROUND = "weighting-members"
CASES = {
    case["name"]: case for case in json.loads((GOLDENS / "expected.json").read_text())["cases"]
}
MEMBERS = CASES["rake with a members total fiber by district logit"]["weighting"]


@pytest.fixture(scope="module")
def shared(store_server) -> Iterator[tuple[Any, dict[str, dict[str, str]]]]:
    """The goldens' households in one round: (client, headers by role)."""
    with module_app(store_server.uri, "weighting_members") as (client, headers):
        body = round_body(ROUND)
        assert client.post("/api/v1/rounds", json=body, headers=headers["admin"]).status_code == 201
        with (GOLDENS / "households.csv").open(encoding="utf-8") as handle:
            payloads = [household_payload(row) for row in csv.DictReader(handle)]
        submit_all(client, headers["enumerator"], ROUND, payloads)
        yield client, headers


def estimates(client, headers, **query: Any) -> list[dict[str, Any]]:
    query.setdefault("suppressed", "show")
    url = f"/api/v1/rounds/{ROUND}/estimates"
    response = client.get(url, query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    results: list[dict[str, Any]] = response.json["estimates"][0]["results"]
    return results


def test_the_weights_meet_the_members_total_and_the_districts(shared):
    client, headers = shared
    assert patch_weighting(client, headers["admin"], MEMBERS, ROUND).status_code == 200
    summary = client.get(f"/api/v1/rounds/{ROUND}/weights", headers=headers["admin"]).json
    members = [m for m in summary["margins"] if m["variables"] == ["members"]]
    assert members == [
        {
            "variables": ["members"],
            "key": "total",
            "total": 600000.0,
            "achieved": members[0]["achieved"],
        }
    ]
    assert members[0]["achieved"] == pytest.approx(600000.0, rel=1e-8)
    for margin in summary["margins"]:
        assert margin["achieved"] == pytest.approx(margin["total"], rel=1e-8)


def test_input_weighted_estimates_are_the_cells_answer(shared):
    """The round reads its units (g depends on each household's members): the uncalibrated
    answer is the same as from its cells."""
    client, headers = shared
    query = {"indicator": "fiber_available", "by": "district"}
    assert (
        patch_weighting(client, headers["admin"], {"calibration": None}, ROUND).status_code == 200
    )
    from_cells = estimates(client, headers["admin"], **query)
    assert patch_weighting(client, headers["admin"], MEMBERS, ROUND).status_code == 200
    from_units = estimates(client, headers["admin"], weighting="input", **query)
    assert len(from_units) == len(from_cells)
    for unit, cell in zip(from_units, from_cells, strict=True):
        for field in ("estimate", "se", "df", "n", "population"):
            assert unit[field] == pytest.approx(cell[field], rel=1e-12), field


DISTRICT = MEMBERS["calibration"]["margins"][0]


@pytest.mark.parametrize(
    ("margin", "message"),
    [
        pytest.param(
            {"variables": ["area"], "total": 9.0},
            "calibration.margins[1].variables names 'area', not a numeric variable",
            id="a total for a categorical variable",
        ),
        pytest.param(
            {"variables": ["members"], "totals": {"4": 134061.0}},
            "calibration.margins[1].variables names 'members', "
            "a numeric variable: give it a total, not categories",
            id="categories for a numeric variable",
        ),
        pytest.param(
            {"variables": ["income"], "total": 9.0},
            "calibration.margins[1].variables names 'income', a variable the data do not have",
            id="a variable the instrument lacks",
        ),
    ],
)
def test_a_numeric_margin_names_a_count_of_the_instrument(shared, margin, message):
    client, headers = shared
    weighting = {"calibration": {"method": "rake", "margins": [DISTRICT, margin]}}
    response = patch_weighting(client, headers["admin"], weighting, ROUND)
    assert response.status_code == 422, response.json
    assert response.json["errors"] == {"weighting.calibration.margins.1.variables": [message]}


def test_the_analysis_package_reproduces_the_members_calibration_in_r(shared, tmp_path):
    """design.R calibrates to the members total as the service does (R `calibrate`)."""
    client, headers = shared
    assert patch_weighting(client, headers["admin"], MEMBERS, ROUND).status_code == 200
    folder = unzipped(client, headers["analyst"], ROUND, tmp_path)
    done = subprocess.run(
        [rscript(), "design.R", "r.csv"], cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    api = api_estimates(client, headers["analyst"], ROUND, "district")
    compared = 0
    for row in csv.DictReader((folder / "r.csv").open(encoding="utf-8")):
        if row["by"] != "district" or api[(row["indicator"], row["domain"])]["se"] is None:
            continue
        result = api[(row["indicator"], row["domain"])]
        assert float(row["estimate"]) == pytest.approx(result["estimate"], rel=1e-9), row
        assert float(row["se"]) == pytest.approx(result["se"], rel=1e-6), row
        compared += 1
    assert compared > 20


def test_a_new_household_is_in_the_next_answer(shared):
    """The units read for a numeric margin are kept per data version: a submission moves it."""
    client, headers = shared
    assert patch_weighting(client, headers["admin"], MEMBERS, ROUND).status_code == 200
    query = {"indicator": "fiber_available"}
    before = estimates(client, headers["admin"], **query)[0]
    assert estimates(client, headers["admin"], **query)[0] == before  # kept
    with (GOLDENS / "households.csv").open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    payload = household_payload(row | {"submission_id": str(uuid.uuid4())})
    submit_all(client, headers["enumerator"], ROUND, [payload])
    after = estimates(client, headers["admin"], **query)[0]
    assert after["n"] == before["n"] + 1
