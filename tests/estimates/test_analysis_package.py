"""The analysis package (docs/design.md §15): its design.R, run with R's survey package,
reproduces the API's published province and by-district estimates of the demo rounds to 1e-9,
and R's haven reads data.dta and data.sav with their labels."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from service import demo
from service.loading import load_demo
from tests.support.apps import module_app

FILES = {"data.csv", "data.dta", "data.sav", "codebook.csv", "design.R", "design.do", "README.txt"}


@pytest.fixture(scope="module")
def demo_api(store_server) -> Iterator[tuple[FlaskClient, dict[str, dict[str, str]]]]:
    with module_app(store_server.uri, "package") as (client, headers):
        load_demo(client.application.extensions["store"])
        yield client, headers


def rscript() -> str:
    path = shutil.which("Rscript")
    if path is None:
        pytest.fail("R is needed: apt-get install r-base-core r-cran-survey r-cran-haven")
    return path


def unzipped(client: FlaskClient, headers: dict[str, str], round_id: str, folder: Path) -> Path:
    response = client.get(f"/api/v1/rounds/{round_id}/analysis-package", headers=headers)
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as package:
        assert set(package.namelist()) == FILES
        package.extractall(folder)
    return folder


def api_estimates(client: FlaskClient, headers: dict[str, str], round_id: str, by: str | None):
    query = {"suppressed": "show", **({"by": by} if by else {})}
    report = client.get(
        f"/api/v1/rounds/{round_id}/estimates", query_string=query, headers=headers
    ).json
    return {
        (block["indicator"], "" if r["domain"] is None else r["domain"][by]): r
        for block in report["estimates"]
        for r in block["results"]
    }


def assert_design_r_reproduces_the_api(
    client: FlaskClient, headers: dict[str, str], round_id: str, folder: Path
) -> int:
    """Runs the unzipped design.R and compares its province and by-district estimates and se
    with the API's to 1e-9; returns how many it compared."""
    done = subprocess.run(
        [rscript(), "design.R", "r.csv"], cwd=folder, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    r_rows = list(csv.DictReader((folder / "r.csv").open(encoding="utf-8")))

    compared = 0
    for by in (None, "district"):
        api = api_estimates(client, headers, round_id, by)
        for row in r_rows:
            if row["by"] != (by or ""):
                continue
            result = api[(row["indicator"], row["domain"])]
            if result["estimate"] is None:
                continue
            assert float(row["estimate"]) == pytest.approx(result["estimate"], abs=1e-9), row
            if result["se"] is not None:
                assert float(row["se"]) == pytest.approx(result["se"], abs=1e-9), row
            compared += 1
    return compared


@pytest.mark.parametrize("round_id", [demo.HOUSEHOLD_ROUND, demo.BUSINESS_ROUND])
def test_design_r_reproduces_the_published_province_and_district_estimates(
    demo_api, tmp_path: Path, round_id: str
) -> None:
    client, headers = demo_api
    folder = unzipped(client, headers["analyst"], round_id, tmp_path)
    assert assert_design_r_reproduces_the_api(client, headers["analyst"], round_id, folder) > 20


def test_haven_reads_the_stata_and_spss_files_with_their_labels(demo_api, tmp_path: Path) -> None:
    client, headers = demo_api
    folder = unzipped(client, headers["admin"], demo.HOUSEHOLD_ROUND, tmp_path)
    script = """
suppressMessages(library(haven))
for (f in c("data.dta", "data.sav")) {
  d <- if (grepl("dta$", f)) read_dta(f) else read_sav(f)
  stopifnot(attr(d$final_weight, "label") == "Final weight = w_design * g")
  stopifnot(identical(unname(attr(d$fiber_available, "labels")), c(0, 1)))
  stopifnot(identical(names(attr(d$fiber_available, "labels")), c("no", "yes")))
  stopifnot(is.character(d$district), all(nchar(d$district) == 3))
  cat(f, nrow(d), "\\n")
}
"""
    done = subprocess.run(
        [rscript(), "-e", script], cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    rows = sum(1 for _ in csv.DictReader((folder / "data.csv").open(encoding="utf-8")))
    assert done.stdout.split() == ["data.dta", str(rows), "data.sav", str(rows)]


def test_the_data_keeps_codes_as_text_and_counts_every_interview_in_the_estimates(
    demo_api, tmp_path: Path
) -> None:
    client, headers = demo_api
    folder = unzipped(client, headers["analyst"], demo.HOUSEHOLD_ROUND, tmp_path)
    rows: list[dict[str, Any]] = list(csv.DictReader((folder / "data.csv").open(encoding="utf-8")))
    report = client.get(
        f"/api/v1/rounds/{demo.HOUSEHOLD_ROUND}/estimates",
        query_string={"indicator": "fiber_available", "suppressed": "show"},
        headers=headers["analyst"],
    ).json
    assert len(rows) == report["estimates"][0]["results"][0]["n"]
    assert all(row["district"].startswith("0") for row in rows)
    assert {row["fiber_available"] for row in rows} <= {"true", "false"}
    population = report["estimates"][0]["results"][0]["population"]
    assert sum(float(row["final_weight"]) for row in rows) == pytest.approx(population, rel=1e-12)


def test_a_planner_gets_no_package(demo_api) -> None:
    client, headers = demo_api
    url = f"/api/v1/rounds/{demo.HOUSEHOLD_ROUND}/analysis-package"
    assert client.get(url, headers=headers["planner"]).status_code == 403
