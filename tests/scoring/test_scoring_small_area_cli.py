"""``python -m scoring small-area AREAS.csv ...`` run in process through ``scoring.cli.main``
(so that mutation testing maps these tests to ``scoring.small_area_cli``): R `sae`'s numbers on
its `milk` data, synthetic estimates for areas without a direct estimate, one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from tests.support.scoring_cli import Ran, run_cli

ROOT = Path(__file__).parents[2]
CASES = json.loads((ROOT / "tests/fixtures/small_area/expected.json").read_text())["cases"]
MILK = {case["method"]: case for case in CASES if case["kind"] == "milk"}
COVARIATES = ["--covariates", "major2,major3,major4"]


def run(*args: object) -> Ran:
    return run_cli("small-area", *args)


def milk_csv(path: Path, blank: tuple[int, ...] = ()) -> Path:
    case = MILK["REML"]
    lines = ["area,yi,psi,se,major2,major3,major4"]
    for i, (y, x, v) in enumerate(zip(case["y"], case["X"], case["vardir"], strict=True)):
        direct = "" if i in blank else y
        lines.append(f"a{i + 1:02d},{direct},{v},{np.sqrt(v)},{x[1]},{x[2]},{x[3]}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("method", ["REML", "ML", "FH"])
def test_equals_sae_on_milk(tmp_path: Path, method: str) -> None:
    data = milk_csv(tmp_path / "milk.csv")
    out = run(
        data,
        "--area",
        "area",
        "--direct",
        "yi",
        "--psi",
        "psi",
        *COVARIATES,
        "--method",
        method.lower(),
    )
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    expected = MILK[method]
    assert body["model"]["sigma2_v"] == pytest.approx(expected["sigma2_v"], rel=1e-6)
    assert [b["name"] for b in body["model"]["beta"]] == ["(intercept)", *COVARIATES[1].split(",")]
    np.testing.assert_allclose([a["estimate"] for a in body["areas"]], expected["eblup"], 1e-6)
    np.testing.assert_allclose([a["mse"] for a in body["areas"]], expected["mse"], 1e-6)


def test_se_gives_the_same_fit_as_psi(tmp_path: Path) -> None:
    data = milk_csv(tmp_path / "milk.csv")
    a = json.loads(
        run(data, "--area", "area", "--direct", "yi", "--psi", "psi", *COVARIATES).stdout
    )
    b = json.loads(run(data, "--area", "area", "--direct", "yi", "--se", "se", *COVARIATES).stdout)
    assert a["model"]["sigma2_v"] == pytest.approx(b["model"]["sigma2_v"], rel=1e-9)


def test_csv_marks_synthetic_areas(tmp_path: Path) -> None:
    data = milk_csv(tmp_path / "milk.csv", blank=(0, 5))
    out = run(
        data, "--area", "area", "--direct", "yi", "--psi", "psi", *COVARIATES, "--format", "csv"
    )
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["in_fit"] for r in rows[:6]] == ["False", "True", "True", "True", "True", "False"]
    assert rows[0]["direct"] == "" and rows[0]["shrinkage"] == "0.0"


def test_smoothed_variances_from_interview_counts(tmp_path: Path) -> None:
    data = tmp_path / "areas.csv"
    rng = np.random.default_rng(1)
    n = rng.integers(5, 60, 30)
    x = rng.normal(size=30)
    y = 0.3 + 0.05 * x + rng.normal(0, 0.05, 30)
    data.write_text("area,y,n,x\n" + "".join(f"c{i},{y[i]},{n[i]},{x[i]}\n" for i in range(30)))
    out = run(
        data,
        "--area",
        "area",
        "--direct",
        "y",
        "--n",
        "n",
        "--province-se",
        "0.01",
        "--province-n",
        "900",
        "--covariates",
        "x",
    )
    assert out.returncode == 0, out.stderr
    psi = [a["psi"] for a in json.loads(out.stdout)["areas"]]
    np.testing.assert_allclose(psi, 0.01**2 * 900 / n)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--covariates", "nope"], "no column 'nope'"),
        (["--covariates", " , "], "names no column"),
    ],
)
def test_bad_input_is_one_line_with_status_2(tmp_path: Path, extra: list, message: str) -> None:
    data = milk_csv(tmp_path / "milk.csv")
    out = run(data, "--area", "area", "--direct", "yi", "--psi", "psi", *extra)
    assert out.returncode == 2
    assert message in out.stderr and out.stderr.count("\n") == 1


def test_smoothed_needs_the_province_se_and_n(tmp_path: Path) -> None:
    data = milk_csv(tmp_path / "milk.csv")
    out = run(data, "--area", "area", "--direct", "yi", "--n", "psi", *COVARIATES)
    assert out.returncode == 2 and "--province-se" in out.stderr


def test_an_area_twice_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "twice.csv"
    data.write_text("area,y,psi,x\na,1,0.1,1\na,2,0.1,2\nb,3,0.1,3\n")
    out = run(data, "--area", "area", "--direct", "y", "--psi", "psi", "--covariates", "x")
    assert out.returncode == 2 and "more than once" in out.stderr
