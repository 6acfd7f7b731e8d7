"""The planners' dashboard in headless Chromium against gunicorn serving the demo rounds."""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from openpyxl import load_workbook
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from catalogue import LAO_CAI_DISTRICTS, indicators_of
from service.demo import BUSINESS_ROUND, HOUSEHOLD_ROUND
from service.loading import load_demo
from service.store import Store
from tests.servers import EmbeddedStore, GunicornServer

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).parent / "artifacts"
DESKTOP = (1280, 900)
PHONE = (390, 844)
WAIT_SECONDS = 20
POLL_SECONDS = 0.05


class DemoServer:
    """gunicorn with the demo rounds loaded, and a planner and an enumerator token."""

    def __init__(self, gunicorn: GunicornServer, planner: str, enumerator: str) -> None:
        self.url, self.planner, self.enumerator = gunicorn.url, planner, enumerator

    def estimates(self, round_id: str, **params: str) -> dict[str, Any]:
        response = requests.get(
            f"{self.url}/api/v1/rounds/{round_id}/estimates",
            params=params,
            headers={"Authorization": f"Bearer {self.planner}"},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def demo_server(store_server: EmbeddedStore) -> Iterator[DemoServer]:
    database = f"dashboard_{uuid.uuid4().hex[:8]}"
    store = Store(store_server.uri, database)
    store.ensure_indexes()
    load_demo(store)
    planner = store.tokens.create("planner", "dashboard-planner")[1]
    enumerator = store.tokens.create("enumerator", "dashboard-enumerator")[1]
    store.close()
    gunicorn = GunicornServer(store_server.uri, database).start()
    try:
        yield DemoServer(gunicorn, planner, enumerator)
    finally:
        gunicorn.stop()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory, downloads: Path) -> Iterator[WebDriver]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail(
            "Chromium and chromedriver are needed: apt-get install chromium chromium-driver"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--lang=vi",
        f"--window-size={DESKTOP[0]},{DESKTOP[1] + 100}",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
        },
    )
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium: WebDriver, demo_server: DemoServer, downloads: Path) -> WebDriver:
    """The dashboard freshly opened: no token, no language choice, no earlier downloads."""
    for path in downloads.iterdir():
        path.unlink()
    chromium.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    chromium.get(f"{demo_server.url}/dashboard")
    chromium.execute_script("sessionStorage.clear(); localStorage.clear();")
    open_page(chromium, f"{demo_server.url}/dashboard#round={HOUSEHOLD_ROUND}")
    return chromium


def open_page(driver: WebDriver, url: str) -> None:
    """Load `url` afresh (going to a URL that differs only by its fragment would not reload)."""
    driver.get("about:blank")
    driver.get(url)


def wait_for(driver: WebDriver, condition: Callable[[WebDriver], Any]) -> Any:
    return WebDriverWait(driver, WAIT_SECONDS, poll_frequency=POLL_SECONDS).until(condition)


def shown(driver: WebDriver) -> str:
    """Which query the page shows: round|by|ci|level|view|lang, or '' while it has none."""
    return driver.find_element(By.ID, "indicators").get_attribute("data-shown") or ""


def wait_shown(driver: WebDriver, **expected: str) -> None:
    fields = ("round", "by", "ci", "level", "view", "lang")

    def matches(d: WebDriver) -> bool:
        now = shown(d)
        current = dict(zip(fields, now.split("|"), strict=False))
        return bool(now) and all(current.get(k) == v for k, v in expected.items())

    wait_for(driver, matches)


def sign_in(driver: WebDriver, token: str) -> None:
    field = driver.find_element(By.ID, "token-input")
    field.send_keys(token)
    driver.find_element(By.ID, "signin-button").click()


def sign_in_and_wait(
    driver: WebDriver, token: str, round_id: str = HOUSEHOLD_ROUND, **expected: str
) -> None:
    """Sign in, pick the round and wait until the page shows what is `expected`."""
    sign_in(driver, token)
    wait_shown(driver)
    if shown(driver).split("|")[0] != round_id:
        choose(driver, "round-select", round_id)
    wait_shown(driver, round=round_id, **expected)


