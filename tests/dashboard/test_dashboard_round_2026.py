"""The planners' dashboard on the demo's 2026 household round (the merged Lào Cai, vn-2025-07,
docs/design.md §13): it opens on that round, the newest with data, and its commune breakdown
has a row for each of the 99 communes, in the chart's map table and in the table view."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from catalogue.geography import load_version
from service.demo import HOUSEHOLD_ROUND_2026, NEW_GEOGRAPHY
from tests.support.dashboard_support import (
    DemoServer,
    open_page,
    shown,
    sign_in,
    sign_in_and_wait,
    wait_shown,
)

pytestmark = pytest.mark.browser

COMMUNES = {unit.code for unit in load_version(NEW_GEOGRAPHY).communes}


def open_fresh(driver: WebDriver, url: str) -> None:
    """The page at `url` with nothing remembered: no token, no language, no earlier round."""
    open_page(driver, url)
    driver.execute_script("sessionStorage.clear(); localStorage.clear();")
    open_page(driver, url)


def test_the_dashboard_opens_on_the_2026_round(
    chromium: WebDriver, demo_server: DemoServer
) -> None:
    open_fresh(chromium, f"{demo_server.url}/dashboard")
    sign_in(chromium, demo_server.planner)
    wait_shown(chromium)

    assert shown(chromium).split("|")[0] == HOUSEHOLD_ROUND_2026
    assert "#round=laocai-2026-household" in chromium.current_url


def open_by_commune(driver: WebDriver, demo_server: DemoServer, view: str) -> None:
    url = f"{demo_server.url}/dashboard#round={HOUSEHOLD_ROUND_2026}&by=commune&view={view}"
    open_fresh(driver, url)
    sign_in_and_wait(driver, demo_server.planner, HOUSEHOLD_ROUND_2026, by="commune", view=view)


def first_card_codes(driver: WebDriver) -> list[str]:
    card = driver.find_element(By.CSS_SELECTOR, "section.indicator")
    return [
        row.get_attribute("data-code")
        for row in card.find_elements(By.CSS_SELECTOR, "tr[data-code]")
    ]


def test_the_2026_commune_map_table_has_a_row_for_each_of_the_99_communes(
    chromium: WebDriver, demo_server: DemoServer
) -> None:
    open_by_commune(chromium, demo_server, "chart")
    codes = first_card_codes(chromium)

    assert len(codes) == 99 and set(codes) == COMMUNES


def test_the_2026_commune_table_has_the_province_and_each_sampled_commune(
    chromium: WebDriver, demo_server: DemoServer
) -> None:
    open_by_commune(chromium, demo_server, "table")
    codes = first_card_codes(chromium)
    report = demo_server.estimates(HOUSEHOLD_ROUND_2026, by="commune", overall="true")
    sampled = {r["domain"]["commune"] for r in report["estimates"][0]["results"] if r["domain"]}

    assert codes[0] == ""  # the province first
    assert len(sampled) == 60 and sorted(codes[1:]) == sorted(sampled)
    assert sampled <= COMMUNES
