"""The dashboard is usable by everyone: axe-core finds no WCAG 2.1 A/AA violation on any view,
the focus ring stands out at 3:1, and no label, option or chart text is cut off at 1280 px or
on a 390 px phone, in either language.

axe-core comes from npm (pinned in tests/axe/package-lock.json, installed with `npm ci`) and is
injected into the page by WebDriver, which the page's CSP does not restrict.
"""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from service.demo import BUSINESS_ROUND, HOUSEHOLD_ROUND
from service.samples.demo import FIELDWORK_ROUND
from tests.support.dashboard_support import (
    CHECKS,
    DESKTOP,
    PHONE,
    DemoServer,
    axe_violations,
    cut_off,
    open_page,
    screenshot,
    set_viewport,
    sign_in,
    sign_in_and_wait,
    switch_language,
    wait_for,
)

pytestmark = pytest.mark.browser


def on_board(
    driver: WebDriver, demo_server: DemoServer, round_id: str = HOUSEHOLD_ROUND, **view: str
) -> None:
    """The signed-in board, the page opened with `view` in its fragment."""
    fragment = "&".join(f"{k}={v}" for k, v in {"round": round_id, **view}.items())
    open_page(driver, f"{demo_server.url}/dashboard#{fragment}")
    sign_in_and_wait(driver, demo_server.planner, round_id, **view)


SIGN_IN, WRONG_TOKEN = "sign-in", "wrong-token"
# name: (viewport, language, where: the sign-in page, after a wrong token, or a board view)
VIEWS: dict[str, tuple[tuple[int, int], str, str | dict[str, str]]] = {
    "sign-in": (DESKTOP, "vi", SIGN_IN),
    "sign-in with a wrong token": (DESKTOP, "en", WRONG_TOKEN),
    "chart, en": (DESKTOP, "en", {"round_id": BUSINESS_ROUND}),
    "chart, vi": (DESKTOP, "vi", {"round_id": HOUSEHOLD_ROUND, "by": "area"}),
    "table, en": (DESKTOP, "en", {"round_id": HOUSEHOLD_ROUND, "view": "table"}),
    "table, vi": (DESKTOP, "vi", {"round_id": BUSINESS_ROUND, "view": "table"}),
    "advanced choices": (DESKTOP, "en", {"ci": "beta", "level": "0.9"}),
    "phone, chart": (PHONE, "vi", {"round_id": BUSINESS_ROUND}),
    "phone, table": (PHONE, "vi", {"round_id": HOUSEHOLD_ROUND, "view": "table"}),
    "phone, sign-in": (PHONE, "vi", SIGN_IN),
}


def arrive_at(browser: WebDriver, demo_server: DemoServer, name: str) -> None:
    size, lang, where = VIEWS[name]
    set_viewport(browser, size)
    switch_language(browser, lang)
    if where == WRONG_TOKEN:
        sign_in(browser, "not-a-real-token")
        wait_for(browser, lambda d: d.find_element(By.ID, "signin-error").is_displayed())
    elif isinstance(where, dict):
        on_board(browser, demo_server, **where)


@pytest.mark.parametrize("name", list(VIEWS))
def test_axe_finds_no_wcag_21_a_or_aa_violation(
    browser: WebDriver, demo_server: DemoServer, axe_script: str, name: str
) -> None:
    arrive_at(browser, demo_server, name)

    assert axe_violations(browser, axe_script) == []


def tab_through(driver: WebDriver, presses: int) -> list[dict[str, Any]]:
    """Tab from the top of the page `presses` times: each focused element's ring
    (tests/dashboard_checks/focus_contrast.js), until Tab leaves the page."""
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    rings = []
    for _ in range(presses):
        rings.append(driver.execute_script(CHECKS["focus_contrast"]))
        driver.switch_to.active_element.send_keys(Keys.TAB)
    return [ring for ring in rings if ring["id"] != "BODY"]  # Tab left the page: no ring


def stands_out(ring: dict[str, Any]) -> bool:
    """A ring WCAG 1.4.11 accepts: drawn, at least 2 px, 3:1 against its background."""
    return ring["style"] != "none" and ring["width"] >= 2 and ring["ratio"] >= 3


