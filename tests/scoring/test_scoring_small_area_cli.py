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


def psi_milk(data: Path, *options: object) -> Ran:
    return run(data, "--area", "area", "--direct", "yi", "--psi", "psi", *COVARIATES, *options)


@pytest.mark.parametrize("method", ["REML", "ML", "FH"])
def test_equals_sae_on_milk(tmp_path: Path, method: str) -> None:
    out = psi_milk(milk_csv(tmp_path / "milk.csv"), "--method", method.lower())
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
def test_bad_input_is_one_line_with_status_2(
    tmp_path: Path, extra: list[str], message: str
) -> None:
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


def test_the_help_describes_every_argument() -> None:
    out = run("--help")
    assert out.returncode == 0
    described = " ".join(out.stdout.split())
    for phrase in (
        "AREAS.csv one row per area",
        "--area AREA area label column (each area once)",
        "--direct DIRECT direct estimate column (empty: none)",
        "(--psi COL | --se COL | --n COL)",
        "--psi COL sampling variance of the direct estimate",
        "--se COL standard error of the direct estimate",
        "--n COL interviews per area: smoothed ψ = province_se² · province_n / n (GVF)",
        "--province-se PROVINCE_SE with --n: the province estimate's se",
        "--province-n PROVINCE_N with --n: the province's interviews",
        "--covariates COVARIATES comma list of covariate columns",
        "--method {reml,ml,fh}",
        "--max-iter MAX_ITER",
        "--precision PRECISION",
        "--format {json,csv}",
    ):
        assert phrase in described, phrase


def test_the_command_list_describes_small_area() -> None:
    out = run_cli("--help")
    assert "small-area Fay–Herriot estimates for small areas" in " ".join(out.stdout.split())


@pytest.mark.parametrize("option", ["--area", "--direct", "--covariates"])
def test_the_area_direct_and_covariate_columns_are_required(tmp_path: Path, option: str) -> None:
    given = {"--area": "area", "--direct": "yi", "--covariates": COVARIATES[1]}
    options = [a for name, value in given.items() if name != option for a in (name, value)]
    out = run(milk_csv(tmp_path / "milk.csv"), "--psi", "psi", *options)
    assert out.returncode == 2
    assert f"the following arguments are required: {option}" in out.stderr


def test_one_of_psi_se_and_n_is_required(tmp_path: Path) -> None:
    out = run(milk_csv(tmp_path / "milk.csv"), "--area", "area", "--direct", "yi", *COVARIATES)
    assert out.returncode == 2
    assert "one of the arguments --psi --se --n is required" in out.stderr


def test_psi_and_se_together_are_a_usage_error(tmp_path: Path) -> None:
    out = psi_milk(milk_csv(tmp_path / "milk.csv"), "--se", "se")
    assert out.returncode == 2 and "not allowed with argument" in out.stderr


@pytest.mark.parametrize(
    "option",
    [
        ["--method", "hb"],
        ["--format", "xml"],
        ["--max-iter", "2.5"],
        ["--precision", "small"],
    ],
)
def test_an_unknown_method_or_format_or_a_non_number_is_a_usage_error(
    tmp_path: Path, option: list[str]
) -> None:
    out = psi_milk(milk_csv(tmp_path / "milk.csv"), *option)
    assert out.returncode == 2 and f"argument {option[0]}: invalid" in out.stderr


@pytest.mark.parametrize(("option", "value"), [("--province-se", "a"), ("--province-n", "900.5")])
def test_the_province_se_is_a_number_and_its_interviews_a_count(option: str, value: str) -> None:
    out = run(
        "areas.csv", "--area", "a", "--direct", "y", "--n", "n", "--covariates", "x", option, value
    )
    assert out.returncode == 2 and f"argument {option}: invalid" in out.stderr


def test_the_default_method_is_reml_with_the_default_iterations_and_precision(
    tmp_path: Path,
) -> None:
    data = milk_csv(tmp_path / "milk.csv")
    default = json.loads(psi_milk(data).stdout)
    explicit = psi_milk(data, "--method", "reml", "--max-iter", 100, "--precision", 1e-4)
    assert default == json.loads(explicit.stdout)
    assert default["model"]["method"] == "reml"
    assert default["model"]["iterations"] == MILK["REML"]["iterations"]


def test_max_iter_stops_the_fit_unconverged_with_no_estimate(tmp_path: Path) -> None:
    out = psi_milk(milk_csv(tmp_path / "milk.csv"), "--max-iter", 2)
    model = json.loads(out.stdout)["model"]
    assert (model["converged"], model["iterations"]) == (False, 2)
    assert all(a["estimate"] is None for a in json.loads(out.stdout)["areas"])


def test_a_coarser_precision_stops_the_fit_sooner(tmp_path: Path) -> None:
    out = psi_milk(milk_csv(tmp_path / "milk.csv"), "--precision", 0.5)
    model = json.loads(out.stdout)["model"]
    assert model["converged"] is True
    assert model["iterations"] < MILK["REML"]["iterations"]


