"""The dashboard in headless Chromium against gunicorn serving the demo rounds: fixtures and
helpers shared by tests/dashboard/test_dashboard_*.py (registered in tests/conftest.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from schemas.rounds import RoundCreateSchema
from service.demo import HOUSEHOLD_ROUND
from service.loading import load_demo
from service.rounds.model import round_to_store
from service.store import Store
from tests.support.servers import EmbeddedStore, GunicornServer

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
DESKTOP = (1280, 900)
PHONE = (390, 844)
WAIT_SECONDS = 20
POLL_SECONDS = 0.05


class DemoServer:
    """gunicorn with the demo rounds loaded, and a planner, an enumerator and a supervisor
    token (the fieldwork page), and an analyst's (every number, to check none is shown)."""

    def __init__(
        self,
        gunicorn: GunicornServer,
        planner: str,
        enumerator: str,
        supervisor: str,
        analyst: str = "",
    ) -> None:
        self.url, self.planner, self.enumerator = gunicorn.url, planner, enumerator
        self.supervisor, self.analyst = supervisor, analyst

    def get(self, path: str, token: str | None = None, **params: str) -> requests.Response:
        response = requests.get(
            f"{self.url}{path}",
            params=params,
            headers={"Authorization": f"Bearer {token or self.planner}"},
            timeout=30,
        )
        response.raise_for_status()
        return response

    def estimates(self, round_id: str, **params: str) -> dict[str, Any]:
        return self.get(f"/api/v1/rounds/{round_id}/estimates", **params).json()

    def withheld(self, round_id: str, **params: str) -> dict[tuple[str, str], dict[str, Any]]:
        """(indicator, domain code or '') → the full result (an analyst's `suppressed=show`)
        of each estimate a planner's answer withholds (unreliable, or its complement)."""
        path = f"/api/v1/rounds/{round_id}/estimates"
        planner = self.get(path, **params).json()
        analyst = self.get(path, token=self.analyst, suppressed="show", **params).json()

        def keyed(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
            return {
                (block["indicator"], next(iter(r["domain"].values())) if r["domain"] else ""): r
                for block in report["estimates"]
                for r in block["results"]
            }

        full = keyed(analyst)
        return {
            key: full[key]
            for key, result in keyed(planner).items()
            if result["estimate"] is None and full[key]["estimate"] is not None
        }

    def rounds(self) -> list[dict[str, Any]]:
        return self.get("/api/v1/rounds").json()["items"]

    def breakdowns(self, instrument: str) -> list[str]:
        """The `by` dimensions of an instrument, as `GET /api/v1/indicators` lists them."""
        items = self.get("/api/v1/indicators").json()["items"]
        offered = (by for i in items if i["instrument"] == instrument for by in i["by"])
        return list(dict.fromkeys(offered))


# a pilot after the demo's rounds: never on the planners' page (docs/design.md §15)
PILOT_ROUND = {
    "id": "laocai-2026-household-pilot",
    "instrument": "household",
    "title": "Household questionnaire pilot 2026",
    "period": {"start": "2026-01-05", "end": "2026-01-20"},
    "purpose": "pilot",
}


@pytest.fixture(scope="session")
def demo_server(store_server: EmbeddedStore) -> Iterator[DemoServer]:
    database = f"dashboard_{uuid.uuid4().hex[:8]}"
    store = Store(store_server.uri, database)
    store.ensure_indexes()
    load_demo(store)
    store.rounds.create(round_to_store(RoundCreateSchema().load(PILOT_ROUND)))
    planner = store.tokens.create("planner", "dashboard-planner")[1]
    enumerator = store.tokens.create("enumerator", "dashboard-enumerator")[1]
    supervisor = store.tokens.create("supervisor", "dashboard-supervisor")[1]
    analyst = store.tokens.create("analyst", "dashboard-analyst")[1]
    store.close()
    # the suppression sweep asks for every view of every round, and several tests sign in with
    # a wrong token: no rate limit in their way
    limits = {"SURVEY_RATE_LIMIT": "100000/minute", "SURVEY_AUTH_FAILURE_LIMIT": "100000/minute"}
    gunicorn = GunicornServer(store_server.uri, database, env=limits).start()
    try:
        yield DemoServer(gunicorn, planner, enumerator, supervisor, analyst)
    finally:
        gunicorn.stop()


@pytest.fixture(scope="session")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="session")
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
            "profile.default_content_setting_values.automatic_downloads": 1,
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
    clear_downloads(downloads)
    chromium.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    chromium.get(f"{demo_server.url}/dashboard")
    chromium.execute_script("sessionStorage.clear(); localStorage.clear();")
    open_page(chromium, f"{demo_server.url}/dashboard#round={HOUSEHOLD_ROUND}")
    return chromium


