"""The ``python -m scoring estimate`` command line, run as a subprocess (docs/design.md §6)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
HOUSEHOLDS = ROOT / "tests" / "fixtures" / "reference" / "laocai_demo" / "households.csv"
DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu"]


def run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scoring", "estimate", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def small(tmp_path: Path) -> Path:
    rows = [
        {"w": 10, "s": "A", "p": p, "y": y, "d": d, "m": m}
        for p, y, d, m in [(1, 1, "x", 2.5), (1, 0, "y", 3.0), (2, 1, "x", 1.0), (2, 1, "y", 4.0)]
    ]
    return write_csv(tmp_path / "small.csv", rows)


def test_json_output_has_one_result_per_domain_with_the_domain_as_an_object() -> None:
    proc = run(HOUSEHOLDS, *DESIGN, "--proportion", "fiber_available", "--by", "district")
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)["results"]
    assert [r["domain"] for r in results][:2] == [{"district": "080"}, {"district": "082"}]
    assert {"estimate", "se", "ci_low", "ci_high", "df", "deff", "n", "population"} <= set(
        results[0]
    )
    assert results[0]["ci_method"] == "logit"


def test_json_output_without_by_has_a_null_domain() -> None:
    proc = run(HOUSEHOLDS, *DESIGN, "--mean", "smartphones")
    results = json.loads(proc.stdout)["results"]
    assert len(results) == 1
    assert results[0]["domain"] is None
    assert results[0]["n"] == 661


def test_csv_output_has_a_header_and_one_row_per_domain() -> None:
    proc = run(
        HOUSEHOLDS, *DESIGN, "--proportion", "fiber_available", "--by", "urban", "--format", "csv"
    )
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [r["domain"] for r in rows] == ["R", "U"]
    assert float(rows[0]["ci_low"]) < float(rows[0]["estimate"]) < float(rows[0]["ci_high"])


def test_cli_matches_the_r_reference_for_the_laocai_epay_ratio() -> None:
    proc = run(HOUSEHOLDS, *DESIGN, "--ratio", "members_15plus_with_epay/members_15plus")
    (result,) = json.loads(proc.stdout)["results"]
    assert result["estimate"] == pytest.approx(0.362715704421468, rel=1e-9)
    assert result["se"] == pytest.approx(0.0248280816041591, rel=1e-6)
    assert result["ci_method"] == "wald"


def test_member_proportion_counts_persons() -> None:
    proc = run(
        HOUSEHOLDS, *DESIGN, "--member-proportion", "members_15plus_with_epay/members_15plus"
    )
    (result,) = json.loads(proc.stdout)["results"]
    assert result["n"] == 2047
    assert result["estimate"] == pytest.approx(0.362715704421468, rel=1e-9)


def test_ci_level_and_lonely_psu_options_are_applied() -> None:
    proc = run(
        HOUSEHOLDS,
        *DESIGN,
        "--proportion",
        "fiber_available",
        "--ci",
        "beta",
        "--level",
        "0.9",
        "--lonely-psu",
        "remove",
    )
    (result,) = json.loads(proc.stdout)["results"]
    assert (result["ci_method"], result["level"]) == ("beta", 0.9)


def assert_bad_input(proc: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]


def test_missing_column_is_a_one_line_error(small: Path) -> None:
    assert_bad_input(run(small, "--weight", "w", "--mean", "nope"), "no column 'nope'")


def test_non_numeric_value_is_a_one_line_error(small: Path) -> None:
    assert_bad_input(run(small, "--weight", "w", "--mean", "d"), "'x' is not a number")


def test_negative_weight_is_a_one_line_error(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "w.csv", [{"w": 1, "y": 1}, {"w": -1, "y": 0}])
    assert_bad_input(run(data, "--weight", "w", "--mean", "y"), "weights must be finite and ≥ 0")


def test_lonely_psu_under_fail_is_a_one_line_error_naming_the_stratum() -> None:
    proc = run(HOUSEHOLDS, *DESIGN, "--proportion", "fiber_available", "--lonely-psu", "fail")
    assert_bad_input(proc, "stratum 080-R has only one PSU")


def test_empty_domain_value_is_a_one_line_error(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "d.csv", [{"w": 1, "y": 1, "d": "a"}, {"w": 1, "y": 0, "d": ""}])
    assert_bad_input(
        run(data, "--weight", "w", "--mean", "y", "--by", "d"), "column 'd' line 3: empty value"
    )


def test_proportion_of_a_variable_that_is_not_0_1_is_a_one_line_error(small: Path) -> None:
    assert_bad_input(run(small, "--weight", "w", "--proportion", "m"), "needs a 0/1 variable")


def test_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    assert_bad_input(run(tmp_path / "absent.csv", "--weight", "w", "--mean", "y"), "absent.csv")


def test_usage_error_is_a_one_line_error(small: Path) -> None:
    assert_bad_input(run(small, "--weight", "w"), "name what to estimate")


def test_level_out_of_range_is_a_one_line_error(small: Path) -> None:
    assert_bad_input(run(small, "--weight", "w", "--mean", "y", "--level", "1.5"), "level must be")


PARITY = ROOT / "tests" / "fixtures" / "reference_parity"


def _expected(name: str) -> dict:
    cases = json.loads((PARITY / "expected.json").read_text())["cases"]
    return next(case for case in cases if case["name"] == name)["expected"][0]


@pytest.mark.parametrize("ci", ["logit", "beta"])
def test_the_svyciprop_yrbs_example_keeps_r_s_41_df_with_missing_answers(ci: str) -> None:
    # ?svyciprop: qn8 is NA for 6,867 of 15,624 students; R keeps the design's df (41)
    proc = run(
        PARITY / "data" / "yrbs.csv",
        *["--weight", "weight", "--strata", "stratum", "--psu", "psu"],
        *["--proportion", "qn8yes", "--ci", ci],
    )
    (result,) = json.loads(proc.stdout)["results"]
    expected = _expected(f"yrbs qn8yes {ci}")
    assert result["df"] == expected["df"] == 41
    for field in ("estimate", "se", "ci_low", "ci_high", "deff", "n"):
        assert result[field] == pytest.approx(expected[field], rel=1e-6), field


def test_na_and_empty_cells_are_missing_values(tmp_path: Path) -> None:
    rows = [{"w": 1, "p": p, "y": y} for p, y in [(1, 1), (1, "NA"), (2, 0), (2, ""), (3, 1)]]
    proc = run(write_csv(tmp_path / "na.csv", rows), "--weight", "w", "--psu", "p", "--mean", "y")
    (result,) = json.loads(proc.stdout)["results"]
    assert (result["n"], result["df"]) == (3, 2)


def test_a_ratio_has_r_s_design_effect() -> None:
    proc = run(
        PARITY / "data" / "scd.csv",
        *["--weight", "w", "--strata", "ESA", "--psu", "ambulance", "--fpc", "fpc"],
        "--ratio",
        "alive/arrests",
    )
    (result,) = json.loads(proc.stdout)["results"]
    assert result["deff"] == pytest.approx(_expected("scd ratio alive/arrests")["deff"], rel=1e-6)


def test_one_psu_without_strata_is_a_one_line_error() -> None:
    proc = run(PARITY / "data" / "one_psu.csv", "--weight", "w", "--psu", "psu", "--mean", "y")
    assert_bad_input(proc, "only one primary sampling unit")


def test_a_bad_number_names_its_column_and_line(tmp_path: Path) -> None:
    rows = [{"w": 1, "y": 1}] * 5 + [{"w": 1, "y": "1,5"}, {"w": 1, "y": 0}]
    data = write_csv(tmp_path / "bad.csv", rows)
    assert_bad_input(run(data, "--weight", "w", "--mean", "y"), "column 'y' line 7: '1,5'")


def test_an_infinite_value_is_a_one_line_error(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "inf.csv", [{"w": 1, "y": 1}, {"w": 1, "y": "inf"}])
    assert_bad_input(run(data, "--weight", "w", "--mean", "y"), "line 3: 'inf' is not a finite")


def test_a_row_of_the_wrong_width_names_its_line(tmp_path: Path) -> None:
    data = tmp_path / "short.csv"
    data.write_text("w,y\n1,1\n1,0\n1\n1,1\n")
    assert_bad_input(
        run(data, "--weight", "w", "--mean", "y"), "line 4: 1 fields, the header has 2"
    )


def test_a_missing_weight_is_a_one_line_error(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "w.csv", [{"w": 1, "y": 1}, {"w": "NA", "y": 0}])
    assert_bad_input(run(data, "--weight", "w", "--mean", "y"), "column 'w' line 3: missing value")


def test_an_na_stratum_is_a_one_line_error(tmp_path: Path) -> None:
    rows = [{"w": 1, "s": "a", "y": 1}, {"w": 1, "s": "NA", "y": 0}]
    data = write_csv(tmp_path / "s.csv", rows)
    proc = run(data, "--weight", "w", "--strata", "s", "--mean", "y")
    assert_bad_input(proc, "column 's' line 3: missing value (NA)")


def test_an_empty_file_is_a_one_line_error(tmp_path: Path) -> None:
    data = tmp_path / "empty.csv"
    data.write_text("")
    assert_bad_input(run(data, "--weight", "w", "--mean", "y"), "is empty")


def test_a_header_without_rows_is_a_one_line_error(tmp_path: Path) -> None:
    data = tmp_path / "header.csv"
    data.write_text("w,y\n")
    assert_bad_input(run(data, "--weight", "w", "--mean", "y"), "has no data rows")


def test_the_command_imports_scipy_special_not_scipy_stats() -> None:
    code = (
        "import sys, scoring.cli; scoring.cli.build_parser(); print('scipy.stats' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.strip() == "False"


def test_an_estimate_imports_only_what_it_needs() -> None:
    """The start-up budget (docs/benchmarks.md "Province and districts in one process"):
    pyarrow's ``to_numpy`` of a column with nulls imports pandas, ``np.unique`` numpy.ma,
    ``import scipy.special`` its array-API layer, ``pyarrow.compute`` every kernel's
    signature; an estimate without calibration needs none of them."""
    data = ROOT / "tests" / "fixtures" / "reference_weighting" / "households_missing.csv"
    heavy = (
        "pandas",
        "numpy.ma",
        "scipy.special",
        "scipy.stats",
        "pyarrow.compute",
        "scoring.weights",
    )
    code = (
        "import sys; from scoring.cli import main;"
        f"main(['estimate', {str(data)!r}, '--weight', 'weight', '--strata', 'stratum',"
        " '--psu', 'psu', '--mean', 'members', '--by', 'district', '--by', '']);"
        f"print([m for m in {heavy!r} if m in sys.modules], file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "[]"
