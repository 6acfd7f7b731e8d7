"""``python -m scoring change FROM.csv TO.csv ...`` (docs/design.md §10), run in process through
``scoring.cli.main`` so that mutation testing maps these tests to ``scoring.change_cli`` (the
entry point itself is run as a subprocess by ``test_scoring_cli.py``)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from scoring.cli import main
from tests.support.scoring_cli import Ran, run_cli

ROOT = Path(__file__).parents[2]
FOLDER = ROOT / "tests" / "fixtures" / "reference_change"
FROM, PARTIAL = FOLDER / "round_2023.csv", FOLDER / "round_2025_partial.csv"
DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu"]
EXPECTED = {c["name"]: c for c in json.loads((FOLDER / "expected.json").read_text())["cases"]}


def run(*args: object) -> Ran:
    return run_cli("change", *args)


def test_json_results_equal_r_for_a_partial_overlap_by_district() -> None:
    by_district = ["--by", "district", "--pairing", "overlapping"]
    out = run(FROM, PARTIAL, *DESIGN, "--proportion", "fiber_available", *by_district)
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)["results"]
    expected = EXPECTED["partial overlapping proportion by district"]["expected"]
    assert [r["domain"] for r in results] == [{"district": e["domain"]} for e in expected]
    for ours, r in zip(results, expected, strict=True):
        for field in ("difference", "se", "df", "ci_low", "ci_high", "p_value"):
            if r.get(field) is None:
                assert ours[field] is None
            else:
                assert math.isclose(ours[field], r[field], rel_tol=1e-6, abs_tol=1e-9)
        assert ours["reason"] == r.get("reason")


def test_province_wide_person_level_rate_has_a_null_domain() -> None:
    rate = "members_15plus_with_epay/members_15plus"
    out = run(FROM, PARTIAL, *DESIGN, "--member-proportion", rate)
    [result] = json.loads(out.stdout)["results"]
    expected = EXPECTED["partial independent member_proportion province"]["expected"][0]
    assert result["domain"] is None
    assert math.isclose(result["se"], expected["se"], rel_tol=1e-6)
    assert result["significant"] is True


def test_csv_has_a_row_per_domain_with_blank_numbers_where_a_round_is_missing() -> None:
    csv_by_district = ["--by", "district", "--format", "csv"]
    out = run(FROM, PARTIAL, *DESIGN, "--mean", "smartphones", *csv_by_district)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    expected = EXPECTED["partial independent mean by district"]["expected"]
    assert [r["domain"] for r in rows] == [e["domain"] for e in expected]
    missing = {r["domain"]: r for r in rows if r["reason"]}
    assert set(missing) == {"086", "090"}
    assert missing["086"]["difference"] == "" and missing["086"]["from_estimate"] != ""


def test_csv_writes_significant_as_true_or_false_like_the_service() -> None:
    csv_by_district = ["--by", "district", "--format", "csv"]
    out = run(FROM, PARTIAL, *DESIGN, "--mean", "smartphones", *csv_by_district)
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert {row["significant"] for row in rows} == {"true", "false", ""}  # "": a round missing


def test_a_psu_that_changed_stratum_is_refused_under_overlapping(tmp_path: Path) -> None:
    with open(PARTIAL, newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["psu"] == "080007":
            row["stratum"] = "080-U"
    moved = tmp_path / "moved.csv"
    with open(moved, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = run(FROM, moved, *DESIGN, "--proportion", "fiber_available", "--pairing", "overlapping")
    assert out.returncode == 2
    assert out.stderr.startswith("error: overlapping pairing: PSU 080007 lies in strata")
    assert out.stdout == "" and out.stderr.count("\n") == 1


def test_an_unknown_column_is_one_line_naming_it() -> None:
    out = run(FROM, PARTIAL, *DESIGN, "--proportion", "fiber")
    assert out.returncode == 2
    assert out.stderr.startswith("error: no column 'fiber'")


def test_an_unknown_pairing_is_a_usage_error() -> None:
    out = run(FROM, PARTIAL, *DESIGN, "--mean", "smartphones", "--pairing", "paired")
    assert out.returncode == 2
    assert out.stderr.startswith("error: argument --pairing")


def test_strata_and_psu_are_required() -> None:
    out = run(FROM, PARTIAL, "--weight", "weight", "--mean", "smartphones")
    assert out.returncode == 2
    assert "--strata" in out.stderr


def _calibration_files(tmp_path: Path, case: dict) -> list[str]:
    args = []
    for which in ("from", "to"):
        spec = {"method": case["calibration"]["method"], "margins": case["calibration"][which]}
        path = tmp_path / f"{which}.json"
        path.write_text(json.dumps(spec))
        args += [f"--{which}-calibration", str(path)]
    return args


def test_calibrated_rounds_equal_r_with_each_rounds_margins(tmp_path: Path) -> None:
    case = EXPECTED["partial overlapping ratio by district calibrated rake"]
    rate = "members_15plus_with_epay/members_15plus"
    options = ["--by", "district", "--pairing", "overlapping", *_calibration_files(tmp_path, case)]
    out = run(FROM, PARTIAL, *DESIGN, "--ratio", rate, *options)
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)["results"]
    for ours, r in zip(results, case["expected"], strict=True):
        if r.get("se") is not None:
            assert math.isclose(ours["se"], r["se"], rel_tol=1e-6)
            assert math.isclose(ours["difference"], r["difference"], rel_tol=1e-6)


def test_a_round_without_a_total_for_one_of_its_districts_is_refused(tmp_path: Path) -> None:
    case = EXPECTED["partial independent mean by district calibrated rake"]
    from_margins = _calibration_files(tmp_path, case)[1]  # 2023: no district 090
    options = ["--from-calibration", from_margins, "--to-calibration", from_margins]
    out = run(FROM, PARTIAL, *DESIGN, "--mean", "smartphones", *options)
    assert out.returncode == 2
    assert out.stderr.startswith("error: margin district has no positive total for category 090")


def test_a_calibrated_round_meets_a_plain_round_province_wide(tmp_path: Path) -> None:
    case = EXPECTED["partial independent mean province calibrated rake"]
    to_margins = _calibration_files(tmp_path, case)[2:]
    out = run(FROM, PARTIAL, *DESIGN, "--mean", "smartphones", *to_margins)
    [result] = json.loads(out.stdout)["results"]
    assert result["domain"] is None
    assert result["difference"] is not None and result["reason"] is None


def _equals_r(results: list[dict], case: dict) -> bool:
    fields = ("difference", "se", "ci_low", "ci_high")
    return all(
        (r.get(f) is None and ours[f] is None)
        or (r.get(f) is not None and math.isclose(ours[f], r[f], rel_tol=1e-6, abs_tol=1e-9))
        for ours, r in zip(results, case["expected"], strict=True)
        for f in fields
    )


def test_the_help_describes_every_argument() -> None:
    out = run("--help")
    assert out.returncode == 0
    described = " ".join(out.stdout.split())
    for phrase in (
        "FROM.csv the earlier round, one row per unit",
        "TO.csv the later round, same columns",
        "--weight WEIGHT sampling weight column (≥ 0)",
        "--strata STRATA stratum column",
        "--psu PSU PSU column",
        "--mean V",
        "--proportion V a 0/1 column",
        "--ratio NUM/DEN",
        "--member-proportion COUNT/SIZE",
        "--by COL domain column (matched by value)",
        "--pairing {independent,overlapping}",
        "--lonely-psu {fail,remove,adjust,certainty,average} the policy of the TO round, "
        "which applies to the stack",
        "--format {json,csv}",
        "--from-calibration CALIBRATION.json calibrate the FROM round: the round's "
        "`calibration` object (§9)",
        "--to-calibration CALIBRATION.json calibrate the TO round: the round's "
        "`calibration` object (§9)",
    ):
        assert phrase in described, phrase


def test_the_command_list_describes_change() -> None:
    out = io.StringIO()
    with redirect_stdout(out), contextlib.suppress(SystemExit):
        main(["--help"])
    assert "change change between two rounds (to − from) " in " ".join(out.getvalue().split())


@pytest.mark.parametrize("option", ["--weight", "--strata", "--psu"])
def test_each_design_column_is_required(option: str) -> None:
    design = [
        a for pair in zip(DESIGN[::2], DESIGN[1::2], strict=True) if pair[0] != option for a in pair
    ]
    out = run(FROM, PARTIAL, *design, "--mean", "smartphones")
    assert out.returncode == 2
    assert out.stderr.rstrip().endswith(f"the following arguments are required: {option}")


def test_an_estimand_is_required() -> None:
    out = run(FROM, PARTIAL, *DESIGN)
    assert out.returncode == 2
    assert out.stderr.rstrip().endswith(
        "one of the arguments --mean --proportion --ratio --member-proportion is required"
    )


def test_the_level_sets_the_interval_as_r_has_it() -> None:
    case = EXPECTED["partial independent mean by area level 0.9"]
    out = run(FROM, PARTIAL, *DESIGN, "--mean", "smartphones", "--by", "area", "--level", "0.9")
    assert out.returncode == 0, out.stderr
    assert _equals_r(json.loads(out.stdout)["results"], case)


def test_the_lonely_psu_policy_applies_to_the_stack_as_r_has_it() -> None:
    case = EXPECTED["partial independent proportion by district lonely average"]
    options = ["--by", "district", "--lonely-psu", "average"]
    out = run(FROM, PARTIAL, *DESIGN, "--proportion", "fiber_available", *options)
    assert out.returncode == 0, out.stderr
    assert _equals_r(json.loads(out.stdout)["results"], case)


def test_an_unknown_format_is_a_usage_error_and_json_can_be_asked_for() -> None:
    assert run(FROM, PARTIAL, *DESIGN, "--mean", "smartphones", "--format", "xml").returncode == 2
    out = run(FROM, PARTIAL, *DESIGN, "--mean", "smartphones", "--format", "json")
    assert out.returncode == 0 and json.loads(out.stdout)["results"]


def test_the_json_is_laid_out_as_estimate_lays_it_out() -> None:
    out = run(FROM, PARTIAL, *DESIGN, "--mean", "smartphones")
    assert out.stdout.startswith('{\n "results": [\n  {\n   "domain": null,\n')


def _with_cell(tmp_path: Path, column: str, row: int, value: str) -> Path:
    with open(PARTIAL, newline="") as f:
        rows = list(csv.DictReader(f))
    rows[row][column] = value
    path = tmp_path / "edited.csv"
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_missing_weight_is_refused_naming_its_line(tmp_path: Path) -> None:
    edited = _with_cell(tmp_path, "weight", 3, "")
    out = run(FROM, edited, *DESIGN, "--mean", "smartphones")
    assert out.returncode == 2
    assert out.stderr == "error: column 'weight' line 5: missing value\n"


def test_a_weight_of_zero_in_a_calibrated_round_is_refused_naming_its_column(
    tmp_path: Path,
) -> None:
    case = EXPECTED["partial independent mean province calibrated rake"]
    edited = _with_cell(tmp_path, "weight", 3, "0")
    to_margins = _calibration_files(tmp_path, case)[2:]
    out = run(FROM, edited, *DESIGN, "--mean", "smartphones", *to_margins)
    assert out.returncode == 2
    assert out.stderr.startswith("error: weight 0 in column weight, line 5: ")


def test_a_calibration_variable_missing_from_a_round_is_refused_before_reading_it(
    tmp_path: Path,
) -> None:
    spec = {"method": "rake", "margins": [{"variables": ["region"], "totals": {"n": 1.0}}]}
    path = tmp_path / "to.json"
    path.write_text(json.dumps(spec))
    out = run(FROM, PARTIAL, *DESIGN, "--mean", "smartphones", "--to-calibration", path)
    assert out.returncode == 2
    assert out.stderr == (
        "error: calibration.margins[0].variables names 'region', a variable the data do not have\n"
    )


def _numeric_calibration(tmp_path: Path) -> list[str]:
    case = EXPECTED["partial independent mean province calibrated rake"]["calibration"]
    spec = {
        "method": "linear",
        "margins": [*case["to"], {"variables": ["members_15plus"], "total": 390000.0}],
    }
    path = tmp_path / "to.json"
    path.write_text(json.dumps(spec))
    return ["--to-calibration", str(path)]


def test_a_numeric_margin_is_met_by_the_calibrated_round(tmp_path: Path) -> None:
    out = run(FROM, PARTIAL, *DESIGN, "--mean", "members_15plus", *_numeric_calibration(tmp_path))
    assert out.returncode == 0, out.stderr
    [result] = json.loads(out.stdout)["results"]
    population = sum(
        sum(m["totals"].values())
        for m in EXPECTED["partial independent mean province calibrated rake"]["calibration"]["to"][
            :1
        ]
    )
    assert result["to_estimate"] == pytest.approx(390000.0 / population, rel=1e-9)


def test_a_numeric_margin_value_missing_is_refused_naming_its_line(tmp_path: Path) -> None:
    edited = _with_cell(tmp_path, "members_15plus", 3, "")
    calibration = _numeric_calibration(tmp_path)
    out = run(FROM, edited, *DESIGN, "--mean", "smartphones", *calibration)
    assert out.returncode == 2
    assert out.stderr == "error: column 'members_15plus' line 5: missing value\n"
