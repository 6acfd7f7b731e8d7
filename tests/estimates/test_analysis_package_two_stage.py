"""The analysis package of a two-stage sample round (`design.stages = 2`, docs/design.md §8,
§15): data.csv carries each unit's sampled PSU, `psu_prob` and `unit_prob`, and design.R,
run with R's survey package, builds R's two-stage design and reproduces the API's published
province and by-district estimates and se to 1e-9, with the non-response step applied."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.estimates.test_analysis_package import assert_design_r_reproduces_the_api, unzipped
from tests.support.two_stage_round import FIXTURE, ROUND, load_sample

SAMPLE_DRAW = ("sample_psu", "psu_prob", "unit_prob")


@pytest.fixture
def package(client: FlaskClient, as_admin, as_supervisor, as_analyst, tmp_path: Path) -> Path:
    load_sample(client, as_admin, as_supervisor, stages=2)
    return unzipped(client, as_analyst, ROUND, tmp_path)


def test_design_r_reproduces_the_published_two_stage_estimates_and_se(
    client, as_analyst, package: Path
) -> None:
    design_r = (package / "design.R").read_text(encoding="utf-8")
    assert (
        "svydesign(ids = ~sample_psu + assignment_id, strata = ~stratum, "
        "fpc = ~psu_prob + unit_prob, weights = ~w_design, data = d, nest = TRUE)"
    ) in design_r
    assert assert_design_r_reproduces_the_api(client, as_analyst, ROUND, package) > 20


def test_the_data_carry_each_units_draw_from_the_sample(package: Path) -> None:
    rows = list(csv.DictReader((package / "data.csv").open(encoding="utf-8")))
    with (FIXTURE / "units.csv").open(encoding="utf-8") as handle:
        completed = {row["assignment_id"]: row for row in csv.DictReader(handle)}
    assert {row["assignment_id"] for row in rows} == set(completed)
    for row in rows:
        unit = completed[row["assignment_id"]]
        assert row["sample_psu"] == unit["psu"]
        assert float(row["psu_prob"]) == float(unit["psu_prob"])
        assert float(row["unit_prob"]) == float(unit["unit_prob"])
        assert float(row["input_weight"]) == pytest.approx(
            1 / (float(unit["psu_prob"]) * float(unit["unit_prob"])), rel=1e-12
        )
    assert any(float(row["nonresponse_factor"]) > 1 for row in rows)


def test_the_codebook_names_and_labels_the_draw(package: Path) -> None:
    with (package / "codebook.csv").open(encoding="utf-8") as handle:
        codebook = {row["variable"]: row for row in csv.DictReader(handle)}
    assert [codebook[name]["kind"] for name in SAMPLE_DRAW] == ["text", "number", "number"]
    assert all(codebook[name]["label"] for name in SAMPLE_DRAW)


def test_design_do_sets_both_stages_with_their_fractions(package: Path) -> None:
    design_do = (package / "design.do").read_text(encoding="utf-8")
    assert (
        "svyset sample_psu [pweight = final_weight], strata(stratum) fpc(psu_prob)"
        " || assignment_id, fpc(unit_prob) singleunit(centered)"
    ) in design_do.splitlines()
