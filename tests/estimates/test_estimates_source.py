"""Estimates need a store and the settings, not an app: the routes pass the app's store and
cache, and the command line's export (`python -m service export-estimates`) its own."""

from __future__ import annotations

from typing import Any

from flask import has_app_context

from schemas.estimates import EstimatesQuerySchema
from service.config import current_settings
from service.estimates.publication import requested_report
from service.estimates.service import EstimatesSource, sized_cache
from service.rounds.model import load_round
from service.store import Store
from tests.support.factories import household, household_round

ROUND = "source-round"


def numbers(report: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    return [
        (block["indicator"], result["domain"], result["estimate"])
        for block in report["estimates"]
        for result in block["results"]
    ]


def test_estimates_from_a_store_and_settings_outside_any_app_equal_the_apis(
    client, make_round, as_enumerator, as_analyst, store_server, database_name
):
    make_round(household_round(ROUND))
    payloads = []
    for index, district in enumerate(["080", "082"] * 6):
        payload = household(fiber_available=index % 3 != 0, fiber_subscribed=False)
        payload["sampling"] = {"stratum": f"s{index % 2}", "psu": f"p{index % 4}", "weight": 10.0}
        payload["location"]["district"] = district
        payloads.append(payload)
    client.post(
        f"/api/v1/rounds/{ROUND}/submissions/batch",
        json={"submissions": payloads},
        headers=as_enumerator,
    )
    api = client.get(
        f"/api/v1/rounds/{ROUND}/estimates?by=district&suppressed=show", headers=as_analyst
    ).json
    store = Store(store_server.uri, database_name)
    source = EstimatesSource(store, sized_cache(current_settings()))
    query = EstimatesQuerySchema().load({"by": "district", "suppressed": "show"})

    report = requested_report(load_round(ROUND, store), query, source)

    assert not has_app_context()
    assert numbers(report) == numbers(api)
    store.close()


def test_one_answer_reads_the_rounds_version_once_however_many_tables_it_computes(
    client, make_round, as_enumerator, store_server, database_name
):
    make_round(household_round(ROUND))
    client.post(
        f"/api/v1/rounds/{ROUND}/submissions/batch",
        json={"submissions": [household() for _ in range(6)]},
        headers=as_enumerator,
    )
    store = Store(store_server.uri, database_name)
    heads: list[str] = []
    read_head = store.cells.head
    store.cells.head = lambda round_id: heads.append(round_id) or read_head(round_id)  # type: ignore[method-assign]
    source = EstimatesSource(store, sized_cache(current_settings()))
    query = EstimatesQuerySchema().load({"by": "district"})

    requested_report(load_round(ROUND, store), query, source)  # the withholding audit: many tables

    assert heads == [ROUND]
    store.close()
