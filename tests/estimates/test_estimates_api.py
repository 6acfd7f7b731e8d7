"""The estimates API on the public Lào Cai demo sample, loaded through the submissions API."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import monitoring

from service import create_app
from tests.support.apps import module_app
from tests.support.factories import household, household_round
from tests.support.reference_data import (
    LAOCAI_DEMO,
    business_payload,
    household_payload,
    read_rows,
    reference_case,
)

HOUSEHOLDS = "laocai-demo-household"
BUSINESSES = "laocai-demo-business"
FIELDS = ("estimate", "se", "ci_low", "ci_high", "df", "deff", "n", "population")


def close(actual: float | None, expected: float | None) -> bool:
    if expected is None or actual is None:
        return actual is expected
    return actual == pytest.approx(expected, rel=1e-6, abs=1e-9)


def submit_all(client, headers: dict[str, str], round_id: str, payloads: list[dict]) -> None:
    for start in range(0, len(payloads), 1000):
        response = client.post(
            f"/api/v1/rounds/{round_id}/submissions/batch",
            json={"submissions": payloads[start : start + 1000]},
            headers=headers,
        )
        assert response.status_code == 200
        assert response.json["summary"]["created"] == len(payloads[start : start + 1000]), (
            response.json
        )


def load_reference_rounds(client, admin: dict[str, str], enumerator: dict[str, str]) -> None:
    for body in (
        household_round(HOUSEHOLDS),
        {**household_round(BUSINESSES), "instrument": "business"},
    ):
        assert client.post("/api/v1/rounds", json=body, headers=admin).status_code == 201
    submit_all(
        client, enumerator, HOUSEHOLDS, [household_payload(r) for r in read_rows("households.csv")]
    )
    submit_all(
        client, enumerator, BUSINESSES, [business_payload(r) for r in read_rows("businesses.csv")]
    )


@pytest.fixture
def demo_rounds(client, as_admin, as_enumerator) -> None:
    """The reference rounds in this test's own database (for tests that change them)."""
    load_reference_rounds(client, as_admin, as_enumerator)


@pytest.fixture(scope="module")
def shared(store_server) -> Iterator[tuple[Any, dict[str, str]]]:
    """One loaded database for the read-only tests of this module: (client, analyst headers)."""
    with module_app(store_server.uri, "estimates") as (client, headers):
        load_reference_rounds(client, headers["admin"], headers["enumerator"])
        yield client, headers["analyst"]


def estimates(client, headers, round_id: str, **query: Any) -> dict[str, Any]:
    query.setdefault("suppressed", "show")  # statisticians' numbers (docs/design.md §15)
    response = client.get(
        f"/api/v1/rounds/{round_id}/estimates", query_string=query, headers=headers
    )
    assert response.status_code == 200, response.json
    return response.json


def scoring_cli(csv_name: str, *args: str) -> list[dict[str, Any]]:
    command = [
        sys.executable,
        "-m",
        "scoring",
        "estimate",
        str(LAOCAI_DEMO / csv_name),
        "--weight",
        "weight",
        "--strata",
        "stratum",
        "--psu",
        "psu",
        "--lonely-psu",
        "adjust",
        *args,
    ]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)[
        "results"
    ]


def test_fiber_by_district_equals_r_survey(shared):
    client, as_analyst = shared
    case = reference_case("laocai demo fiber_available by district logit")
    block = estimates(client, as_analyst, HOUSEHOLDS, indicator="fiber_available", by="district")
    results = block["estimates"][0]["results"]
    assert [r["domain"]["district"] for r in results] == [e["domain"] for e in case["expected"]]
    for result, expected in zip(results, case["expected"], strict=True):
        for field in FIELDS:
            assert close(result[field], expected[field]), (expected["domain"], field)


