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

from tests.support.factories import household, household_round
from tests.support.servers import ROOT

ROUND = "export-round"


def load_households(client, headers, round_id: str, psus: int, districts: list[str]) -> None:
    """One household per district in `districts`, weight 10, two strata, `psus` PSUs; a third
    of them without fiber, none subscribing."""
    payloads = []
    for index, district in enumerate(districts):
        payload = household(fiber_available=index % 3 != 0, fiber_subscribed=False)
        psu = f"p{index % psus}"
        payload["sampling"] = {"stratum": f"s{index % 2}", "psu": psu, "weight": 10.0}
        payload["location"]["district"] = district
        payloads.append(payload)
    response = client.post(
        f"/api/v1/rounds/{round_id}/submissions/batch",
        json={"submissions": payloads},
        headers=headers,
    )
    assert response.json["summary"]["created"] == len(districts)


@pytest.fixture
def small_round(client, make_round, as_enumerator) -> None:
    make_round(household_round(ROUND))
    load_households(client, as_enumerator, ROUND, psus=4, districts=["080", "082"] * 6)


def json_rows(client, headers) -> list[dict]:
    report = client.get(
        f"/api/v1/rounds/{ROUND}/estimates?by=district&suppressed=show", headers=headers
    ).json
    return [
        {
            "indicator": block["indicator"],
            "domain": r["domain"]["district"],
            "estimate": r["estimate"],
        }
        for block in report["estimates"]
        for r in block["results"]
    ]


def test_csv_by_accept_header_has_one_row_per_indicator_and_domain(client, as_analyst, small_round):
    response = client.get(
        f"/api/v1/rounds/{ROUND}/estimates?by=district&suppressed=show",
        headers={**as_analyst, "Accept": "text/csv"},
    )
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    expected = json_rows(client, as_analyst)
    assert [(r["indicator"], r["domain"]) for r in rows] == [
        (e["indicator"], e["domain"]) for e in expected
    ]
    for row, want in zip(rows, expected, strict=True):
        assert float(row["estimate"]) == pytest.approx(want["estimate"], rel=1e-12)


def test_xlsx_has_the_same_numbers_as_json(client, as_analyst, small_round):
    response = client.get(
        f"/api/v1/rounds/{ROUND}/estimates?by=district&format=xlsx&suppressed=show&lang=en",
        headers=as_analyst,
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    expected = json_rows(client, as_analyst)
    assert header[:4] == ["Indicator", "Breakdown", "Area", "Estimate"]
    assert [r[1] for r in rows] == ["District"] * len(expected)
    assert [r[3] for r in rows] == pytest.approx([e["estimate"] for e in expected])


def test_xlsx_is_report_ready_in_either_language(client, as_analyst, mixed_round):
    """Names not codes, words for reliability and the target, percentages to one decimal,
    widths, a frozen header and a notes sheet; read back with openpyxl."""
    url = f"/api/v1/rounds/{MIXED}/estimates?by=district&overall=true&format=xlsx"
    for lang, words in (
        ("vi", ("Chỉ tiêu", "Toàn tỉnh Lào Cai", "Ghi chú", "Quyết định 411/QĐ-TTg")),
        ("en", ("Indicator", "Lào Cai province", "Notes", "Decision 411/QĐ-TTg")),
    ):
        book = load_workbook(io.BytesIO(client.get(f"{url}&lang={lang}", headers=as_analyst).data))
        sheet, notes = book.worksheets
        header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert header[0] == words[0] and sheet.freeze_panes == "A2"
        assert rows[0][2] == words[1]
        assert notes.title == words[2]
        assert any(words[3] in str(row[-1]) for row in rows if row[-1])
        assert all("080" not in str(row[2]) and "082" not in str(row[2]) for row in rows)
        fiber = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 4).value is not None)
        assert sheet.cell(fiber, 4).number_format == "0.0%"
        assert sheet.column_dimensions["A"].width >= 30
        verdicts = {row[7] for row in rows}
        assert verdicts <= {"Tin cậy", "Dùng thận trọng", "Không công bố"} | {
            "Reliable",
            "Use with care",
            "Not published",
        }
        notes_text = " ".join(str(c) for row in notes.iter_rows(values_only=True) for c in row)
        assert "mixed-round" in notes_text


