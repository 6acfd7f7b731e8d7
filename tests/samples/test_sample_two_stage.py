"""A sample round with `design.stages = 2` is estimated as R's two-stage design
`svydesign(ids = ~psu + unit, strata = ~stratum, fpc = ~psu_prob + unit_prob, nest = TRUE)`
from its cells (tests/fixtures/two_stage_round/golden.R); rounds without it keep the ultimate
clusters."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.domain.errors import Invalid
from service.domain.round import Round
from service.series.change import change_round
from service.weighting.applied import WeightedCells
from tests.support.cells_recount import assert_cells_equal_a_recount
from tests.support.factories import household_round
from tests.support.sample_fixture import assert_equal_to_r, estimates_of
from tests.support.two_stage_round import FIXTURE, ROUND, SAMPLE, load_sample

GOLDEN = json.loads((FIXTURE / "golden.json").read_text())


@pytest.fixture
def two_stage_round(client: FlaskClient, as_admin, as_supervisor) -> str:
    return load_sample(client, as_admin, as_supervisor, stages=2)


def estimates(client: FlaskClient, headers: dict[str, str], query: str) -> dict[str, Any]:
    return estimates_of(client, ROUND, headers, query)


@pytest.mark.parametrize("indicator", ["fiber_available", "mobile_4g_5g", "epay_account"])
def test_the_province_equals_r(client, as_analyst, two_stage_round, indicator: str) -> None:
    block = estimates(client, as_analyst, f"indicator={indicator}&weighting=input")[indicator]
    [result] = block["results"]
    assert_equal_to_r(result, GOLDEN["adjust"][indicator]["district"][0])


@pytest.mark.parametrize("indicator", ["fiber_available", "epay_account"])
@pytest.mark.parametrize("by", ["district", "area"])
def test_domains_equal_r(client, as_analyst, two_stage_round, indicator: str, by: str) -> None:
    block = estimates(client, as_analyst, f"indicator={indicator}&by={by}&weighting=input")
    results = {r["domain"][by]: r for r in block[indicator]["results"]}
    expected = {row["domain"]: row for row in GOLDEN["adjust"][indicator][by][1:]}
    assert set(results) == set(expected)
    for code, row in expected.items():
        assert_equal_to_r(results[code], row)


def test_a_lonely_ssu_under_remove_equals_r(client, as_admin, as_analyst) -> None:
    load_sample(client, as_admin, as_admin, stages=2, lonely_psu="remove")
    block = estimates(client, as_analyst, "indicator=fiber_available&weighting=input")
    [result] = block["fiber_available"]["results"]
    assert_equal_to_r(result, GOLDEN["remove"]["fiber_available"]["district"][0])


def test_a_lonely_ssu_under_fail_is_suppressed_naming_its_stratum(
    client, as_admin, as_analyst
) -> None:
    load_sample(client, as_admin, as_admin, stages=2, lonely_psu="fail")
    block = estimates(client, as_analyst, "indicator=fiber_available&weighting=input")
    [result] = block["fiber_available"]["results"]
    assert result["reliability_reasons"] == ["lonely_psu"]
    assert result["detail"] == "a PSU of stratum 080-U has only one SSU at stage 2"


def test_a_round_without_stages_keeps_the_ultimate_clusters(
    client, as_admin, as_supervisor, as_analyst
) -> None:
    load_sample(client, as_admin, as_supervisor)
    block = estimates(client, as_analyst, "indicator=fiber_available&weighting=input")
    [result] = block["fiber_available"]["results"]
    two_stage = GOLDEN["adjust"]["fiber_available"]["district"][0]
    assert result["estimate"] == pytest.approx(two_stage["estimate"], rel=1e-6)
    assert result["se"] != pytest.approx(two_stage["se"], rel=1e-3)


@pytest.mark.parametrize("indicator", ["fiber_available", "epay_account"])
def test_the_nonresponse_step_with_two_stages_equals_r(
    client, as_analyst, two_stage_round, indicator: str
) -> None:
    block = estimates(client, as_analyst, f"indicator={indicator}&by=district")[indicator]
    results = {r["domain"]["district"]: r for r in block["results"]}
    expected = {row["domain"]: row for row in GOLDEN["nonresponse"][indicator]["district"][1:]}
    assert set(results) == set(expected)
    for code, row in expected.items():
        assert_equal_to_r(results[code], row)


def test_calibration_is_refused_naming_the_design_member(client, as_admin, two_stage_round) -> None:
    totals = {"080": 900.0, "082": 700.0, "083": 600.0, "086": 20.0}
    calibration = {
        "method": "poststratify",
        "margins": [{"variables": ["district"], "totals": totals}],
    }
    response = client.patch(
        f"/api/v1/rounds/{ROUND}",
        json={"weighting": {"calibration": calibration}},
        headers=as_admin,
    )
    assert response.status_code == 422, response.json
    assert list(response.json["errors"]) == ["design.stages"]


def test_calibrated_estimates_are_refused_naming_the_design_member(
    client, as_analyst, two_stage_round
) -> None:
    url = f"/api/v1/rounds/{ROUND}/estimates?indicator=fiber_available&weighting=calibrated"
    response = client.get(url, headers=as_analyst)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["design.stages"]


def test_stages_with_an_fpc_are_refused(client, as_admin) -> None:
    design = {"stages": 2, "fpc": {"080-U": 8}}
    response = client.post(
        "/api/v1/rounds", json=household_round(ROUND, design=design), headers=as_admin
    )
    assert response.status_code == 422
    assert "design.stages" in response.json["errors"]


def test_a_round_set_to_two_stages_after_its_data_equals_r(
    client, as_admin, as_supervisor, as_analyst
) -> None:
    load_sample(client, as_admin, as_supervisor)
    set_two_stages(client, as_admin)
    block = estimates(client, as_analyst, "indicator=epay_account&weighting=input")
    [result] = block["epay_account"]["results"]
    assert_equal_to_r(result, GOLDEN["adjust"]["epay_account"]["district"][0])


def test_contributions_stored_before_the_squares_are_recounted_when_the_round_becomes_two_stage(
    client, as_admin, as_supervisor, as_analyst, store
) -> None:
    load_sample(client, as_admin, as_supervisor)
    store.submissions.collection.update_many({"round_id": ROUND}, {"$unset": {"agg.ww": ""}})
    store.cells.collection.update_many({"round_id": ROUND}, {"$unset": {"ww": ""}})
    set_two_stages(client, as_admin)
    block = estimates(client, as_analyst, "indicator=fiber_available&weighting=input")
    [result] = block["fiber_available"]["results"]
    assert_equal_to_r(result, GOLDEN["adjust"]["fiber_available"]["district"][0])
    assert_cells_equal_a_recount(store, ROUND)


def test_the_change_between_rounds_of_a_two_stage_round_is_refused_naming_the_design_member(
    client, as_admin, as_supervisor, store
) -> None:
    load_sample(client, as_admin, as_supervisor, stages=2)
    survey_round = Round.from_doc(store.rounds.get(ROUND))
    with pytest.raises(Invalid) as refused:
        change_round(survey_round, WeightedCells([], {}, None), [], None)
    assert list(refused.value.errors) == ["design.stages"]


def refusal(client: FlaskClient, headers: dict[str, str]) -> list[str]:
    url = f"/api/v1/rounds/{ROUND}/estimates?indicator=fiber_available&weighting=input"
    response = client.get(url, headers=headers)
    assert response.status_code == 422, response.json
    assert list(response.json["errors"]) == ["design.stages"]
    return response.json["errors"]["design.stages"]


PPS = SAMPLE.replace("080002,080,C080002,urban,0.5,", "080002,080,C080002,urban,0.4,")
UNEVEN = SAMPLE.replace(
    "080001-01,080-U,080001,080,C080001,urban,0.5,0.5,",
    "080001-01,080-U,080001,080,C080001,urban,0.5,0.45,",
)


def set_two_stages(client: FlaskClient, as_admin) -> None:
    changed = client.patch(
        f"/api/v1/rounds/{ROUND}", json={"design": {"stages": 2}}, headers=as_admin
    )
    assert changed.status_code == 200, changed.json


def test_a_stratum_whose_psus_have_different_psu_prob_is_refused(
    client, as_admin, as_supervisor, as_analyst
) -> None:
    load_sample(client, as_admin, as_supervisor, PPS)
    set_two_stages(client, as_admin)
    [message] = refusal(client, as_analyst)
    assert message.startswith("The PSUs of stratum 080-U have different psu_prob (0.5, 0.4)")


def test_a_psu_whose_units_have_different_unit_prob_is_refused(
    client, as_admin, as_supervisor, as_analyst
) -> None:
    load_sample(client, as_admin, as_supervisor, UNEVEN)
    set_two_stages(client, as_admin)
    [message] = refusal(client, as_analyst)
    assert message.startswith("The units of PSU 080001 have different unit_prob (0.45, 0.5)")


def import_refusal(client: FlaskClient, as_admin, store, sample: str) -> dict[str, list[str]]:
    made = client.post(
        "/api/v1/rounds", json=household_round(ROUND, design={"stages": 2}), headers=as_admin
    )
    assert made.status_code == 201, made.json
    response = client.put(
        f"/api/v1/rounds/{ROUND}/sample",
        data=sample.encode(),
        headers={**as_admin, "Content-Type": "text/csv"},
    )
    assert response.status_code == 422, response.json
    assert store.assignments.of_round(ROUND) == []
    errors: dict[str, list[str]] = response.json["errors"]
    return errors


def test_a_two_stage_sample_whose_stratum_has_different_psu_prob_is_refused_at_import(
    client, as_admin, store
) -> None:
    errors = import_refusal(client, as_admin, store, PPS)
    psu_rows = [n for n, line in enumerate(PPS.splitlines(), start=1) if ",080002," in line]
    assert errors == {
        f"line.{n}.psu_prob": [
            "The PSUs of stratum 080-U have different psu_prob (0.5, 0.4): the first stage "
            "reads it as the stratum's sampling fraction n_h/N_h."
        ]
        for n in psu_rows
    }


def test_a_two_stage_sample_whose_psu_has_different_unit_prob_is_refused_at_import(
    client, as_admin, store
) -> None:
    errors = import_refusal(client, as_admin, store, UNEVEN)
    psu_rows = [n for n, line in enumerate(UNEVEN.splitlines(), start=1) if ",080001," in line]
    assert (
        errors
        == {  # the first unit, line 2, sets the PSU's fraction at 0.45
            f"line.{n}.unit_prob": [
                "The units of PSU 080001 have different unit_prob (0.45, 0.5): the second stage "
                "reads it as the PSU's sampling fraction m_j/M_j."
            ]
            for n in psu_rows[1:]
        }
    )


def test_a_two_stage_round_without_a_sample_is_refused(client, as_admin, as_analyst) -> None:
    design = {"stages": 2}
    made = client.post(
        "/api/v1/rounds", json=household_round(ROUND, design=design), headers=as_admin
    )
    assert made.status_code == 201, made.json
    [message] = refusal(client, as_analyst)
    assert message == "A two-stage design needs the round's sample (psu_prob, unit_prob)."


def test_a_reserve_psu_appended_with_another_psu_prob_is_refused(
    client, as_admin, as_supervisor, store
) -> None:
    load_sample(client, as_admin, as_supervisor, stages=2)
    before = len(store.assignments.of_round(ROUND))
    reserve = {
        "assignment_id": "080009-01",
        "stratum": "080-U",
        "psu": "080009",
        "district": "080",
        "commune": "C080001",
        "area": "urban",
        "psu_prob": 0.4,
        "unit_prob": 0.5,
    }
    response = client.post(
        f"/api/v1/rounds/{ROUND}/sample/rows", json={"assignments": [reserve]}, headers=as_admin
    )
    assert response.status_code == 422, response.json
    assert response.json["errors"] == {
        "assignments.0.psu_prob": [
            "The PSUs of stratum 080-U have different psu_prob (0.5, 0.4): the first stage "
            "reads it as the stratum's sampling fraction n_h/N_h."
        ]
    }
    assert len(store.assignments.of_round(ROUND)) == before
