"""``--ssu``/``--ssu-fpc`` on the command line equal R on a two-stage design (issue 26)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from scoring import Design, Estimand, estimate
from scoring.cli import main
from scoring.errors import ScoringError

FOLDER = Path(__file__).parents[1] / "fixtures" / "reference_differential"
EXPECTED = {
    c["name"]: c["expected"] for c in json.loads((FOLDER / "expected.json").read_text())["cases"]
}


def test_two_stage_by_domain_equals_r(capsys, tmp_path: Path) -> None:
    case = next(
        c
        for c in json.loads((FOLDER / "cases.json").read_text())["cases"]
        if c["kind"] == "two_stage" and c["by"] == "dom" and c["estimand"]["type"] == "mean"
    )
    with open(FOLDER / "designs.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["design"] == case["design"]]
    path = tmp_path / "two_stage.csv"
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    first, second = case["fpc"]
    argv = ["estimate", str(path), "--weight", "w", "--strata", "stratum", "--psu", "psu"]
    argv += ["--fpc", first, "--ssu", "ssu", "--ssu-fpc", second, "--mean", "y", "--by", "dom"]
    argv += ["--lonely-psu", case["lonely_psu"]]
    assert main(argv) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    expected = EXPECTED[case["name"]]
    assert [r["domain"]["dom"] for r in results] == [e["domain"] for e in expected]
    for ours, r in zip(results, expected, strict=True):
        assert ours["estimate"] == pytest.approx(r["estimate"], rel=1e-9)
        assert ours["se"] == pytest.approx(r["se"], rel=1e-6)
        assert ours["df"] == r["df"]


def _small_two_stage(lonely_psu: str, first_fpc: bool = True) -> list:
    # PSU b1 has one SSU: a lonely PSU at stage 2
    psu = ["a1", "a1", "a2", "a2", "b1", "b1", "b2", "b2"]
    ssu = ["x", "y", "x", "y", "x", "x", "x", "y"]
    design = Design(
        [10.0, 12, 9, 11, 8, 10, 12, 9],
        strata=["A"] * 4 + ["B"] * 4,
        psu=psu,
        fpc=[4.0] * 8 if first_fpc else None,
        lonely_psu=lonely_psu,
    )
    y = Estimand.mean([1.0, 2, 3, 4, 5, 6, 7, 8])
    return estimate(design, y, ssu=ssu, ssu_fpc=[3.0] * 8)


def test_a_lonely_ssu_under_fail_is_refused_naming_its_stratum() -> None:
    with pytest.raises(ScoringError, match=r"^a PSU of stratum B has only one SSU at stage 2$"):
        _small_two_stage("fail")


def test_a_second_stage_needs_the_first_stage_fpc() -> None:
    with pytest.raises(ScoringError, match="needs the first stage's fpc"):
        _small_two_stage("adjust", first_fpc=False)


def test_a_lonely_ssu_adds_its_uncentred_square_under_adjust_and_nothing_under_remove() -> None:
    (adjust,) = _small_two_stage("adjust")
    (remove,) = _small_two_stage("remove")
    assert adjust.se > remove.se
    (average,) = _small_two_stage("average")
    assert average.se is None  # R: NA at stage 2 makes the variance NaN


def _two_stage_by_domain(y: list[float], domain: list[object]) -> dict:
    design = Design(
        [10.0, 12, 9, 11, 8, 10, 12, 9, 7, 6],
        strata=["A"] * 4 + ["B"] * 6,
        psu=["a1", "a1", "a2", "a2", "b1", "b1", "b2", "b2", "b2", "b1"],
        fpc=[4.0] * 10,
    )
    ssu = ["x", "y", "x", "y", "x", "y", "x", "y", "z", "z"]
    results = estimate(design, Estimand.mean(y), domain, ssu=ssu, ssu_fpc=[5.0] * 10)
    return {r.domain: r for r in results}


def test_the_refusal_of_a_second_stage_without_the_first_stages_fpc_says_what_to_give() -> None:
    with pytest.raises(ScoringError) as refused:
        _small_two_stage("adjust", first_fpc=False)
    assert str(refused.value) == "a second stage needs the first stage's fpc (N_h or a fraction)"


def test_a_domain_sorting_last_with_every_value_missing_leaves_the_others_alone() -> None:
    nan = float("nan")
    y = [1.0, 2, 3, 4, 5, 6, 7, 8, nan, nan]
    domain = ["p", "p", "q", "q", "p", "q", "p", "q", "z", "z"]
    results = _two_stage_by_domain(y, domain)
    assert sorted(d for d, r in results.items() if r.se is not None) == ["p", "q"]


def test_the_values_of_rows_outside_every_domain_do_not_change_a_domains_variance() -> None:
    domain = ["p", "p", "q", "q", "p", "q", "p", "q", None, None]
    first = _two_stage_by_domain([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10], domain)
    second = _two_stage_by_domain([1.0, 2, 3, 4, 5, 6, 7, 8, 90, -40], domain)
    for d in ("p", "q"):
        assert first[d].se == pytest.approx(second[d].se, rel=1e-12)


def test_under_average_a_lonely_ssu_without_a_value_in_a_domain_leaves_its_variance_defined() -> (
    None
):
    # PSU b1 has one SSU, whose units have no value: the domain has no score there
    design = Design(
        [10.0, 12, 9, 11, 8, 10, 12, 9],
        strata=["A"] * 4 + ["B"] * 4,
        psu=["a1", "a1", "a2", "a2", "b1", "b1", "b2", "b2"],
        fpc=[4.0] * 8,
        lonely_psu="average",
    )
    nan = float("nan")
    y = Estimand.mean([1.0, 2, 3, 4, nan, nan, 7, 8])
    ssu = ["x", "y", "x", "y", "x", "x", "x", "y"]
    domain = ["p", "q", "p", "q", "q", "q", "p", "q"]
    results = {r.domain: r for r in estimate(design, y, domain, ssu=ssu, ssu_fpc=[3.0] * 8)}
    assert results["q"].se is not None