def choose(driver: WebDriver, select_id: str, value: str) -> None:
    Select(driver.find_element(By.ID, select_id)).select_by_value(value)


def card(driver: WebDriver, indicator: str) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, f'section.indicator[data-indicator="{indicator}"]')


def downloaded(directory: Path, suffix: str) -> Path:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        done = [p for p in directory.iterdir() if p.suffix == suffix]
        if done:
            return done[0]
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"no {suffix} file was downloaded into {directory}")


def screenshot(driver: WebDriver, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    return path


def close(a: float | None, b: float | None) -> bool:
    return a == b or (a is not None and b is not None and abs(a - b) <= 1e-12 * max(1, abs(b)))


def number(text: str) -> float | None:
    return float(text) if text else None


def test_signing_in_with_a_planner_token_shows_every_indicator_of_the_demo_round(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner)

    shown_ids = [
        s.get_attribute("data-indicator")
        for s in browser.find_elements(By.CSS_SELECTOR, "section.indicator")
    ]
    assert shown_ids == [indicator.id for indicator in indicators_of("household")]
    assert browser.find_element(By.ID, "signin").is_displayed() is False


def test_each_indicator_states_its_target_status_in_words(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner)
    browser.find_element(By.ID, "lang-en").click()
    wait_shown(browser, lang="en")
    province = demo_server.estimates(HOUSEHOLD_ROUND)
    words = {"met": "Target met", "not_met": "Target not met", "uncertain": "Too uncertain to say"}

    for block in province["estimates"]:
        target = block["results"][0]["target"]
        status = card(browser, block["indicator"]).find_element(By.CLASS_NAME, "target-status")
        expected = words[target["status"]] if target else "No 2025 target"
        assert expected in status.text, block["indicator"]


def test_the_district_view_draws_one_bar_per_district_with_data_named_in_vietnamese(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    open_page(browser, f"{demo_server.url}/dashboard#round={HOUSEHOLD_ROUND}&by=area")
    sign_in_and_wait(browser, demo_server.planner, by="area")
    choose(browser, "by-select", "district")
    wait_shown(browser, by="district")
    api = demo_server.estimates(HOUSEHOLD_ROUND, by="district")

    for block in api["estimates"]:
        with_data = {r["domain"]["district"] for r in block["results"] if r["estimate"] is not None}
        bars = card(browser, block["indicator"]).find_elements(By.CSS_SELECTOR, "g.domain-bar")
        assert {bar.get_attribute("data-code") for bar in bars} == with_data
        assert len(bars) == len(with_data)
        for bar in bars:
            name = bar.find_element(By.CLASS_NAME, "row-name").text
            assert name == LAO_CAI_DISTRICTS[bar.get_attribute("data-code")]


def test_a_suppressed_estimate_is_greyed_and_shows_its_reason(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner, by="district")
    browser.find_element(By.ID, "lang-en").click()
    wait_shown(browser, lang="en")
    api = demo_server.estimates(HOUSEHOLD_ROUND, by="district", indicator="fiber_available")
    suppressed = [r for r in api["estimates"][0]["results"] if r["reliability"] == "suppress"]
    assert suppressed, "the demo round should have a suppressed district estimate"
    result = suppressed[0]

    row = card(browser, "fiber_available").find_element(
        By.CSS_SELECTOR, f'g.domain-bar[data-code="{result["domain"]["district"]}"]'
    )
    assert "rel-suppress" in row.get_attribute("class")
    band = row.find_element(By.CSS_SELECTOR, "rect.ci-suppress")
    assert band.get_attribute("fill").startswith("url(#")  # hatched, not only a colour
    note = row.find_element(By.CLASS_NAME, "row-note").text
    assert note.startswith("Suppressed:")
    reason_words = {
        "ci_width": "confidence interval too wide",
        "n_eff": "effective sample size below 30",
        "relative_width": "interval too wide for the estimate",
    }
    for code in result["reliability_reasons"]:
        assert reason_words.get(code, code) in note


def test_review_estimates_are_marked_with_a_diamond_and_a_note(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner, by="district")

    reviews = card(browser, "epay_account").find_elements(
        By.CSS_SELECTOR, "g.domain-bar.rel-review"
    )
    assert reviews
    for row in reviews:
        assert row.find_elements(By.CSS_SELECTOR, "path.mark-review")
        assert row.find_element(By.CLASS_NAME, "row-note").text.startswith("Cần xem xét")


def test_the_downloaded_csv_holds_the_api_numbers_of_what_is_shown(
    browser: WebDriver, demo_server: DemoServer, downloads: Path
) -> None:
    sign_in_and_wait(browser, demo_server.planner)
    choose(browser, "ci-select", "beta")
    choose(browser, "level-select", "0.9")
    wait_shown(browser, by="district", ci="beta", level="0.9")
    browser.find_element(By.ID, "download-csv").click()
    rows = list(csv.DictReader(io.StringIO(downloaded(downloads, ".csv").read_text("utf-8-sig"))))
    by_district = demo_server.estimates(HOUSEHOLD_ROUND, by="district", ci="beta", level="0.9")
    province = demo_server.estimates(HOUSEHOLD_ROUND, ci="beta", level="0.9")

    expected = {(b["indicator"], None): b["results"][0] for b in province["estimates"]} | {
        (b["indicator"], r["domain"]["district"]): r
        for b in by_district["estimates"]
        for r in b["results"]
    }
    got = {(row["indicator"], row["domain_code"] or None): row for row in rows}
    assert got.keys() == expected.keys()
    for key, result in expected.items():
        row = got[key]
        for column in (
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "df",
            "deff",
            "n",
            "n_eff",
            "population",
            "cv",
        ):
            assert close(number(row[column]), result[column]), (key, column)
        assert row["reliability"] == result["reliability"]
        assert row["reliability_reasons"].split(";") == (result["reliability_reasons"] or [""])
        assert row["ci_method"] == "beta" and float(row["level"]) == 0.9
        assert row["data_version"] == str(by_district["data_version"])


def test_the_downloaded_xlsx_has_the_same_rows_as_the_csv(
    browser: WebDriver, demo_server: DemoServer, downloads: Path
) -> None:
    sign_in_and_wait(browser, demo_server.planner, by="district")
    browser.find_element(By.ID, "download-csv").click()
    csv_rows = list(csv.reader(io.StringIO(downloaded(downloads, ".csv").read_text("utf-8-sig"))))
    browser.find_element(By.ID, "download-xlsx").click()
    sheet = load_workbook(downloaded(downloads, ".xlsx"), read_only=True)["estimates"]

    columns = len(csv_rows[0])
    xlsx_rows = [
        ["" if v is None else v for v in row] + [""] * (columns - len(row))
        for row in sheet.iter_rows(values_only=True)
    ]
    assert len(xlsx_rows) == len(csv_rows)
    for xlsx_row, csv_row in zip(xlsx_rows, csv_rows, strict=True):
        for value, text in zip(xlsx_row, csv_row, strict=True):
            assert value == text or (isinstance(value, int | float) and close(value, float(text)))


def test_the_table_view_shows_the_same_rows_as_the_chart(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner, by="district")
    bars = card(browser, "egov_mobile").find_elements(By.CSS_SELECTOR, "g.domain-bar")
    chart_codes = [bar.get_attribute("data-code") for bar in bars]
    browser.find_element(By.ID, "view-table").click()
    wait_shown(browser, view="table")

    table = card(browser, "egov_mobile").find_element(By.TAG_NAME, "table")
    table_codes = [
        tr.get_attribute("data-code")
        for tr in table.find_elements(By.CSS_SELECTOR, "tr.domain-row")
    ]
    assert table_codes == chart_codes
    assert table.find_element(By.CSS_SELECTOR, "tr.province-row th").text == "Toàn tỉnh Lào Cai"


def test_a_bookmarked_view_of_the_business_round_by_business_type_is_restored(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    open_page(
        browser, f"{demo_server.url}/dashboard#round={BUSINESS_ROUND}&by=type&ci=beta&level=0.99"
    )
    sign_in_and_wait(
        browser, demo_server.planner, BUSINESS_ROUND, by="type", ci="beta", level="0.99"
    )

    bars = card(browser, "it_use").find_elements(By.CSS_SELECTOR, "g.domain-bar")
    types = {"enterprise", "cooperative", "household_business"}
    assert {bar.get_attribute("data-code") for bar in bars} <= types
    assert len(bars) >= 2


def test_switching_language_changes_labels_and_the_lang_attribute(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner, lang="vi")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    assert browser.find_element(By.ID, "signout").text == "Đăng xuất"

    browser.find_element(By.ID, "lang-en").click()
    wait_shown(browser, lang="en")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.ID, "signout").text == "Sign out"
    assert card(browser, "fiber_available").find_element(By.TAG_NAME, "h3").text == (
        "Fiber broadband available"
    )


def test_a_wrong_token_shows_an_error_and_keeps_the_sign_in_form(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in(browser, "not-a-real-token")

    error = wait_for(browser, lambda d: d.find_element(By.ID, "signin-error"))
    wait_for(browser, lambda d: error.is_displayed())
    assert "không hợp lệ" in error.text
    assert browser.find_element(By.ID, "board").is_displayed() is False
    assert browser.execute_script("return sessionStorage.length") == 0


def test_an_enumerator_token_is_refused_with_a_reason(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    browser.find_element(By.ID, "lang-en").click()
    sign_in(browser, demo_server.enumerator)

    error = browser.find_element(By.ID, "signin-error")
    wait_for(browser, lambda d: error.is_displayed())
    assert "planner or administrator" in error.text
    assert browser.execute_script("return sessionStorage.length") == 0


def test_the_token_is_kept_in_session_storage_and_never_in_the_url(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner)

    assert demo_server.planner in browser.execute_script(
        "return Object.values(sessionStorage).join(' ')"
    )
    assert demo_server.planner not in browser.current_url
    assert demo_server.planner not in browser.execute_script(
        "return Object.values(localStorage).join(' ') + document.cookie"
    )
    browser.refresh()  # the same tab stays signed in
    wait_shown(browser)


def test_signing_out_clears_the_token_and_the_estimates(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner)

    browser.find_element(By.ID, "signout").click()

    assert browser.execute_script("return sessionStorage.length") == 0
    assert browser.find_element(By.ID, "signin").is_displayed()
    assert browser.find_elements(By.CSS_SELECTOR, "section.indicator") == []
    browser.refresh()
    assert browser.find_element(By.ID, "token-input").is_displayed()


def test_the_controls_can_be_reached_with_the_keyboard(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner)
    focused = []
    body = browser.find_element(By.TAG_NAME, "body")
    body.click()
    for _ in range(14):
        browser.switch_to.active_element.send_keys("\ue004")  # Tab
        focused.append(browser.switch_to.active_element.get_attribute("id"))

    for control in (
        "round-select",
        "by-select",
        "ci-select",
        "level-select",
        "download-csv",
        "download-xlsx",
        "signout",
    ):
        assert control in focused


@pytest.mark.parametrize(
    ("size", "mobile", "name", "lang"),
    [
        (DESKTOP, False, "dashboard-desktop.png", "en"),
        (PHONE, True, "dashboard-phone.png", "vi"),
    ],
)
def test_screenshots_of_the_dashboard(
    browser: WebDriver,
    demo_server: DemoServer,
    size: tuple[int, int],
    mobile: bool,
    name: str,
    lang: str,
) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": size[0],
            "height": size[1],
            "deviceScaleFactor": 1,
            "mobile": mobile,
        },
    )
    browser.find_element(By.ID, f"lang-{lang}").click()
    sign_in_and_wait(browser, demo_server.planner, by="district", lang=lang)
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= size[0], "no sideways scrolling"
    browser.execute_script("document.activeElement.blur()")
    if mobile:  # the controls fill the first screen; show the first chart
        browser.execute_script("document.querySelector('section.indicator').scrollIntoView()")

    path = screenshot(browser, name)
    assert path.stat().st_size > 10_000


def test_chromium_loaded_nothing_from_outside_the_service(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    browser.get_log("browser")  # drop what earlier tests logged
    sign_in_and_wait(browser, demo_server.planner)

    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []  # a CSP violation would be one

    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert loaded and all(url.startswith(demo_server.url) for url in loaded)