def clear_downloads(directory: Path) -> None:
    for path in directory.iterdir():
        path.unlink()


def open_page(driver: WebDriver, url: str) -> None:
    """Load `url` afresh (going to a URL that differs only by its fragment would not reload)."""
    driver.get("about:blank")
    driver.get(url)


def set_viewport(driver: WebDriver, size: tuple[int, int]) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": size[0] < 600},
    )


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


def pick_round(driver: WebDriver, round_id: str) -> None:
    driver.find_element(By.ID, f"round-{round_id}").click()


def sign_in_and_wait(
    driver: WebDriver, token: str, round_id: str = HOUSEHOLD_ROUND, **expected: str
) -> None:
    """Sign in, pick the round and wait until the page shows what is `expected`."""
    sign_in(driver, token)
    wait_shown(driver)
    if shown(driver).split("|")[0] != round_id:
        pick_round(driver, round_id)
    wait_shown(driver, round=round_id, **expected)


def switch_language(driver: WebDriver, lang: str) -> None:
    driver.find_element(By.ID, f"lang-{lang}").click()
    if shown(driver):
        wait_shown(driver, lang=lang)


def choose(driver: WebDriver, select_id: str, value: str) -> None:
    Select(driver.find_element(By.ID, select_id)).select_by_value(value)


def show_view(driver: WebDriver, view: str) -> None:
    driver.find_element(By.ID, f"view-{view}").click()
    wait_shown(driver, view=view)


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


# axe-core (from npm, pinned in tests/axe/package-lock.json) and the page checks of
# tests/dashboard_checks/, for the accessibility tests of every dashboard page
AXE_SOURCE = Path(__file__).parents[1] / "axe"
CHECKS_DIR = Path(__file__).parents[1] / "dashboard_checks"
CHECKS = {path.stem: path.read_text() for path in CHECKS_DIR.glob("*.js")}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def axe_script(tmp_path_factory: pytest.TempPathFactory) -> str:
    """axe.min.js of the pinned axe-core, installed with `npm ci` outside the source tree."""
    if shutil.which("npm") is None:
        pytest.fail("npm is needed to install axe-core: apt-get install npm")
    directory = tmp_path_factory.mktemp("axe")
    for name in ("package.json", "package-lock.json"):
        shutil.copy(AXE_SOURCE / name, directory / name)
    command = ["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"]
    installed = subprocess.run(command, cwd=directory, capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-500:]
    return (directory / "node_modules" / "axe-core" / "axe.min.js").read_text()


AXE_SECONDS = 180
SCRIPT_SECONDS = 30


def axe_violations(driver: WebDriver, axe_script: str) -> list[dict[str, Any]]:
    """Run axe-core in the page on what is shown now; its WCAG 2.1 A/AA violations."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(axe_script)
    # axe takes seconds on a busy page (the map's six cards of 99 shapes) and many more on a
    # loaded CI machine: a generous limit for it alone, the usual 30 s for every other script.
    driver.set_script_timeout(AXE_SECONDS)
    try:
        result = _run_axe(driver)
    finally:
        driver.set_script_timeout(SCRIPT_SECONDS)
    return json.loads(result)


def _run_axe(driver: WebDriver) -> str:
    violations: str = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: "tag", values: arguments[0]}})
          .then((r) => done(JSON.stringify(r.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => n.target.join(" ") + " — " + n.failureSummary)})))))
          .catch((e) => done(JSON.stringify([{id: "axe-error", help: String(e)}])));
        """,
        WCAG_21_AA,
    )
    return violations


def cut_off(driver: WebDriver, width: int) -> list[str]:
    """What is cut off on the page as shown (tests/dashboard_checks/cut_off.js), and the page
    itself when it scrolls sideways at this viewport `width`."""
    found = driver.execute_script(CHECKS["cut_off"])
    page_width = driver.execute_script("return document.documentElement.scrollWidth")
    return found + ([f"page {page_width}>{width}"] if page_width > width else [])
