"""``python -m scoring estimate ... --calibration CALIBRATION.json`` (docs/design.md §9)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
FOLDER = ROOT / "tests" / "fixtures" / "reference_weighting"
DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu"]
CASES = {c["name"]: c for c in json.loads((FOLDER / "expected.json").read_text())["cases"]}


def run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "scoring",
            "estimate",
            FOLDER / "households.csv",
            *DESIGN,
            *map(str, args),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def write_calibration(path: Path, calibration: object) -> Path:
    path.write_text(json.dumps(calibration))
    return path


@pytest.mark.parametrize(
    ("name", "option"),
    [
        ("rake fiber by district beta", ["--proportion", "fiber_available", "--by", "district"]),
        ("bounded linear smartphones by area", ["--mean", "smartphones", "--by", "area"]),
        (
            "rake epay person rate whole wald",
            ["--member-proportion", "members_15plus_with_epay/members_15plus"],
        ),
    ],
)
def test_calibrated_estimates_equal_r(tmp_path: Path, name: str, option: list[str]) -> None:
    case = CASES[name]
    calibration = write_calibration(tmp_path / "cal.json", case["weighting"]["calibration"])
    ci = ["--ci", case["ci"]] if option[0] != "--mean" else []  # a mean has wald only
    proc = run(*option, *ci, "--calibration", calibration)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)["results"]
    assert len(results) == len(case["expected"])
    for ours, expected in zip(results, case["expected"], strict=True):
        for field in ("estimate", "se", "ci_low", "ci_high", "df", "n", "population"):
            assert math.isclose(ours[field], expected[field], rel_tol=1e-6), field


@pytest.mark.parametrize(
    ("calibration", "message"),
    [
        (
            {"method": "rake", "margins": [{"variables": ["district"], "totals": {"080": 1}}]},
            "margin district has no positive total for category 082",
        ),
        (
            {"method": "rake", "margins": [{"variables": ["province"], "totals": {"10": 1}}]},
            "calibration.margins[0].variables names 'province', a variable the data do not have",
        ),
        ({"method": "poststratify", "margins": []}, "calibration.margins must be a non-empty"),
        ("[1, 2", "is not valid JSON"),
    ],
)
def test_a_bad_calibration_is_a_one_line_error(
    tmp_path: Path, calibration: object, message: str
) -> None:
    path = tmp_path / "cal.json"
    if isinstance(calibration, str):
        path.write_text(calibration)
    else:
        write_calibration(path, calibration)
    proc = run("--proportion", "fiber_available", "--calibration", path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1
    assert message in proc.stderr
