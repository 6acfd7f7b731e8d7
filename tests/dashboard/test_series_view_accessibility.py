"""The series view is usable by everyone: axe-core finds no WCAG 2.1 A/AA violation on its views
(English, Vietnamese, table, advanced choices, a 390 px phone), the focus ring stands out at
3:1, and no label, option or chart text is cut off at 1280 px or 390 px, in either language.
axe-core and the page checks are the dashboard's (tests/support/dashboard_support.py)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.dashboard.test_dashboard_accessibility import stands_out, tab_through
from tests.support.dashboard_support import (
    DESKTOP,
    PHONE,
    DemoServer,
    axe_violations,
    cut_off,
    set_viewport,
    wait_for,
)
from tests.support.series_support import open_series

pytestmark = pytest.mark.browser

# name: (viewport, language, fragment)
VIEWS: dict[str, tuple[tuple[int, int], str, dict[str, str]]] = {
    "chart, en": (DESKTOP, "en", {}),
    "chart by commune, vi": (DESKTOP, "vi", {"by": "commune"}),
    "table by commune, en": (DESKTOP, "en", {"by": "commune", "view": "table"}),
    "table by former province, vi": (DESKTOP, "vi", {"by": "former_province", "view": "table"}),
    "advanced choices, en": (DESKTOP, "en", {"pairing": "overlapping", "level": "0.9"}),
    "phone, chart by former province, vi": (PHONE, "vi", {"by": "former_province"}),
    "phone, table, vi": (PHONE, "vi", {"by": "commune", "view": "table"}),
}


def arrive_at(page: WebDriver, demo_server: DemoServer, name: str) -> None:
    size, lang, fragment = VIEWS[name]
    set_viewport(page, size)
    open_series(page, demo_server, lang, **fragment)


@pytest.mark.parametrize("name", list(VIEWS))
def test_axe_finds_no_wcag_21_a_or_aa_violation_on_the_series_view(
    series_page: WebDriver, demo_server: DemoServer, axe_script: str, name: str
) -> None:
    arrive_at(series_page, demo_server, name)

    assert axe_violations(series_page, axe_script) == []


def test_axe_finds_no_violation_on_the_series_sign_in(
    series_page: WebDriver, axe_script: str
) -> None:
    set_viewport(series_page, PHONE)

    assert axe_violations(series_page, axe_script) == []


@pytest.mark.parametrize("name", ["chart, en", "phone, chart by former province, vi"])
def test_every_focus_ring_on_the_series_view_has_3_to_1_contrast(
    series_page: WebDriver, demo_server: DemoServer, name: str
) -> None:
    arrive_at(series_page, demo_server, name)
    series_page.refresh()  # a keyboard user arriving: Tab from the top of the page
    wait_for(series_page, lambda d: d.find_elements(By.CSS_SELECTOR, "section.indicator"))
    rings = tab_through(series_page, 16)

    assert {ring["id"] for ring in rings} >= {"skip-link", "lang-vi", "by-select"}
    assert [ring for ring in rings if not stands_out(ring)] == []


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("view", ["chart", "table"])
def test_no_label_option_or_chart_text_of_the_series_view_is_cut_off(
    series_page: WebDriver, demo_server: DemoServer, size: tuple[int, int], lang: str, view: str
) -> None:
    set_viewport(series_page, size)
    open_series(series_page, demo_server, lang, by="commune", view=view)
    series_page.find_element(By.CSS_SELECTOR, "#advanced summary").click()

    assert cut_off(series_page, size[0]) == []
