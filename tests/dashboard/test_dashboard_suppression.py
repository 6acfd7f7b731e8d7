"""No suppressed estimate reaches a planner: for every round of the demo, in both languages, in
every breakdown, neither the page (chart or table, tooltips included) nor the dashboard's CSV and
XLSX downloads carry a number of an estimate whose reliability is `suppress` (NCHS: such numbers
are not presented); they say why instead."""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from service import demo
from tests.support.dashboard_support import (
    DemoServer,
    choose,
    clear_downloads,
    downloaded,
    show_view,
    sign_in_and_wait,
    switch_language,
    wait_shown,
)

pytestmark = pytest.mark.browser

CHECKS_DIR = Path(__file__).parents[1] / "dashboard_checks"
SHOWN_ROWS = (CHECKS_DIR / "shown_rows.js").read_text()
WITHHELD = ("estimate", "se", "ci_low", "ci_high", "deff", "n_eff", "cv", "population")
# columns that do not come from the estimate (a target of 100% may equal an estimate of 1)
NOT_FROM_THE_ESTIMATE = {"target", "level", "n", "df", "population", "data_version"}
NOT_PUBLISHED = {"vi": "Không công bố", "en": "Not published"}


def suppressed_results(
    demo_server: DemoServer, round_id: str, by: str
) -> dict[tuple[str, str], dict[str, Any]]:
    """(indicator, domain code or '') → the full result of each withheld estimate: unreliable,
    or withheld as the complement of one (docs/design.md §15)."""
    return demo_server.withheld(round_id, by=by, overall="true")


def written_forms(value: float, is_rate: bool) -> set[str]:
    """How the page would write a number, in either language (one decimal, a true minus)."""
    text = f"{value * 100 if is_rate else value:.1f}".replace("-", "\u2212")
    forms = {text, text.replace(".", ",")}
    return {f"{form}%" for form in forms} if is_rate else forms


def is_rate(demo_server: DemoServer, indicator: str) -> bool:
    items = demo_server.get("/api/v1/indicators").json()["items"]
    info = next(item for item in items if item["id"] == indicator)
    return info["is_rate"]


def page_rows(browser: WebDriver) -> list[dict[str, Any]]:
    return browser.execute_script(SHOWN_ROWS)


def assert_page_withholds(
    browser: WebDriver, demo_server: DemoServer, suppressed: dict, lang: str, round_id: str = ""
) -> None:
    rows = page_rows(browser)
    answers: dict[str, dict[str, Any]] = {}

    def model_forms(row: dict[str, Any], rate: bool) -> set[str]:
        """How the page writes the small-area numbers published for the row's commune."""
        if row["indicator"] not in answers:
            answers[row["indicator"]] = demo_server.get(
                f"/api/v1/rounds/{round_id}/small-area", indicator=row["indicator"]
            ).json()
        commune = next(
            c for c in answers[row["indicator"]]["communes"] if c["commune"] == row["code"]
        )
        published = commune["published"]
        return {
            form
            for name in ("estimate", "ci_low", "ci_high")
            for form in written_forms(published[name], rate)
        }

    seen = set()
    for row in rows:
        key = (row["indicator"], "" if row["code"] == "summary" else row["code"])
        result = suppressed.get(key)
        if result is None:
            continue
        seen.add(key)
        if row["state"].startswith("map-"):
            # the map shows the small-area answer: withheld, or the model's number, never this one
            assert row["state"] != "map-direct", row
        elif row["code"] != "summary":
            assert row["state"] == "suppress" and row["marks"] == 0, row
            assert NOT_PUBLISHED[lang] in row["words"], row
        rate = is_rate(demo_server, row["indicator"])
        for name in ("estimate", "ci_low", "ci_high"):
            value = result[name]
            for form in written_forms(value, rate) if value is not None else ():
                if row["state"] == "map-model" and form in model_forms(row, rate):
                    continue  # the model's own number, which happens to read the same
                # the number itself, not the end of another one (7,1% inside 17,1%)
                printed = re.compile(rf"(?<![\d.,]){re.escape(form)}")
                assert not printed.search(row["words"]), (name, form, row)
    assert seen >= set(suppressed), "every suppressed estimate has its row"