@pytest.mark.parametrize("name", ["sign-in", "chart, en", "phone, chart"])
def test_every_focus_ring_has_3_to_1_contrast_against_its_background(
    browser: WebDriver, demo_server: DemoServer, name: str
) -> None:
    arrive_at(browser, demo_server, name)
    browser.refresh()  # a keyboard user arriving: Tab from the top of the page
    wait_for(browser, lambda d: d.execute_script("return document.readyState") == "complete")
    rings = tab_through(browser, 14)

    assert {ring["id"] for ring in rings} >= {"skip-link", "lang-vi", "lang-en"}
    assert [ring for ring in rings if not stands_out(ring)] == []


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("view", ["chart", "table"])
def test_no_label_option_or_chart_text_is_cut_off(
    browser: WebDriver, demo_server: DemoServer, size: tuple[int, int], lang: str, view: str
) -> None:
    set_viewport(browser, size)
    switch_language(browser, lang)
    on_board(browser, demo_server, BUSINESS_ROUND, by="district", view=view)
    browser.find_element(By.CSS_SELECTOR, "#advanced summary").click()

    assert cut_off(browser, size[0]) == []


def on_fieldwork(driver: WebDriver, demo_server: DemoServer, lang: str, size: tuple[int, int]):
    """The fieldwork page signed in as a supervisor (progress and quality), every "what the
    columns mean" open and one flagged form shown."""
    set_viewport(driver, size)
    open_page(driver, f"{demo_server.url}/dashboard/fieldwork#round={FIELDWORK_ROUND}")
    driver.find_element(By.ID, f"lang-{lang}").click()
    sign_in(driver, demo_server.supervisor)
    progress = driver.find_element(By.ID, "progress")
    wait_for(driver, lambda d: progress.get_attribute("data-shown") == f"{FIELDWORK_ROUND}|{lang}")
    for summary in driver.find_elements(By.CSS_SELECTOR, "details.about-columns summary"):
        summary.click()
    driver.find_element(By.CSS_SELECTOR, "a[data-submission]").click()
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#submission-detail dl"))


FIELDWORK_VIEWS = {"en": ("en", DESKTOP), "vi": ("vi", DESKTOP), "phone": ("vi", PHONE)}


@pytest.mark.parametrize("name", list(FIELDWORK_VIEWS))
def test_axe_finds_no_violation_on_the_fieldwork_page(
    browser: WebDriver, demo_server: DemoServer, axe_script: str, name: str
) -> None:
    on_fieldwork(browser, demo_server, *FIELDWORK_VIEWS[name])

    assert axe_violations(browser, axe_script) == []


def test_axe_finds_no_violation_on_the_fieldwork_sign_in_after_a_wrong_token(
    browser: WebDriver, demo_server: DemoServer, axe_script: str
) -> None:
    open_page(browser, f"{demo_server.url}/dashboard/fieldwork")
    sign_in(browser, "not-a-real-token")
    wait_for(browser, lambda d: d.find_element(By.ID, "signin-error").is_displayed())

    assert axe_violations(browser, axe_script) == []


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_nothing_is_cut_off_on_the_fieldwork_page(
    browser: WebDriver, demo_server: DemoServer, size: tuple[int, int], lang: str
) -> None:
    on_fieldwork(browser, demo_server, lang, size)

    assert cut_off(browser, size[0]) == []


def test_every_focus_ring_on_the_fieldwork_page_has_3_to_1_contrast(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    on_fieldwork(browser, demo_server, "vi", DESKTOP)
    browser.refresh()  # a keyboard user arriving: the tab stays signed in
    progress = browser.find_element(By.ID, "progress")
    wait_for(browser, lambda d: progress.get_attribute("data-shown"))
    rings = tab_through(browser, 12)

    assert {ring["id"] for ring in rings} >= {"skip-link", "lang-vi", "estimates-link", "signout"}
    assert [ring for ring in rings if not stands_out(ring)] == []


def test_screenshot_of_the_fieldwork_page(browser: WebDriver, demo_server: DemoServer) -> None:
    on_fieldwork(browser, demo_server, "en", DESKTOP)
    browser.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")

    assert screenshot(browser, "fieldwork-desktop.png").stat().st_size > 10_000
