"""The targets register (docs/design.md §13): each target with its document, and a round's
default targets chosen from it by area and year."""

from __future__ import annotations

from catalogue.targets import default_target, register
from tests.support.factories import household_round


def test_every_target_names_its_document_date_clause_and_check():
    for target in register():
        assert target.source.document and target.source.date and target.clause
        assert target.checked in ("text", "quoted text", "contract") and target.evidence


def test_the_former_lao_cai_is_held_to_decision_1634_for_2025():
    target = default_target("epay_account", "vn-2025-03", ("10",), 2024)
    assert (target.value, target.year, target.source.document) == (
        0.40,
        2025,
        "Quyết định 1634/QĐ-UBND",
    )


def test_the_merged_province_has_no_provincial_target_so_the_national_one_applies():
    target = default_target("epay_account", "vn-2025-07", ("10", "15"), 2026)
    assert (target.value, target.source.document) == (0.80, "Quyết định 411/QĐ-TTg")


def test_after_the_last_target_year_the_latest_target_applies():
    assert default_target("fiber_available", "vn-2025-07", ("10", "15"), 2029).year == 2025


def test_an_indicator_without_a_mapped_national_target_has_none_on_the_new_map():
    assert default_target("mobile_4g_5g", "vn-2025-07", ("10", "15"), 2026) is None


def test_the_api_lists_the_register_filtered_by_indicator_and_area(client, as_planner):
    response = client.get(
        "/api/v1/targets?indicator=fiber_available&area=national", headers=as_planner
    )
    assert response.status_code == 200
    [target] = response.json["items"]
    assert target["applies_to"] == "national"
    assert target["source"]["short_vi"] == "QĐ 411/QĐ-TTg"


def test_an_unknown_indicator_is_refused(client, as_planner):
    response = client.get("/api/v1/targets?indicator=nope", headers=as_planner)
    assert response.status_code == 422


def test_a_new_round_takes_its_default_targets_from_the_register(client, as_admin, make_round):
    body = household_round("targets-2026") | {
        "period": {"start": "2026-03-01", "end": "2026-05-31"},
        "geography": "vn-2025-07",
    }
    doc = make_round(body)
    assert doc["targets"] == {"fiber_available": 0.80, "epay_account": 0.80}


def test_each_estimate_names_the_source_of_its_target(client, as_analyst, make_round):
    make_round(
        household_round("targets-2024", geography="vn-2025-03", coverage=["10"])
        | {"period": {"start": "2024-03-01", "end": "2024-05-31"}}
    )
    response = client.get(
        "/api/v1/rounds/targets-2024/estimates?indicator=epay_account", headers=as_analyst
    )
    source = response.json["estimates"][0]["results"][0]["target"]["source"]
    assert (source["target_id"], source["short_vi"]) == (
        "laocai-1634-2025-epay_account",
        "QĐ 1634/QĐ-UBND",
    )