def assert_download_withholds(rows: list[dict[str, Any]], suppressed: dict) -> None:
    flagged = {
        (row["indicator"], row["domain"]): row
        for row in rows
        if row["reliability"] == "suppress" or "complementary" in row["reliability_reasons"]
    }
    assert set(suppressed) <= set(flagged)
    for key, row in flagged.items():
        assert [row[name] for name in WITHHELD] == [""] * len(WITHHELD), row
        assert row["reliability_reasons"], row
        result = suppressed.get(key)
        if result:
            numbers = {result[name] for name in WITHHELD if result[name] is not None}
            cells = {float_or_none(v) for k, v in row.items() if k not in NOT_FROM_THE_ESTIMATE}
            assert not numbers & cells, row


def float_or_none(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def downloaded_rows(browser: WebDriver, downloads: Path) -> list[dict[str, Any]]:
    clear_downloads(downloads)
    browser.find_element(By.ID, "download-csv").click()
    return list(csv.DictReader(io.StringIO(downloaded(downloads, ".csv").read_text("utf-8"))))


def assert_report_withholds(
    browser: WebDriver, downloads: Path, report: dict[str, Any], suppressed: dict, lang: str
) -> None:
    """The report-ready XLSX, row by row against the planner's answer (same order: each
    indicator's province, then its domains): a withheld row says so in words and has no
    estimate nor limits; every other row has the answer's numbers."""
    clear_downloads(downloads)
    browser.find_element(By.ID, "download-xlsx").click()
    sheet = load_workbook(downloaded(downloads, ".xlsx"), read_only=True).worksheets[0]
    _, *rows = list(sheet.iter_rows(values_only=True))
    results = [
        ((block["indicator"], next(iter(r["domain"].values())) if r["domain"] else ""), r)
        for block in report["estimates"]
        for r in block["results"]
    ]
    assert len(rows) == len(results)
    for row, (key, result) in zip(rows, results, strict=True):
        numbers = tuple(result[name] for name in ("estimate", "ci_low", "ci_high"))
        for cell, number in zip(row[3:6], numbers, strict=True):  # a cell keeps 16 digits
            assert cell == number or math.isclose(cell, number, rel_tol=1e-14), (key, row)
        if key in suppressed:
            assert numbers == (None, None, None) and NOT_PUBLISHED[lang] in row, (key, row)


def assert_round_withholds(
    browser: WebDriver, demo_server: DemoServer, downloads: Path, round_doc: dict, lang: str
) -> int:
    """Every breakdown of one round, chart, table and downloads; how many suppressed estimates."""
    browser.find_element(By.ID, f"round-{round_doc['id']}").click()
    checked = 0
    for by in round_doc["domains"]:  # by its geography: no district after 1 July 2025 (§13)
        choose(browser, "by-select", by)
        wait_shown(browser, round=round_doc["id"], by=by, view="chart")
        suppressed = suppressed_results(demo_server, round_doc["id"], by)
        assert_page_withholds(browser, demo_server, suppressed, lang, round_doc["id"])
        show_view(browser, "table")
        assert_page_withholds(browser, demo_server, suppressed, lang, round_doc["id"])
        assert_download_withholds(downloaded_rows(browser, downloads), suppressed)
        report = demo_server.estimates(round_doc["id"], by=by, overall="true")
        assert_report_withholds(browser, downloads, report, suppressed, lang)
        show_view(browser, "chart")
        checked += len(suppressed)
    return checked


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_suppressed_estimate_of_any_demo_round_appears_on_the_page_or_in_the_downloads(
    browser: WebDriver, demo_server: DemoServer, downloads: Path, lang: str
) -> None:
    switch_language(browser, lang)
    sign_in_and_wait(browser, demo_server.planner, lang=lang)
    rounds = demo_server.rounds()
    assert {r["id"] for r in rounds} >= {body["id"] for body in demo.rounds()}

    for round_doc in rounds:
        checked = assert_round_withholds(browser, demo_server, downloads, round_doc, lang)
        assert checked > 0, f"{round_doc['id']} has suppressed estimates to withhold"