def test_epay_rate_equals_r_survey_ratio_of_adults(shared):
    client, as_analyst = shared
    expected = reference_case("laocai demo epay ratio")["expected"][0]
    result = estimates(client, as_analyst, HOUSEHOLDS, indicator="epay_account", ci="wald")
    result = result["estimates"][0]["results"][0]
    for field in ("estimate", "se", "ci_low", "ci_high", "df"):
        assert close(result[field], expected[field]), field


def test_person_level_rate_counts_adults_and_their_population(shared):
    client, as_analyst = shared
    rows = read_rows("households.csv")
    result = estimates(client, as_analyst, HOUSEHOLDS, indicator="egov_mobile")["estimates"][0]
    assert result["unit"] == "persons_15plus"
    only = result["results"][0]
    assert only["n"] == sum(int(r["members_15plus"]) for r in rows)
    expected_population = sum(float(r["weight"]) * int(r["members_15plus"]) for r in rows)
    assert only["population"] == pytest.approx(expected_population, rel=1e-9)


@pytest.mark.parametrize(
    ("round_id", "csv_name", "indicator", "cli_args"),
    [
        (HOUSEHOLDS, "households.csv", "mobile_4g_5g", ["--proportion", "mobile_4g_5g"]),
        (
            HOUSEHOLDS,
            "households.csv",
            "smartphone_household",
            ["--proportion", "smartphone_household"],
        ),
        (
            HOUSEHOLDS,
            "households.csv",
            "epay_account",
            ["--member-proportion", "members_15plus_with_epay/members_15plus"],
        ),
        (BUSINESSES, "businesses.csv", "it_use", ["--proportion", "uses_it"]),
        (BUSINESSES, "businesses.csv", "e_transactions", ["--proportion", "e_transactions"]),
        (BUSINESSES, "businesses.csv", "digital_maturity", ["--mean", "digital_maturity"]),
    ],
)
@pytest.mark.parametrize("ci", ["logit", "beta"])
def test_api_equals_scoring_cli_by_district(shared, round_id, csv_name, indicator, cli_args, ci):
    client, as_analyst = shared
    api = estimates(client, as_analyst, round_id, indicator=indicator, by="district", ci=ci)
    ci_option = ["--ci", ci] if cli_args[0] != "--mean" else []  # a mean has wald only
    cli = scoring_cli(csv_name, *cli_args, "--by", "district", *ci_option)
    api_results = api["estimates"][0]["results"]
    assert len(api_results) == len(cli)
    for ours, theirs in zip(api_results, cli, strict=True):
        assert ours["domain"] == theirs["domain"]
        for field in (*FIELDS, "n_eff", "cv", "reliability", "reliability_reasons"):
            if isinstance(theirs[field], float):
                assert close(ours[field], theirs[field]), (ours["domain"], field)
            else:
                assert ours[field] == theirs[field], (ours["domain"], field)


def test_every_indicator_of_the_instrument_by_default(shared):
    client, as_analyst = shared
    report = estimates(client, as_analyst, BUSINESSES)
    assert [b["indicator"] for b in report["estimates"]] == [
        "it_use",
        "e_transactions",
        "digital_maturity",
    ]
    assert report["n_submissions"] == len(read_rows("businesses.csv"))


def test_target_status_follows_the_confidence_interval(shared):
    client, as_analyst = shared
    for block in estimates(client, as_analyst, HOUSEHOLDS, by="district")["estimates"]:
        for result in block["results"]:
            target = result["target"]
            if target is None:
                continue
            if result["reliability"] == "suppress":
                assert target["status"] == "uncertain"
            elif result["ci_low"] >= target["value"]:
                assert target["status"] == "met"
            elif result["ci_high"] < target["value"]:
                assert target["status"] == "not_met"
            else:
                assert target["status"] == "uncertain"


def test_round_targets_override_the_defaults(client, as_admin, as_analyst, demo_rounds):
    client.patch(
        f"/api/v1/rounds/{HOUSEHOLDS}", json={"targets": {"fiber_available": 0.1}}, headers=as_admin
    )
    result = estimates(client, as_analyst, HOUSEHOLDS, indicator="fiber_available")
    target = result["estimates"][0]["results"][0]["target"]
    assert (target["value"], target["status"]) == (0.1, "met")
    assert target["source"] == {"target_id": None, "document": None, "set_for_round": True}


