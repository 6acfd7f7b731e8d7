"""``--ssu``/``--ssu-fpc`` on the command line equal R on a two-stage design (issue 26)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from scoring.cli import main

FOLDER = Path(__file__).parent / "fixtures" / "reference_differential"
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
