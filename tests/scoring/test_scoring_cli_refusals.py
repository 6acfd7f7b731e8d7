"""Clearer refusals of the command line (issue 26): one line naming the place, exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scoring.cli import build_parser, main

FOLDER = Path(__file__).parents[1] / "fixtures" / "reference_disagreements"
DATA = FOLDER / "round_from.csv"
DESIGN = ["--weight", "w", "--strata", "stratum", "--psu", "psu"]


def _refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err.removeprefix("error: ").rstrip("\n")


def _data(tmp_path: Path, header: str | None = None, row: int | None = None, w: str = "") -> str:
    lines = DATA.read_text().splitlines()
    if header is not None:
        lines[0] = header
    if row is not None:
        cells = lines[row].split(",")
        cells[2] = w
        lines[row] = ",".join(cells)
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_a_negative_weight_names_its_column_and_file_line(capsys, tmp_path) -> None:
    data = _data(tmp_path, row=6, w="-2.5")
    message = _refused(capsys, "estimate", data, *DESIGN, "--mean", "y")
    assert message == "weight -2.5 in column w, line 7: weights must be finite and ≥ 0"


def test_a_duplicate_column_name_is_refused(capsys, tmp_path) -> None:
    data = _data(tmp_path, header="stratum,psu,w,y,y,m,m2")
    message = _refused(capsys, "estimate", data, *DESIGN, "--mean", "y")
    assert message.startswith("column 'y' appears more than once in the header")


@pytest.mark.parametrize(
    ("calibration", "expected"),
    [
        (
            {"method": "rake", "bound": [0.5, 2], "margins": []},
            "calibration has an unknown key 'bound' (keys: method, margins, bounds)",
        ),
        (
            {"method": "rake", "margins": [{"variables": ["m"], "counts": {"a": 1}}]},
            "calibration.margins[0] has an unknown key 'counts' (keys: variables, totals, total)",
        ),
    ],
)
def test_unknown_keys_in_the_calibration_are_refused(capsys, tmp_path, calibration, expected):
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(calibration))
    argv = ["estimate", str(DATA), *DESIGN, "--mean", "y", "--calibration", str(path)]
    assert _refused(capsys, *argv) == expected


@pytest.mark.parametrize("option", [["--mean", "y"], ["--total", "y"], ["--ratio", "y/x"]])
def test_ci_is_refused_for_an_estimand_that_is_not_a_proportion(capsys, option) -> None:
    message = _refused(capsys, "estimate", str(DATA), *DESIGN, *option, "--ci", "beta")
    assert message.startswith("--ci applies to proportions; a ")
    assert message.endswith(" has a wald interval")


def test_infeasible_bounds_name_the_bounds_and_the_margin(capsys, tmp_path) -> None:
    path = tmp_path / "cal.json"
    calibration = {
        "method": "rake",
        "bounds": [0.95, 1.05],
        "margins": [{"variables": ["m"], "totals": {"a": 100, "b": 50}}],
    }
    path.write_text(json.dumps(calibration))
    argv = ["estimate", str(DATA), *DESIGN, "--mean", "y", "--calibration", str(path)]
    message = _refused(capsys, *argv)
    assert message == "no weights within bounds [0.95, 1.05] meet margin m (category a)"


def test_help_shows_the_lonely_psu_default_and_r_s() -> None:
    estimate = build_parser()._subparsers._group_actions[0].choices["estimate"]
    text = " ".join(estimate.format_help().split())
    assert "(default: adjust; R's default is fail)" in text


def test_a_two_stage_design_needs_every_stage_column(capsys) -> None:
    data = str(Path(__file__).parents[1] / "fixtures" / "reference_differential" / "designs.csv")
    message = _refused(capsys, "estimate", data, *DESIGN, "--ssu", "ssu", "--mean", "y")
    assert message == "a two-stage design needs --psu, --fpc, --ssu and --ssu-fpc"


def test_several_estimands_and_domain_columns_in_one_run(capsys) -> None:
    argv = ["estimate", str(DATA), *DESIGN, "--mean", "y", "--ratio", "y/x"]
    assert main([*argv, "--by", "m2", "--by", ""]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert [(r["estimand"], r["by"], r["domain"]) for r in results] == [
        ("mean y", "m2", {"m2": "u"}),
        ("mean y", "m2", {"m2": "v"}),
        ("mean y", None, None),
        ("ratio y/x", "m2", {"m2": "u"}),
        ("ratio y/x", "m2", {"m2": "v"}),
        ("ratio y/x", None, None),
    ]
    for estimand, option in (("mean y", ["--mean", "y"]), ("ratio y/x", ["--ratio", "y/x"])):
        assert main(["estimate", str(DATA), *DESIGN, *option]) == 0
        (alone,) = json.loads(capsys.readouterr().out)["results"]
        (together,) = [r for r in results if r["estimand"] == estimand and r["by"] is None]
        assert {k: together[k] for k in alone if k != "domain"} == {
            k: v for k, v in alone.items() if k != "domain"
        }


def test_write_weights_writes_final_weights_and_achieved_totals(capsys, tmp_path) -> None:
    weights = tmp_path / "weights.csv"
    calibration = str(FOLDER / "rake.json")
    argv = ["estimate", str(DATA), *DESIGN, "--mean", "y", "--calibration", calibration]
    assert main([*argv, "--write-weights", str(weights)]) == 0
    lines = weights.read_text().splitlines()
    assert lines[0] == "line,input_weight,g,weight"
    rows = [line.split(",") for line in lines[1:13]]
    assert [int(r[0]) for r in rows] == list(range(2, 14))
    for _, d, g, w in rows:
        assert float(w) == pytest.approx(float(d) * float(g), rel=1e-15)
    assert lines[13] == "# margin,category,total,achieved"
    achieved = {r.split(",")[1]: float(r.split(",")[3]) for r in lines[14:]}
    assert achieved == pytest.approx({"a": 80.0, "b": 70.0}, rel=1e-9)
    message = _refused(
        capsys, "estimate", str(DATA), *DESIGN, "--mean", "y", "--write-weights", "x"
    )
    assert message == "--write-weights writes calibrated weights: give --calibration"


def test_nothing_to_estimate_is_refused(capsys) -> None:
    assert _refused(capsys, "estimate", str(DATA), *DESIGN).startswith("name what to estimate")