def test_cli_export_writes_the_same_csv(
    store_server, database_name, client, as_analyst, small_round, tmp_path: Path
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
            "--suppressed",
            "show",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    expected = json_rows(client, as_analyst)
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


WITHHELD = ("estimate", "se", "ci_low", "ci_high", "deff", "n_eff", "cv", "population")
MIXED = "mixed-round"


@pytest.fixture
def mixed_round(client, make_round, as_enumerator) -> None:
    """District 080: 40 interviews, nobody subscribes to fiber (shown, at the 0% boundary);
    district 082: 6 interviews (every estimate suppressed for too few interviews)."""
    make_round(household_round(MIXED))
    load_households(client, as_enumerator, MIXED, psus=6, districts=["080"] * 40 + ["082"] * 6)


def estimates_csv(client, headers, query: str) -> list[dict[str, str]]:
    response = client.get(f"/api/v1/rounds/{MIXED}/estimates?format=csv&{query}", headers=headers)
    assert response.status_code == 200, response.data
    return list(csv.DictReader(io.StringIO(response.data.decode())))


def test_an_analyst_asking_show_gets_a_suppressed_estimate_with_its_numbers_and_flag(
    client, as_analyst, mixed_round
):
    rows = estimates_csv(client, as_analyst, "by=district&suppressed=show")

    suppressed = [row for row in rows if row["reliability"] == "suppress"]
    assert suppressed
    assert all(row["estimate"] and row["ci_low"] and row["se"] for row in suppressed)


def test_by_default_every_caller_gets_the_withheld_table(
    client, as_planner, as_analyst, mixed_round
):
    default = estimates_csv(client, as_analyst, "by=district")

    assert default == estimates_csv(client, as_planner, "by=district&suppressed=withhold")
    assert all(row["estimate"] == "" for row in default if row["reliability"] == "suppress")


def test_a_planner_asking_show_is_refused(client, as_planner, mixed_round):
    url = f"/api/v1/rounds/{MIXED}/estimates?by=district&suppressed=show"
    response = client.get(url, headers=as_planner)

    assert response.status_code == 403
    assert "analyst" in response.json["detail"]


def test_withholding_blanks_every_number_of_a_suppressed_estimate_and_keeps_its_reasons(
    client, as_planner, mixed_round
):
    rows = estimates_csv(client, as_planner, "by=district&suppressed=withhold")

    suppressed = [row for row in rows if row["reliability"] == "suppress"]
    assert {row["domain"] for row in suppressed} >= {"082"}
    for row in suppressed:
        assert [row[name] for name in WITHHELD] == [""] * len(WITHHELD)
        assert row["reliability_reasons"] and row["n"]
    assert all(row["reliability_reasons"] == "n_eff" for row in rows if row["domain"] == "082")


def test_withholding_keeps_every_number_of_a_shown_estimate(
    client, as_analyst, as_planner, mixed_round
):
    query = "by=district&overall=true"
    shown = estimates_csv(client, as_analyst, f"{query}&suppressed=show")
    withheld = estimates_csv(client, as_planner, query)

    kept = [(a, b) for a, b in zip(shown, withheld, strict=True) if b["estimate"]]
    assert any(a["indicator"] == "fiber_subscribed" and a["domain"] == "" for a, _ in kept)
    assert all(a == b for a, b in kept)


def test_with_two_districts_one_withheld_the_other_is_withheld_too(client, as_planner, mixed_round):
    """Province and district 080 would give 082 back: 080 is withheld as its complement."""
    rows = estimates_csv(client, as_planner, "by=district")

    checked = 0
    for indicator in {row["indicator"] for row in rows}:
        mine = {row["domain"]: row for row in rows if row["indicator"] == indicator}
        if mine["082"]["reliability"] == "suppress" and mine["082"]["n"] != "0":
            assert mine["080"]["estimate"] == "", indicator
            own = mine["080"]["reliability"] == "suppress"
            assert own or "complementary" in mine["080"]["reliability_reasons"], indicator
            checked += not own
    assert checked, "district 080 is withheld as a complement somewhere"


def test_withholding_applies_to_json_and_xlsx_alike(client, as_planner, mixed_round):
    url = f"/api/v1/rounds/{MIXED}/estimates?by=district&suppressed=withhold"
    report = client.get(url, headers=as_planner).json
    sheet = load_workbook(
        io.BytesIO(client.get(f"{url}&format=xlsx&lang=en", headers=as_planner).data)
    ).worksheets[0]
    _, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]

    results = [r for block in report["estimates"] for r in block["results"]]
    for result, row in zip(results, rows, strict=True):
        if result["estimate"] is None:
            assert [result[name] for name in WITHHELD] == [None] * len(WITHHELD)
            assert row[3:6] == [None, None, None] and row[7] == "Not published"


