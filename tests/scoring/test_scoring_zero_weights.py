"""Weights of 0 as R has them, and a domain without any value listed (issue 26 remainders).

``fixtures/reference_zero_weights``: 16 households in PSUs nested in strata A and B; PSUs a2
and b2 hold a household of weight 0, every household of PSU a3 has weight 0, and domain z
has no value of y or p. R ``survey`` 4.1.1's answers come first (``reference.R``): a row of
weight 0 stays in the design, so its PSU counts in ``n_h`` (3 PSUs in each stratum) and the
row in Korn–Graubard's ``nrow``, but R's ``degf`` counts only PSUs with a row of positive
weight (df 3, not 4). Each case runs the command line in process; estimates, se, df, deff
and intervals equal R's to 1e-6 relative, as in the other reference suites.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from scoring import (
    RESULT_FIELDS,
    Design,
    Estimand,
    PsuTotals,
    ScoringError,
    estimate,
    estimate_from_totals,
)
from scoring.cli import main

FOLDER = Path(__file__).parents[1] / "fixtures" / "reference_zero_weights"
R = json.loads((FOLDER / "expected.json").read_text())
HOUSEHOLDS, ROUND_TO = str(FOLDER / "households.csv"), str(FOLDER / "round_to.csv")
DESIGN = ["--weight", "w", "--strata", "stratum", "--psu", "psu"]
OPTIONS = {"mean": ["--mean", "y"], "total": ["--total", "y"], "proportion": ["--proportion", "p"]}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict]:
    assert main(list(argv)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)["results"]


def _refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 2
    return capsys.readouterr().err


def _equal(ours: dict, r: dict, fields: tuple[str, ...]) -> None:
    for field in fields:
        assert ours[field] == pytest.approx(r[field], rel=1e-6, abs=1e-9), field


def _equal_estimand(ours: dict, r: dict, estimand: str) -> None:
    _equal(ours, r[estimand], ("estimate", "se", "df", "deff"))
    if estimand == "proportion":
        _equal(ours, r["proportion"]["logit"], ("ci_low", "ci_high"))


@pytest.mark.parametrize("estimand", OPTIONS)
def test_rows_of_weight_0_stay_in_the_design_as_in_r(capsys, estimand: str) -> None:
    (whole,) = _run(capsys, "estimate", HOUSEHOLDS, *DESIGN, *OPTIONS[estimand])
    _equal_estimand(whole, R["whole"], estimand)
    assert list(whole) == list(RESULT_FIELDS)
    assert isinstance(whole["reliability_reasons"], list) and whole["reliability_reasons"]
    assert whole["df"] == 3  # 6 PSUs − 2 strata, less a3: none of its rows has weight


@pytest.mark.parametrize("estimand", OPTIONS)
def test_rows_of_weight_0_by_domain_as_in_r(capsys, estimand: str) -> None:
    argv = ["estimate", HOUSEHOLDS, *DESIGN, *OPTIONS[estimand], "--by", "dom"]
    by = _run(capsys, *argv)
    for ours, r in zip(by, R["by"], strict=False):
        assert ours["domain"] == {"dom": r["domain"]}
        _equal_estimand(ours, r, estimand)


@pytest.mark.parametrize("by", [[], ["--by", "dom"]])
def test_korn_graubard_counts_the_rows_of_weight_0_in_nrow(capsys, by: list[str]) -> None:
    argv = ["estimate", HOUSEHOLDS, *DESIGN, "--proportion", "p", "--ci", "beta", *by]
    results = _run(capsys, *argv)
    expected = [R["whole"]] if not by else R["by"]
    for ours, r in zip(results, expected, strict=False):
        _equal(ours, r["proportion"]["beta"], ("ci_low", "ci_high"))


def test_n_counts_the_rows_with_a_value_and_a_positive_weight(capsys) -> None:
    (whole,) = _run(capsys, "estimate", HOUSEHOLDS, *DESIGN, "--mean", "y")
    assert whole["n"] == 10  # 13 rows with a value, 3 of them of weight 0
    assert whole["population"] == 136.0


@pytest.mark.parametrize("estimand", OPTIONS)
def test_rows_of_weight_0_with_an_fpc_as_in_r(capsys, tmp_path: Path, estimand: str) -> None:
    lines = Path(HOUSEHOLDS).read_text().splitlines()
    with_fpc = [lines[0] + ",N"] + [f"{x},{5 if x.startswith('A') else 6}" for x in lines[1:]]
    data = tmp_path / "households_fpc.csv"
    data.write_text("\n".join(with_fpc) + "\n")
    argv = ["estimate", str(data), *DESIGN, "--fpc", "N", *OPTIONS[estimand]]
    (whole,) = _run(capsys, *argv)
    _equal_estimand(whole, R["fpc"]["whole"], estimand)
    for ours, r in zip(_run(capsys, *argv, "--by", "dom"), R["fpc"]["by"], strict=False):
        _equal_estimand(ours, r, estimand)


@pytest.mark.parametrize("pairing", ["independent", "overlapping"])
def test_change_with_rows_of_weight_0_as_in_r(capsys, pairing: str) -> None:
    argv = ["change", HOUSEHOLDS, ROUND_TO, *DESIGN, "--mean", "y", "--pairing", pairing]
    (whole,) = _run(capsys, *argv)
    fields = ("from", "to", "difference", "se", "df")
    _equal(
        {"from": whole["from_estimate"], "to": whole["to_estimate"], **whole},
        R["change"][pairing],
        fields,
    )
    by = _run(capsys, *argv, "--by", "dom")
    assert [b["domain"] for b in by] == [{"dom": "u"}, {"dom": "v"}]
    for ours, r in zip(by, R["change"][f"{pairing}_by"], strict=True):
        _equal({"from": ours["from_estimate"], "to": ours["to_estimate"], **ours}, r, fields)


def test_a_weight_of_0_with_calibration_is_refused_as_r_stops_on_it(capsys) -> None:
    calibration = ["--calibration", str(FOLDER / "rake.json")]
    assert "NA/NaN/Inf" in R["calibrated"]["error"]
    message = _refused(capsys, "estimate", HOUSEHOLDS, *DESIGN, "--mean", "y", *calibration)
    assert message == (
        "error: weight 0 in column w, line 6: a calibrated design needs weights > 0"
        " (R survey stops on a weight of 0 after calibrate())\n"
    )


def test_a_weight_of_0_in_a_calibrated_change_is_refused(capsys) -> None:
    rake = str(FOLDER / "rake.json")
    argv = ["change", HOUSEHOLDS, ROUND_TO, *DESIGN, "--mean", "y", "--to-calibration", rake]
    assert "line 3: a calibrated design needs weights > 0" in _refused(capsys, *argv)


def test_a_domain_without_any_value_is_listed_with_no_estimate(capsys) -> None:
    by = _run(capsys, "estimate", HOUSEHOLDS, *DESIGN, "--mean", "y", "--by", "dom")
    assert [b["domain"] for b in by] == [{"dom": "u"}, {"dom": "v"}, {"dom": "z"}]
    empty = by[2]
    assert R["empty"]["mean"] == 0  # R's svymean with na.rm on no row: 0, se 0
    assert empty == {
        "domain": {"dom": "z"},
        "estimate": None,
        "se": None,
        "ci_low": None,
        "ci_high": None,
        "df": None,
        "deff": None,
        "n": 0,
        "n_eff": None,
        "population": None,
        "cv": None,
        "reliability": "suppress",
        "reliability_reasons": ["no_values"],
        "ci_method": None,
        "level": None,
    }


def test_a_domain_without_any_value_is_a_csv_row_too(capsys) -> None:
    argv = ["estimate", HOUSEHOLDS, *DESIGN, "--proportion", "p", "--by", "dom"]
    assert main([*argv, "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[-1] == "z,,,,,,,0,,,,suppress,no_values,,"


def test_several_tables_list_the_domain_without_any_value(capsys) -> None:
    argv = ["estimate", HOUSEHOLDS, *DESIGN, "--mean", "y", "--total", "y", "--by", "dom"]
    rows = _run(capsys, *argv)
    empty = [(r["estimand"], r["domain"]) for r in rows if r["estimate"] is None]
    assert empty == [("mean y", {"dom": "z"}), ("total y", {"dom": "z"})]


def test_weights_of_0_in_the_library_equal_r() -> None:
    rows = [line.split(",") for line in Path(HOUSEHOLDS).read_text().splitlines()[1:]]
    stratum, psu, w, _, _, y, _ = (list(column) for column in zip(*rows, strict=True))
    design = Design(np.array(w, dtype=float), strata=stratum, psu=psu)
    values = np.array([np.nan if v == "NA" else float(v) for v in y])
    (whole,) = estimate(design, Estimand.mean(values))
    r = R["whole"]["mean"]
    assert (whole.estimate, whole.se, whole.df) == pytest.approx((r["estimate"], r["se"], 3))


def _totals(**counts: list[float]) -> PsuTotals:
    return PsuTotals(
        stratum=["A", "A", "B", "B"],
        psu=["1", "2", "3", "4"],
        domain=[None] * 4,
        sw=[10.0, 0.0, 12.0, 9.0],
        swy=[4.0, 0.0, 6.0, 3.0],
        **counts,
    )


def test_stored_totals_count_a_psu_of_weight_0_in_n_h_but_not_in_df() -> None:
    totals = _totals(n=[1, 0, 1, 1], rows=[1, 1, 1, 1], weighted_rows=[1, 0, 1, 1])
    (result,) = estimate_from_totals(totals, kind="mean")
    assert result.df == 1  # 3 PSUs with weight − 2 strata
    (without,) = estimate_from_totals(_totals(n=[1, 0, 1, 1], rows=[1, 1, 1, 1]), kind="mean")
    assert without.df == 2  # weighted_rows defaults to rows
    assert result.se == pytest.approx(without.se)  # n_h is the same: a stratum of 2 PSUs


@pytest.mark.parametrize(
    "counts",
    [
        {"n": [1, 0, 1, 1], "rows": [1, 1, 1, 1], "weighted_rows": [1, 2, 1, 1]},
        {"n": [1, 0, 1, 1], "rows": [1, 1, 1, 1], "weighted_rows": [0, 0, 1, 1]},
    ],
)
def test_stored_counts_must_nest(counts: dict[str, list[float]]) -> None:
    with pytest.raises(ScoringError, match="rows ≥ weighted_rows ≥ n"):
        estimate_from_totals(_totals(**counts), kind="mean")
