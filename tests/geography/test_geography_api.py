"""Geography over the API on the demo rounds (docs/design.md §13): versions, units, the
crosswalk, groupings, rounds' geography and coverage, codes checked by version, domains
re-expressed through the crosswalk, and change across versions and coverage."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook

from catalogue.geography import crosswalk, load_version
from service import create_app
from service.demo import (
    HOUSEHOLD_ROUND,
    HOUSEHOLD_ROUND_2024,
    HOUSEHOLD_ROUND_2026,
    HOUSEHOLD_SERIES,
)
from service.loading import load_demo
from tests.support.apps import bearer
from tests.support.factories import household

OLD, NEW = "vn-2025-03", "vn-2025-07"


@pytest.fixture(scope="module")
def demo(store_server) -> Iterator[tuple[Any, dict[str, dict[str, str]], Any]]:
    """The demo loaded into a database of its own: (client, headers by role, store)."""
    app = create_app({"MONGODB_URI": store_server.uri, "SURVEY_DB": f"geo_{uuid.uuid4().hex[:8]}"})
    store = app.extensions["store"]
    load_demo(store)
    headers = {
        role: bearer(store.tokens.create(role, f"{role}-geo")[1])
        for role in ("admin", "planner", "enumerator", "supervisor")
    }
    yield app.test_client(), headers, store
    store.close()


def get(client, headers, url: str, **query: Any) -> Any:
    response = client.get(url, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def estimates(client, headers, round_id: str, **query: Any) -> list[dict[str, Any]]:
    query.setdefault("indicator", "fiber_available")
    answer = get(client, headers, f"/api/v1/rounds/{round_id}/estimates", **query).json
    return answer["estimates"][0]["results"]


def test_versions_are_listed_with_counts_and_sources(demo):
    client, headers, _ = demo
    items = get(client, headers["enumerator"], "/api/v1/geography").json["items"]
    assert [(v["id"], v["provinces"], v["districts"], v["communes"]) for v in items] == [
        (OLD, 2, 18, 319),
        (NEW, 1, 0, 99),
    ]
    assert items[1]["valid_from"] == "2025-07-01" and items[1]["valid_to"] is None
    assert all(v["sources"] and v["sources"][0]["licence"] for v in items)


def test_units_by_level_and_parent_in_json_and_csv(demo):
    client, headers, _ = demo
    units = get(client, headers["planner"], f"/api/v1/geography/{NEW}/units", level="commune")
    items = units.json["items"]
    assert len(items) == 99
    cam_duong = next(u for u in items if u["code"] == "02671")
    assert cam_duong["name_vi"] == "Phường Cam Đường"
    assert cam_duong["former_province"] == "10"
    old = get(client, headers["planner"], f"/api/v1/geography/{OLD}/units", parent="080")
    assert {u["name_vi"] for u in old.json["items"]} >= {"Phường Nam Cường", "Phường Lào Cai"}
    text = get(
        client, headers["planner"], f"/api/v1/geography/{NEW}/units", level="commune", format="csv"
    ).get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(text)))) == 99


def test_crosswalk_endpoint_has_the_319_official_rows(demo):
    client, headers, _ = demo
    url = "/api/v1/geography/crosswalk"
    answer = get(client, headers["planner"], url, **{"from": OLD, "to": NEW}).json
    rows = {row["from_code"]: row for row in answer["items"]}
    assert len(rows) == 319
    assert {code: row["to_code"] for code, row in rows.items()} == dict(crosswalk(OLD, NEW).mapping)
    assert rows["02641"] == {
        "from_code": "02641",
        "from_name": "Phường Lào Cai",
        "from_district": "080",
        "from_province": "10",
        "to_code": "02647",
        "to_name": "Phường Lào Cai",
        "relation": "whole",
    }
    text = get(client, headers["planner"], url, format="csv", **{"from": OLD, "to": NEW})
    assert len(text.get_data(as_text=True).strip().splitlines()) == 320
    missing = client.get(url, query_string={"from": NEW, "to": OLD}, headers=headers["planner"])
    assert missing.status_code == 404


def test_rounds_carry_geography_and_coverage(demo):
    client, headers, store = demo
    rounds = {r["id"]: r for r in get(client, headers["planner"], "/api/v1/rounds").json["items"]}
    assert (
        rounds[HOUSEHOLD_ROUND_2024]["geography"],
        rounds[HOUSEHOLD_ROUND_2024]["coverage"],
    ) == (
        OLD,
        ["10"],
    )
    assert (
        rounds[HOUSEHOLD_ROUND_2026]["geography"],
        rounds[HOUSEHOLD_ROUND_2026]["coverage"],
    ) == (
        NEW,
        ["10", "15"],
    )
    store.rounds.collection.insert_one(
        {"_id": "legacy-round", "instrument": "household", "title": "before §13"}
    )
    legacy = get(client, headers["planner"], "/api/v1/rounds/legacy-round").json
    assert (legacy["geography"], legacy["coverage"]) == (OLD, ["10"])


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"geography": "vn-1999-01"}, "geography"),
        ({"geography": NEW, "coverage": ["11"]}, "coverage"),
        ({"geography": None, "coverage": ["10"]}, "coverage"),
    ],
)
def test_round_geography_is_checked(demo, changes, path):
    client, headers, _ = demo
    body = {
        "id": f"r-{uuid.uuid4().hex[:6]}",
        "instrument": "household",
        "title": "t",
        "period": {"start": "2026-01-01", "end": "2026-02-01"},
        **changes,
    }
    response = client.post("/api/v1/rounds", json=body, headers=headers["admin"])
    assert response.status_code == 422
    assert path in response.json["errors"]


def test_a_new_round_defaults_to_the_version_in_force_and_its_whole_area(demo):
    client, headers, _ = demo
    body = {
        "id": f"r-{uuid.uuid4().hex[:6]}",
        "instrument": "household",
        "title": "t",
        "period": {"start": "2026-01-01", "end": "2026-02-01"},
    }
    created = client.post("/api/v1/rounds", json=body, headers=headers["admin"]).json
    assert (created["geography"], created["coverage"]) == (NEW, ["10", "15"])


def test_a_former_commune_code_is_refused_saying_what_it_became(demo):
    client, headers, _ = demo
    payload = household(str(uuid.uuid4()))
    payload["location"] = {"commune": "02641", "area": "urban"}
    response = client.post(
        f"/api/v1/rounds/{HOUSEHOLD_ROUND_2026}/submissions",
        json=payload,
        headers=headers["enumerator"],
    )
    assert response.status_code == 422
    (message,) = response.json["errors"]["location.commune"]
    assert "vn-2025-07" in message
    assert "02641 is Phường Lào Cai of Thành phố Lào Cai before 1 July 2025" in message
    assert "part of 02647 Phường Lào Cai" in message
    payload["location"] = {"district": "080", "commune": "02647", "area": "urban"}
    response = client.post(
        f"/api/v1/rounds/{HOUSEHOLD_ROUND_2026}/submissions",
        json=payload,
        headers=headers["enumerator"],
    )
    assert response.status_code == 422
    assert "no districts" in response.json["errors"]["location.district"][0]


def test_the_2026_round_reads_by_commune_and_former_province(demo):
    client, headers, _ = demo
    planner = headers["planner"]
    provinces = estimates(client, planner, HOUSEHOLD_ROUND_2026, by="former_province")
    assert [r["domain"] for r in provinces] == [
        {"former_province": "10"},
        {"former_province": "15"},
    ]
    communes = estimates(client, planner, HOUSEHOLD_ROUND_2026, by="commune")
    codes = {r["domain"]["commune"] for r in communes}
    assert len(codes) == 60
    assert codes <= {u.code for u in load_version(NEW).communes}
    refused = client.get(
        f"/api/v1/rounds/{HOUSEHOLD_ROUND_2026}/estimates",
        query_string={"by": "district"},
        headers=planner,
    )
    assert refused.status_code == 422 and "no districts" in refused.json["errors"]["by"][0]


def test_an_older_round_reads_in_the_new_geography_through_the_crosswalk(demo):
    client, headers, _ = demo
    planner = headers["planner"]
    for round_id in (HOUSEHOLD_ROUND_2024, HOUSEHOLD_ROUND):
        plain = estimates(client, planner, round_id)
        through = estimates(client, planner, round_id, geography=NEW)
        assert through == plain  # the province estimate does not move
        # every commune's population, withheld ones included (§15 withholds them from planners)
        admin = headers["admin"]
        old = estimates(client, admin, round_id, by="commune", suppressed="show")
        new = estimates(client, admin, round_id, by="commune", geography=NEW, suppressed="show")
        mapped = {crosswalk(OLD, NEW).map(r["domain"]["commune"]) for r in old}
        assert {r["domain"]["commune"] for r in new} == mapped
        assert sum(r["population"] for r in new) == pytest.approx(sum(r["population"] for r in old))
        provinces = estimates(client, planner, round_id, by="former_province")
        assert [r["domain"] for r in provinces] == [{"former_province": "10"}]


def test_groupings_are_checked_and_give_domains_in_either_version(demo):
    client, headers, _ = demo
    url = f"/api/v1/geography/{NEW}/groupings/lowland"
    communes = [u for u in load_version(NEW).communes]
    short = "commune,group\n" + "".join(f"{u.code},x\n" for u in communes[:-1]) + "99999,x\n"
    refused = client.put(url, data=short, content_type="text/csv", headers=headers["admin"])
    assert refused.status_code == 422
    assert communes[-1].code in refused.json["errors"]["missing"][0]
    assert "99999" in refused.json["errors"]["unknown"][0]
    body = "commune,group\n" + "".join(
        f"{u.code},{'phường' if u.kind == 'phường' else 'xã'}\n" for u in communes
    )
    stored = client.put(
        url,
        data=body,
        content_type="text/csv",
        headers=headers["admin"],
        query_string={"source": "test"},
    )
    assert stored.status_code == 200, stored.json
    assert get(client, headers["planner"], url).json["source"] == "test"
    planner = headers["planner"]
    groups = estimates(client, planner, HOUSEHOLD_ROUND_2026, by="grouping:lowland")
    assert {r["domain"]["grouping:lowland"] for r in groups} == {"phường", "xã"}
    older = estimates(client, planner, HOUSEHOLD_ROUND_2024, by="grouping:lowland", geography=NEW)
    assert {r["domain"]["grouping:lowland"] for r in older} == {"phường", "xã"}
    missing = client.get(
        f"/api/v1/rounds/{HOUSEHOLD_ROUND_2026}/estimates",
        query_string={"by": "grouping:nothing"},
        headers=planner,
    )
    assert missing.status_code == 422


def test_the_household_series_holds_2024_2025_and_2026_in_period_order(demo):
    client, headers, _ = demo
    series = get(client, headers["planner"], f"/api/v1/series/{HOUSEHOLD_SERIES}").json
    assert [r["id"] for r in series["rounds"]] == [
        HOUSEHOLD_ROUND_2024,
        HOUSEHOLD_ROUND,
        HOUSEHOLD_ROUND_2026,
    ]


def test_change_across_coverage_is_area_by_area(demo):
    client, headers, _ = demo
    url = f"/api/v1/series/{HOUSEHOLD_SERIES}/change"
    query = {
        "from": HOUSEHOLD_ROUND_2024,
        "to": HOUSEHOLD_ROUND_2026,
        "indicator": "fiber_available",
    }
    refused = client.get(url, query_string=query, headers=headers["planner"])
    assert refused.status_code == 422
    assert "coverage" in refused.json["errors"]
    assert refused.json["comparable_by"] == "former_province"
    assert refused.json["common_coverage"] == ["10"]
    answer = get(client, headers["planner"], url, by="former_province", **query).json
    results = {r["domain"]["former_province"]: r for r in answer["changes"][0]["results"]}
    assert results["10"]["difference"] is not None
    assert results["15"]["difference"] is None
    assert results["15"]["reason"] == "missing_in_round"
    by_commune = get(client, headers["planner"], url, by="commune", **query).json
    codes = {r["domain"]["commune"] for r in by_commune["changes"][0]["results"]}
    assert codes <= {u.code for u in load_version(NEW).communes}


def test_change_between_rounds_of_one_coverage_stays_province_wide(demo):
    client, headers, _ = demo
    query = {"from": HOUSEHOLD_ROUND_2024, "to": HOUSEHOLD_ROUND, "indicator": "fiber_available"}
    url = f"/api/v1/series/{HOUSEHOLD_SERIES}/change"
    answer = get(client, headers["planner"], url, **query).json
    assert answer["changes"][0]["results"][0]["domain"] is None


def test_every_breakdown_of_every_demo_round_downloads_as_a_report_naming_its_areas(demo):
    client, headers, _ = demo
    planner = headers["planner"]
    for round_doc in client.get("/api/v1/rounds", headers=planner).json["items"]:
        for by in round_doc["domains"]:
            query = {"by": by, "format": "xlsx", "lang": "vi", "overall": "true"}
            response = client.get(
                f"/api/v1/rounds/{round_doc['id']}/estimates", query_string=query, headers=planner
            )
            assert response.status_code == 200, (round_doc["id"], by)
            assert load_workbook(io.BytesIO(response.data), read_only=True).worksheets
