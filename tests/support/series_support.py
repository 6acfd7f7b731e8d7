"""The series view (/dashboard/series) in headless Chromium against the demo server: fixtures
and helpers shared by tests/dashboard/test_series_view_*.py (registered in tests/conftest.py). The
browser and the server are the dashboard's (tests/support/dashboard_support.py)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from service.demo import (
    HOUSEHOLD_ROUND,
    HOUSEHOLD_ROUND_2024,
    HOUSEHOLD_ROUND_2026,
    HOUSEHOLD_SERIES,
    NEW_GEOGRAPHY,
)
from tests.support.dashboard_support import (
    DemoServer,
    clear_downloads,
    open_page,
    sign_in,
    wait_for,
)

SERIES_PATH = "/dashboard/series"
FIELDS = ("series", "by", "pairing", "level", "view", "lang")
SERIES_ROWS = (Path(__file__).parents[1] / "dashboard_checks" / "series_rows.js").read_text()
MINUS = "\u2212"
# the demo series' rounds in period order; the page reads a breakdown in the newest version
SERIES_ROUNDS = (HOUSEHOLD_ROUND_2024, HOUSEHOLD_ROUND, HOUSEHOLD_ROUND_2026)
SERIES_GEOGRAPHY = NEW_GEOGRAPHY


@pytest.fixture
def series_page(chromium: WebDriver, demo_server: DemoServer, downloads: Path) -> WebDriver:
    """The series view freshly opened: no token, no language choice."""
    clear_downloads(downloads)
    chromium.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    chromium.get(f"{demo_server.url}{SERIES_PATH}")
    chromium.execute_script("sessionStorage.clear(); localStorage.clear();")
    open_page(chromium, f"{demo_server.url}{SERIES_PATH}")
    chromium.get_log("browser")  # drain what earlier tests logged
    return chromium


def series_shown(driver: WebDriver) -> dict[str, str]:
    """What the view shows: series, by, pairing, level, view, lang ({} while it shows nothing)."""
    now = driver.find_element(By.ID, "indicators").get_attribute("data-shown") or ""
    return dict(zip(FIELDS, now.split("|"), strict=True)) if now else {}


def wait_series(driver: WebDriver, **expected: str) -> None:
    def matches(d: WebDriver) -> bool:
        current = series_shown(d)
        return bool(current) and all(current.get(k) == v for k, v in expected.items())

    wait_for(driver, matches)


def open_series(
    driver: WebDriver, demo_server: DemoServer, lang: str = "vi", **fragment: str
) -> None:
    """Sign in to the series view opened at `fragment`, in `lang`; wait until it shows it."""
    view = {"series": HOUSEHOLD_SERIES, **fragment}
    driver.execute_script("localStorage.setItem('survey.dashboard.lang', arguments[0])", lang)
    query = "&".join(f"{k}={v}" for k, v in view.items())
    open_page(driver, f"{demo_server.url}{SERIES_PATH}#{query}")
    sign_in(driver, demo_server.planner)
    wait_series(driver, lang=lang, **view)


def shown_series_rows(driver: WebDriver) -> list[dict[str, Any]]:
    return driver.execute_script(SERIES_ROWS)


def one_decimal(value: float) -> str:
    """A number as the page writes it in English: one decimal, halves away from zero (as
    Intl.NumberFormat rounds the exact binary value), a true minus sign."""
    text = str(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return text.replace("-", MINUS)


def in_language(text: str, lang: str) -> str:
    """An English-written number in `lang`'s convention (Vietnamese: a decimal comma)."""
    return text.replace(".", ",") if lang == "vi" else text


def written_forms(value: float, is_rate: bool) -> set[str]:
    """How the page could write an estimate or bound, in either language."""
    text = one_decimal(value * 100 if is_rate else value)
    forms = {text, in_language(text, "vi")}
    return {f"{form}%" for form in forms} if is_rate else forms


def change_block(
    demo_server: DemoServer, indicator: str, to: str, token: str | None = None, **params: str
) -> dict[str, Any]:
    """The change API's answer for the change from the series' first round to `to` as a
    planner reads it (or as `token` does), a breakdown read in the series' newest geography
    version, as the page asks it."""
    if params.get("by"):
        params.setdefault("geography", SERIES_GEOGRAPHY)
    report = demo_server.get(
        f"/api/v1/series/{HOUSEHOLD_SERIES}/change",
        token=token,
        indicator=indicator,
        **{"from": SERIES_ROUNDS[0], "to": to},
        **params,
    ).json()
    return report["changes"][0]


def province_change(
    demo_server: DemoServer, indicator: str, to: str, **params: str
) -> dict[str, Any]:
    """The change the page says province-wide: the API's province-wide result, or where the
    rounds cover different former provinces, its result for the one both cover (10)."""
    if to != HOUSEHOLD_ROUND_2026:
        return change_block(demo_server, indicator, to, **params)["results"][0]
    block = change_block(demo_server, indicator, to, by="former_province", **params)
    return next(r for r in block["results"] if r["domain"] == {"former_province": "10"})


def domain_code(result: dict[str, Any]) -> str:
    """A result's domain code, '' for the province."""
    return next(iter(result["domain"].values())) if result["domain"] else ""


def params_as_shown(by: str) -> dict[str, str]:
    """The estimates' query the page sends (with a breakdown: the province too, in the series'
    newest geography version)."""
    return {"by": by, "overall": "true", "geography": SERIES_GEOGRAPHY} if by else {}


def estimates_as_shown(demo_server: DemoServer, round_id: str, by: str) -> dict[str, Any]:
    """A round's estimates as a planner's page asks them."""
    return demo_server.estimates(round_id, **params_as_shown(by))


def rate_indicators(demo_server: DemoServer) -> dict[str, bool]:
    items = demo_server.get("/api/v1/indicators").json()["items"]
    return {item["id"]: item["is_rate"] for item in items}