def test_cli_export_withholds_suppressed_numbers_as_the_api_does(
    store_server, database_name, client, as_planner, mixed_round, tmp_path: Path
):
    out = tmp_path / "withheld.csv"
    env = {**os.environ, "MONGODB_URI": store_server.uri, "SURVEY_DB": database_name}
    command = [sys.executable, "-m", "service", "export-estimates", MIXED, "--by", "district"]
    command += ["--suppressed", "withhold", "--overall", "--out", str(out)]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)

    def without_time(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        return [{k: v for k, v in row.items() if k != "computed_at"} for row in rows]

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    api = estimates_csv(client, as_planner, "by=district&suppressed=withhold&overall=true")
    assert without_time(rows) == without_time(api)


def test_an_unknown_suppression_policy_is_refused_with_its_field(client, as_planner, mixed_round):
    response = client.get(f"/api/v1/rounds/{MIXED}/estimates?suppressed=hide", headers=as_planner)

    assert response.status_code == 422
    assert "suppressed" in response.json["errors"]


def test_overall_puts_each_indicators_province_row_before_its_domains(
    client, as_planner, mixed_round
):
    province = client.get(f"/api/v1/rounds/{MIXED}/estimates", headers=as_planner).json
    rows = estimates_csv(client, as_planner, "by=district&overall=true")

    firsts = {}
    for row in rows:
        firsts.setdefault(row["indicator"], row)
    for block in province["estimates"]:
        first = firsts[block["indicator"]]
        assert (first["domain"], first["by"]) == ("", "")
        want = block["results"][0]["estimate"]
        assert first["estimate"] == "" if want is None else float(first["estimate"]) == want
    assert len(rows) == len(province["estimates"]) * 3


def test_the_openapi_document_describes_the_suppression_policy(client):
    spec = client.get("/openapi.json").json
    parameters = spec["paths"]["/api/v1/rounds/{round_id}/estimates"]["get"]["parameters"]

    suppressed = next(p for p in parameters if p["name"] == "suppressed")
    assert suppressed["schema"]["enum"] == ["show", "withhold"]
    assert suppressed["schema"]["default"] == "withhold"
    assert "withhold" in suppressed["description"]


def test_cli_export_reports_an_older_round_in_a_newer_geography(
    store_server, database_name, client, make_round, as_enumerator, as_analyst, tmp_path: Path
):
    """`--geography` re-expresses the round through the crosswalk, as `?geography=` does."""
    old = "export-old-map"
    make_round(household_round(old, geography="vn-2025-03", coverage=["10"]))
    load_households(client, as_enumerator, old, psus=4, districts=["080"] * 12)
    out = tmp_path / "new-map.csv"
    env = {**os.environ, "MONGODB_URI": store_server.uri, "SURVEY_DB": database_name}
    command = [sys.executable, "-m", "service", "export-estimates", old, "--by", "commune"]
    command += ["--geography", "vn-2025-07", "--suppressed", "show", "--out", str(out)]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    report = client.get(
        f"/api/v1/rounds/{old}/estimates",
        query_string={"by": "commune", "geography": "vn-2025-07", "suppressed": "show"},
        headers=as_analyst,
    ).json
    expected = [r for block in report["estimates"] for r in block["results"]]
    assert {r["domain"] for r in rows} == {"02647"}  # 02641 became part of 02647
    assert [float(r["estimate"]) for r in rows if r["estimate"]] == pytest.approx(
        [e["estimate"] for e in expected if e["estimate"] is not None]
    )