def test_round_without_submissions_gives_empty_results_not_an_error(client, make_round, as_analyst):
    make_round(household_round("empty-round"))
    report = estimates(client, as_analyst, "empty-round", indicator="fiber_available")
    assert report["n_submissions"] == 0
    only = report["estimates"][0]["results"][0]
    assert only["n"] == 0 and only["estimate"] is None and only["reliability"] == "suppress"


def test_lonely_psu_under_fail_policy_is_suppressed_not_a_crash(
    client, make_round, as_analyst, as_enumerator
):
    make_round(household_round("strict-round", design={"lonely_psu": "fail"}))
    for psu in ("p1", "p2"):
        payload = household()
        payload["sampling"] = {
            "stratum": "only-one-psu" if psu == "p1" else "two",
            "psu": psu,
            "weight": 10.0,
        }
        client.post("/api/v1/rounds/strict-round/submissions", json=payload, headers=as_enumerator)
    result = estimates(client, as_analyst, "strict-round", indicator="fiber_available")
    only = result["estimates"][0]["results"][0]
    assert only["reliability"] == "suppress" and "lonely_psu" in only["reliability_reasons"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"indicator": "no_such_indicator"}, "indicator"),
        ({"indicator": "it_use"}, "indicator"),
        ({"by": "sector"}, "by"),
        ({"by": "planet"}, "by"),
        ({"level": "0.2"}, "level"),
        ({"level": "1"}, "level"),
        ({"ci": "bootstrap"}, "ci"),
    ],
)
def test_bad_query_is_422_naming_the_parameter(shared, query, parameter):
    client, as_analyst = shared
    response = client.get(
        f"/api/v1/rounds/{HOUSEHOLDS}/estimates", query_string=query, headers=as_analyst
    )
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert parameter in response.json["errors"]


class CellReadCounter(monitoring.CommandListener):
    """Counts reads of every cell of a round (`find` on the cells by round) and `aggregate`s
    (a recount from the submissions)."""

    def __init__(self) -> None:
        self.cell_reads = 0
        self.aggregates = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = event.command
        self.cell_reads += command.get("find") == "cells" and "round_id" in command["filter"]
        self.aggregates += event.command_name == "aggregate"

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None: ...

    def failed(self, event: monitoring.CommandFailedEvent) -> None: ...


def test_cache_is_hit_until_a_new_submission_arrives_and_estimates_read_cells_only(
    store_server, database_name, demo_rounds, as_analyst, as_enumerator
):
    counter = CellReadCounter()
    app = create_app(
        {
            "MONGODB_URI": store_server.uri,
            "SURVEY_DB": database_name,
            "STORE_EVENT_LISTENERS": [counter],
        }
    )
    client = app.test_client()
    first = estimates(client, as_analyst, HOUSEHOLDS, indicator="fiber_available")
    assert counter.cell_reads == 1
    assert estimates(client, as_analyst, HOUSEHOLDS, indicator="fiber_available") == first
    assert counter.cell_reads == 1

    new = household(fiber_available=False, fiber_subscribed=False)
    response = client.post(
        f"/api/v1/rounds/{HOUSEHOLDS}/submissions", json=new, headers=as_enumerator
    )
    assert response.status_code == 201
    after = estimates(client, as_analyst, HOUSEHOLDS, indicator="fiber_available")
    assert counter.cell_reads == 2
    assert counter.aggregates == 0  # no pass over the submissions
    assert after["data_version"] > first["data_version"]
    assert after["n_submissions"] == first["n_submissions"] + 1
    assert (
        after["estimates"][0]["results"][0]["estimate"]
        < first["estimates"][0]["results"][0]["estimate"]
    )
