"""Estimates leave the service as CSV and XLSX with the same numbers as the JSON."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.factories import household, household_round
from tests.servers import ROOT

ROUND = "export-round"


@pytest.fixture
def small_round(client, make_round, as_enumerator) -> None:
    make_round(household_round(ROUND))
    payloads = []
    for index in range(12):
        payload = household(fiber_available=index % 3 != 0, fiber_subscribed=False)
        payload["sampling"] = {"stratum": f"s{index % 2}", "psu": f"p{index % 4}", "weight": 10.0}
        payload["location"]["district"] = ["080", "082"][index % 2]
        payloads.append(payload)
    response = client.post(
        f"/api/v1/rounds/{ROUND}/submissions/batch",
        json={"submissions": payloads},
        headers=as_enumerator,
    )
    assert response.json["summary"]["created"] == 12


def json_rows(client, headers) -> list[dict]:
    report = client.get(f"/api/v1/rounds/{ROUND}/estimates?by=district", headers=headers).json
    return [
        {
            "indicator": block["indicator"],
            "domain": r["domain"]["district"],
            "estimate": r["estimate"],
        }
        for block in report["estimates"]
        for r in block["results"]
    ]


def test_csv_by_accept_header_has_one_row_per_indicator_and_domain(client, as_planner, small_round):
    response = client.get(
        f"/api/v1/rounds/{ROUND}/estimates?by=district",
        headers={**as_planner, "Accept": "text/csv"},
    )
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    expected = json_rows(client, as_planner)
    assert [(r["indicator"], r["domain"]) for r in rows] == [
        (e["indicator"], e["domain"]) for e in expected
    ]
    for row, want in zip(rows, expected, strict=True):
        assert float(row["estimate"]) == pytest.approx(want["estimate"], rel=1e-12)


def test_xlsx_has_the_same_numbers_as_json(client, as_planner, small_round):
    response = client.get(
        f"/api/v1/rounds/{ROUND}/estimates?by=district&format=xlsx", headers=as_planner
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    at = {name: header.index(name) for name in ("indicator", "domain", "estimate")}
    expected = json_rows(client, as_planner)
    assert [(r[at["indicator"]], r[at["domain"]]) for r in rows] == [
        (e["indicator"], e["domain"]) for e in expected
    ]
    assert [r[at["estimate"]] for r in rows] == pytest.approx([e["estimate"] for e in expected])


def test_cli_export_writes_the_same_csv(
    store_server, database_name, client, as_planner, small_round, tmp_path: Path
):
    out = tmp_path / "estimates.csv"
    env = {**os.environ, "MONGODB_URI": store_server.uri, "SURVEY_DB": database_name}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "service",
            "export-estimates",
            ROUND,
            "--by",
            "district",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    expected = json_rows(client, as_planner)
    assert [float(r["estimate"]) for r in rows] == pytest.approx([e["estimate"] for e in expected])


def test_cli_export_refuses_an_unknown_round(store_server, database_name):
    env = {**os.environ, "MONGODB_URI": store_server.uri, "SURVEY_DB": database_name}
    done = subprocess.run(
        [sys.executable, "-m", "service", "export-estimates", "no-such-round"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "does not exist" in done.stderr