def test_each_area_row_has_r_numbers_its_rmse_cv_and_shrinkage(tmp_path: Path) -> None:
    out = psi_milk(milk_csv(tmp_path / "milk.csv"))
    body = json.loads(out.stdout)
    r = MILK["REML"]
    first = body["areas"][0]
    assert list(first) == [
        "area",
        "direct",
        "psi",
        "in_fit",
        "estimate",
        "mse",
        "rmse",
        "cv",
        "shrinkage",
    ]
    assert (first["area"], first["direct"], first["psi"], first["in_fit"]) == (
        "a01",
        r["y"][0],
        r["vardir"][0],
        True,
    )
    assert first["estimate"] == pytest.approx(r["eblup"][0], rel=1e-6)
    assert first["mse"] == pytest.approx(r["mse"][0], rel=1e-6)
    assert first["rmse"] == pytest.approx(np.sqrt(r["mse"][0]), rel=1e-6)
    assert first["cv"] == pytest.approx(np.sqrt(r["mse"][0]) / r["eblup"][0], rel=1e-6)
    gamma = r["sigma2_v"] / (r["sigma2_v"] + r["vardir"][0])
    assert first["shrinkage"] == pytest.approx(gamma, rel=1e-6)


def test_the_model_names_the_intercept_and_each_covariate_as_given(tmp_path: Path) -> None:
    data = milk_csv(tmp_path / "milk.csv")
    out = run(
        data,
        "--area",
        "area",
        "--direct",
        "yi",
        "--psi",
        "psi",
        "--covariates",
        " major2, major3 ,major4,",
    )
    model = json.loads(out.stdout)["model"]
    assert [b["name"] for b in model["beta"]] == ["(intercept)", "major2", "major3", "major4"]
    np.testing.assert_allclose([b["estimate"] for b in model["beta"]], MILK["REML"]["beta"], 1e-6)
    assert model["areas_in_fit"] == 43


def test_an_area_without_a_direct_estimate_gets_the_synthetic_estimate(tmp_path: Path) -> None:
    body = json.loads(psi_milk(milk_csv(tmp_path / "milk.csv", blank=(0,))).stdout)
    first, intercept = body["areas"][0], body["model"]["beta"][0]["estimate"]
    assert (first["direct"], first["in_fit"], first["shrinkage"]) == (None, False, 0.0)
    assert first["estimate"] == pytest.approx(intercept, rel=1e-12)
    assert body["model"]["areas_in_fit"] == 42


def test_a_psi_of_zero_leaves_the_area_out_of_the_fit(tmp_path: Path) -> None:
    data = milk_csv(tmp_path / "milk.csv")
    lines = data.read_text().splitlines()
    fields = lines[1].split(",")
    fields[2] = "0"
    data.write_text("\n".join([lines[0], ",".join(fields), *lines[2:]]) + "\n")
    first = json.loads(psi_milk(data).stdout)["areas"][0]
    assert (first["direct"], first["psi"], first["in_fit"]) == (MILK["REML"]["y"][0], None, False)


def test_se_is_squared_into_psi(tmp_path: Path) -> None:
    data = milk_csv(tmp_path / "milk.csv")
    out = run(data, "--area", "area", "--direct", "yi", "--se", "se", *COVARIATES)
    psi = [a["psi"] for a in json.loads(out.stdout)["areas"]]
    np.testing.assert_allclose(psi, MILK["REML"]["vardir"], 1e-12)


def test_an_area_without_an_interview_count_is_refused_naming_its_line(tmp_path: Path) -> None:
    data = tmp_path / "areas.csv"
    data.write_text("area,y,n,x\na,0.3,10,1\nb,0.4,,2\nc,0.5,30,3\n")
    smoothed = ["--n", "n", "--province-se", "0.01", "--province-n", "900"]
    out = run(data, "--area", "area", "--direct", "y", *smoothed, "--covariates", "x")
    assert out.returncode == 2
    assert out.stderr == "error: column 'n' line 3: missing value\n"


def test_a_missing_covariate_value_is_refused_naming_its_line(tmp_path: Path) -> None:
    data = tmp_path / "areas.csv"
    data.write_text("area,y,psi,x\na,0.3,0.1,1\nb,0.4,0.1,\nc,0.5,0.1,3\n")
    out = run(data, "--area", "area", "--direct", "y", "--psi", "psi", "--covariates", "x")
    assert out.returncode == 2
    assert out.stderr == "error: column 'x' line 3: missing value\n"


def test_the_refusals_say_what_is_wrong_in_one_line(tmp_path: Path) -> None:
    data = milk_csv(tmp_path / "milk.csv")
    twice = tmp_path / "twice.csv"
    twice.write_text("area,y,psi,x\na,1,0.1,1\na,2,0.1,2\nb,3,0.1,3\n")
    assert run(
        twice, "--area", "area", "--direct", "y", "--psi", "psi", "--covariates", "x"
    ).stderr == ("error: column 'area': an area appears more than once\n")
    no_covariate = run(
        data, "--area", "area", "--direct", "yi", "--psi", "psi", "--covariates", ","
    )
    assert no_covariate.stderr == "error: --covariates names no column\n"
    smoothed = run(
        data, "--area", "area", "--direct", "yi", "--n", "psi", "--province-se", "0.1", *COVARIATES
    )
    assert smoothed.stderr == "error: --n needs --province-se and --province-n\n"


def test_the_json_is_indented_by_one_space_and_ends_with_a_newline(tmp_path: Path) -> None:
    out = psi_milk(milk_csv(tmp_path / "milk.csv"))
    assert out.stdout.startswith('{\n "model": {\n  "method": "reml",\n')
    assert out.stdout.endswith("\n ]\n}\n")


def test_the_csv_has_one_line_per_area_under_its_header(tmp_path: Path) -> None:
    out = psi_milk(milk_csv(tmp_path / "milk.csv", blank=(0,)), "--format", "csv")
    lines = out.stdout.split("\n")
    assert lines[0] == "area,direct,psi,in_fit,estimate,mse,rmse,cv,shrinkage"
    assert lines[1].startswith("a01,,0.026569,False,")
    assert len(lines) == 45 and lines[-1] == ""
