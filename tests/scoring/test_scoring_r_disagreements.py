"""The four disagreements with R of issue 26 and the constant-y design effect, on minimal cases.

``fixtures/reference_disagreements``: two small rounds (12 rows, 6 PSUs in 2 strata, PSU p2
of ``from`` and p3 of ``to`` without any value of y), a constant column, and R ``survey``
4.1.1's answers (``reference.R``). Each case runs the command line in process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scoring.cli import main

FOLDER = Path(__file__).parents[1] / "fixtures" / "reference_disagreements"
R = json.loads((FOLDER / "expected.json").read_text())
DESIGN = ["--weight", "w", "--strata", "stratum", "--psu", "psu"]
FROM, TO = str(FOLDER / "round_from.csv"), str(FOLDER / "round_to.csv")
RAKE = ["--calibration", str(FOLDER / "rake.json")]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    assert main(list(argv)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)["results"]


def _equal(ours: dict, r: dict, fields: tuple[str, ...]) -> None:
    for field in fields:
        assert ours[field] == pytest.approx(r[field], rel=1e-9, abs=1e-12), field


def test_a_calibrated_df_counts_a_psu_whose_rows_all_miss_the_variable(capsys) -> None:
    (whole,) = _run(capsys, "estimate", FROM, *DESIGN, "--mean", "y", *RAKE)
    _equal(whole, R["a_mean"], ("estimate", "se", "df", "deff"))
    assert whole["df"] == 4  # 6 PSUs − 2 strata: p2 has no value of y but is in the design
    by = _run(capsys, "estimate", FROM, *DESIGN, "--mean", "y", "--by", "m2", *RAKE)
    for ours, r in zip(by, R["a_by"], strict=True):
        assert ours["domain"] == {"m2": r["domain"]}
        _equal(ours, r, ("estimate", "se", "df", "deff"))


def test_b_a_calibrated_ratio_has_a_design_effect(capsys) -> None:
    (ratio,) = _run(capsys, "estimate", FROM, *DESIGN, "--ratio", "y/x", *RAKE)
    _equal(ratio, R["b_ratio"], ("estimate", "se", "df", "deff"))
    assert ratio["n_eff"] == pytest.approx(ratio["n"] / R["b_ratio"]["deff"])


@pytest.mark.parametrize("pairing", ["independent", "overlapping"])
@pytest.mark.parametrize("calibrated", [False, True])
def test_c_change_with_a_psu_left_without_a_value(capsys, pairing: str, calibrated: bool) -> None:
    options = ["--pairing", pairing]
    if calibrated:
        options += ["--from-calibration", RAKE[1], "--to-calibration", RAKE[1]]
    (whole,) = _run(capsys, "change", FROM, TO, *DESIGN, "--mean", "y", *options)
    by = _run(capsys, "change", FROM, TO, *DESIGN, "--mean", "y", "--by", "m2", *options)
    if calibrated:  # R's df of the calibrated stack is the plain stack's
        assert whole["df"] == R[f"c_{pairing}"]["df"]
        assert [b["df"] for b in by] == [r["df"] for r in R[f"c_{pairing}_by"]]
        return
    ours = {"from": whole["from_estimate"], "to": whole["to_estimate"], **whole}
    _equal(ours, R[f"c_{pairing}"], ("from", "to", "difference", "se", "df"))
    for b, r in zip(by, R[f"c_{pairing}_by"], strict=True):
        assert b["domain"] == {"m2": r["domain"]}
        _equal(
            {"from": b["from_estimate"], "to": b["to_estimate"], **b}, r, ("difference", "se", "df")
        )


def test_d_linear_calibration_refuses_margins_that_select_the_same_units_with_other_totals(
    capsys,
) -> None:
    calibration = str(FOLDER / "coinciding_linear.json")
    argv = ["estimate", FROM, *DESIGN, "--mean", "x", "--calibration", calibration]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "error: the margins m and m2 select the same units (m b and m2 v) "
        "but their totals differ (40 and 50)\n"
    )
    assert "singular" in R["d_linear"]["error"]  # R cannot solve it either


def test_constant_y_has_no_design_effect(capsys) -> None:
    data = str(FOLDER / "constant.csv")
    (mean,) = _run(capsys, "estimate", data, *DESIGN, "--mean", "one")
    (total,) = _run(capsys, "estimate", data, *DESIGN, "--total", "one")
    assert mean["deff"] is None and R["constant"]["mean"] is None
    assert mean["n_eff"] is None
    # R divides rounding noise by rounding noise here (0/0 in exact arithmetic)
    assert total["deff"] is None and R["constant"]["total"] > 1e20
