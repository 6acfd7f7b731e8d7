"""``python -m scoring change FROM.csv TO.csv ...`` (docs/design.md §10), run in process through
``scoring.cli.main`` so that mutation testing maps these tests to ``scoring.change_cli`` (the
entry point itself is run as a subprocess by ``test_scoring_cli.py``)."""

from __future__ import annotations

import csv
import io
import json
import math
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from scoring.cli import main

ROOT = Path(__file__).parents[2]
FOLDER = ROOT / "tests" / "fixtures" / "reference_change"
FROM, PARTIAL = FOLDER / "round_2023.csv", FOLDER / "round_2025_partial.csv"
DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu"]
EXPECTED = {c["name"]: c for c in json.loads((FOLDER / "expected.json").read_text())["cases"]}


@dataclass(frozen=True)
class Ran:
    """What the command wrote and its exit status."""

    returncode: int
    stdout: str
    stderr: str


def run(*args: object) -> Ran:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(["change", *map(str, args)])
        except SystemExit as usage_error:  # argparse exits on a usage error
            status = int(usage_error.code or 0)
    return Ran(status, out.getvalue(), err.getvalue())


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
