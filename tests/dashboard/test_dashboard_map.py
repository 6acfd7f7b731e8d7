"""The commune map (docs/design.md §14) in headless Chromium, on a round coded in the new Lào
Cai's 99 communes (vn-2025-07, tests/support/map_round.py): every commune drawn and reachable by
keyboard with its row, no withheld value printed anywhere (its indicator's card, the shapes'
titles and accessible names, the map's table; tests/dashboard/test_dashboard_suppression.py
sweeps the rest of the page), axe finds nothing, nothing is cut off on a 390 px phone,
and a round of the old geography gets no map."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from service.demo import HOUSEHOLD_ROUND
from service.small_area.demo import load_demo_auxiliary
from service.store import Store
from tests.support import map_round
from tests.support.dashboard_support import (
    DESKTOP,
    PHONE,
    DemoServer,
    axe_violations,
    cut_off,
    open_page,
    screenshot,
    set_viewport,
    sign_in_and_wait,
    switch_language,
)
from tests.support.servers import EmbeddedStore, GunicornServer

pytestmark = pytest.mark.browser

ROUND = map_round.MAP_ROUND
DECIMAL = re.compile(r"\d+[.,]\d")  # how every estimate and range is written (one decimal)


@pytest.fixture(scope="session")
def map_server(store_server: EmbeddedStore) -> Iterator[DemoServer]:
    store = Store(store_server.uri, f"map_{uuid.uuid4().hex[:8]}")
    store.ensure_indexes()
    loaded = map_round.load(store)
    assert loaded["invalid"] == 0, loaded
    load_demo_auxiliary(store)  # vn-2025-07's covariates: the map shows small-area estimates
    planner = store.tokens.create("planner", "map-planner")[1]
    analyst = store.tokens.create("analyst", "map-analyst")[1]  # every number, to look for
    database = store.db.name
    store.close()
    gunicorn = GunicornServer(
        store_server.uri, database, env={"SURVEY_RATE_LIMIT": "100000/minute"}
    ).start()
    try:
        yield DemoServer(gunicorn, planner, "", "", analyst)
    finally:
        gunicorn.stop()


def on_map(driver: WebDriver, server: DemoServer, lang: str, size=DESKTOP) -> None:
    """The board of the map round by commune, chart view (with its maps), in `lang`."""
    set_viewport(driver, size)
    open_page(driver, f"{server.url}/dashboard#round={ROUND}&by=commune&view=chart")
    driver.execute_script("sessionStorage.clear(); localStorage.clear();")
    open_page(driver, f"{server.url}/dashboard#round={ROUND}&by=commune&view=chart")
    switch_language(driver, lang)
    sign_in_and_wait(driver, server.planner, ROUND, by="commune", view="chart", lang=lang)


def maps(driver: WebDriver) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, "figure.commune-map")


def indicator_of(figure: WebElement) -> str:
    return figure.find_element(By.XPATH, "ancestor::section[@data-indicator]").get_attribute(
        "data-indicator"
    )


def small_area_sources(server: DemoServer, indicator: str) -> dict[str, str]:
    """commune → where the small-area endpoint's published number comes from."""
    answer = server.get(f"/api/v1/rounds/{ROUND}/small-area", indicator=indicator).json()
    return {row["commune"]: row["published"]["source"] for row in answer["communes"]}


def withheld_values(server: DemoServer) -> dict[tuple[str, str], dict[str, Any]]:
    """(indicator, commune) → the numbers an analyst sees for each commune estimate a
    planner's answer withholds (unreliable, or its complement)."""
    withheld = server.withheld(ROUND, by="commune", overall="true")
    return {key: r for key, r in withheld.items() if key[1] and r["estimate"] is not None}


def written_forms(value: float, is_rate: bool) -> set[str]:
    text = f"{value * 100 if is_rate else value:.1f}".replace("-", "\u2212")
    forms = {text, text.replace(".", ",")}
    return {f"{form}%" for form in forms} if is_rate else forms


# every text a person or a screen reader meets in a map and its card: their words (closed
# details included: textContent), each shape's accessible name and title, each table row's cells
MAP_TEXTS = """
const figure = arguments[0];
const shapes = [...figure.querySelectorAll("path.commune")].map((p) => ({
  code: p.dataset.code, source: p.dataset.source,
  words: [p.getAttribute("aria-label"), p.querySelector("title").textContent].join(" | "),
}));
const rows = [...figure.querySelectorAll("tr[data-code]")].map((r) => ({
  code: r.dataset.code, source: r.dataset.source, words: r.textContent,
}));
// the legend's class limits are fixed fifths of 0–100%, not estimates: left out
const card = figure.closest("section.indicator").cloneNode(true);
card.querySelectorAll(".map-legend").forEach((legend) => legend.remove());
const words = card.querySelector("figure.commune-map").textContent;
return {indicator: figure.closest("section.indicator").dataset.indicator, card: card.textContent,
        all: words + " " + shapes.map((s) => s.words).join(" "), shapes, rows};
"""


def test_every_commune_of_the_new_province_is_drawn_with_its_words(
    chromium: WebDriver, map_server: DemoServer
) -> None:
    on_map(chromium, map_server, "vi")
    figure = maps(chromium)[0]

    assert figure.get_attribute("data-geography") == "vn-2025-07"
    shapes = figure.find_elements(By.CSS_SELECTOR, "path.commune")
    assert len(shapes) == 99
    # the round is on vn-2025-07, whose covariates are loaded: the small-area answer is drawn
    published = small_area_sources(map_server, indicator_of(figure))
    assert {
        s.get_attribute("data-code"): s.get_attribute("data-source") for s in shapes
    } == published
    assert set(published.values()) == {"direct", "model", "withheld"}
    assert [s.get_attribute("tabindex") for s in shapes].count("0") == 1  # one Tab stop
    for shape in shapes:
        assert shape.get_attribute("aria-label")
        hatched = shape.get_attribute("fill").startswith("url(#map-hatch-")
        assert hatched == (shape.get_attribute("data-source") == "withheld")
    assert "open-admin-data" in figure.text and "CC BY 4.0" in figure.text
    assert "sơ lược" in figure.text  # the page says the drawing is schematic


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_withheld_value_is_printed_on_the_page_or_in_the_map(
    chromium: WebDriver, map_server: DemoServer, lang: str
) -> None:
    on_map(chromium, map_server, lang)
    withheld = withheld_values(map_server)
    rates = {i["id"]: i["is_rate"] for i in map_server.get("/api/v1/indicators").json()["items"]}
    seen_withheld = 0

    for figure in maps(chromium):
        texts = chromium.execute_script(MAP_TEXTS, figure)
        indicator = texts["indicator"]
        published = set()
        for item in texts["shapes"] + texts["rows"]:
            if item["source"] == "withheld":
                seen_withheld += 1
                assert not DECIMAL.search(item["words"]), item  # words only, no number
            else:
                published.update(DECIMAL.findall(item["words"]))
        for (block, commune), result in withheld.items():
            if block != indicator:
                continue
            shape = next(s for s in texts["shapes"] if s["code"] == commune)
            assert shape["source"] != "direct", shape  # withheld, or the model's number
            for name in ("estimate", "ci_low", "ci_high"):
                value = result[name]
                for form in written_forms(value, rates[indicator]) if value is not None else ():
                    number = DECIMAL.search(form).group()
                    if number in published:
                        continue  # a published commune happens to have the same number
                    printed = re.compile(rf"(?<![\d.,]){re.escape(form)}")
                    assert not printed.search(texts["all"]), (indicator, commune, name, form)
                    assert not printed.search(texts["card"]), (indicator, commune, name, form)
        for code in REASON_CODES:  # the small-area reasons are said in words
            assert code not in texts["all"], (indicator, code)
    assert seen_withheld > 0 and len(withheld) > 0


REASON_CODES = (
    "direct_reliable",
    "direct_unreliable",
    "no_interviews",
    "model_cv_above",
    "model_sigma2_v_zero",
    "model_unavailable",
)
WORDS_NO_INTERVIEWS = {
    "en": "no interviews in this commune",
    "vi": "xã không có phiếu điều tra nào",
}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_model_based_communes_say_why_in_the_page_language(
    chromium: WebDriver, map_server: DemoServer, lang: str
) -> None:
    on_map(chromium, map_server, lang)
    indicator = "smartphone_household"  # the map round's model reaches communes without interviews
    figure = chromium.find_element(
        By.CSS_SELECTOR, f"section[data-indicator='{indicator}'] figure.commune-map"
    )
    answer = map_server.get(f"/api/v1/rounds/{ROUND}/small-area", indicator=indicator).json()
    synthetic = [
        row["commune"]
        for row in answer["communes"]
        if row["published"]["reason"] == "no_interviews"
    ]
    assert synthetic
    for code in synthetic:
        shape = figure.find_element(By.CSS_SELECTOR, f"path.commune[data-code='{code}']")
        assert shape.get_attribute("data-source") == "model"
        assert WORDS_NO_INTERVIEWS[lang] in shape.get_attribute("aria-label")


def test_each_commune_is_reached_by_keyboard_with_its_row(
    chromium: WebDriver, map_server: DemoServer
) -> None:
    on_map(chromium, map_server, "en")
    figure = maps(chromium)[0]
    rows = [
        r.get_attribute("data-code") for r in figure.find_elements(By.CSS_SELECTOR, "tr[data-code]")
    ]
    figure.find_element(By.CSS_SELECTOR, "a.map-skip").send_keys(Keys.TAB)  # into the map
    spoken = figure.find_element(By.CSS_SELECTOR, ".map-focus")

    reached = []
    for _ in rows:
        shape = chromium.switch_to.active_element
        assert shape.get_attribute("class") == "commune"
        assert spoken.text == shape.get_attribute("aria-label")
        reached.append(shape.get_attribute("data-code"))
        shape.send_keys(Keys.ARROW_RIGHT)
    assert reached == rows and len(rows) == 99  # every commune, in the table's order (by name)

    chromium.switch_to.active_element.send_keys(Keys.HOME, Keys.ARROW_RIGHT, Keys.ENTER)
    row = chromium.switch_to.active_element
    assert row.tag_name == "tr" and row.get_attribute("data-code") == rows[1]
    row.find_element(By.CSS_SELECTOR, "button").click()
    back = chromium.switch_to.active_element
    assert back.get_attribute("data-code") == rows[1]
    back.send_keys(Keys.TAB)  # the map is one Tab stop: Tab leaves it
    assert chromium.switch_to.active_element.tag_name == "summary"


@pytest.mark.parametrize(
    ("size", "lang"), [(DESKTOP, "en"), (PHONE, "vi")], ids=["1280px-en", "390px-vi"]
)
def test_the_map_has_no_axe_violation_and_nothing_cut_off(
    chromium: WebDriver, map_server: DemoServer, axe_script: str, size, lang: str
) -> None:
    on_map(chromium, map_server, lang, size)
    for summary in chromium.find_elements(By.CSS_SELECTOR, "details.map-table summary")[:2]:
        summary.click()

    assert axe_violations(chromium, axe_script) == []
    assert cut_off(chromium, size[0]) == []
    drawing = maps(chromium)[0].find_element(By.CSS_SELECTOR, "svg.map-drawing")
    assert drawing.size["width"] <= size[0]


# the page's own module draws a map from small-area rows (design §14's shape) in which every
# third commune is withheld yet carries numbers (43.21 %, 12.34–76.54 %), every third is model-based
SMALL_AREA_MAP = """
const done = arguments[arguments.length - 1];
import("/dashboard/static/js/commune-map.js").then(async (module) => {
  const drawing = await module.loadDrawing("vn-2025-07");
  const sources = ["withheld", "model", "direct"];
  const rows = new Map(drawing.communes.map((c, k) => [c.code, {
    commune: c.code, name: c.name_vi, n: 3,
    published: {estimate: 0.4321, ci_low: 0.1234, ci_high: 0.7654, source: sources[k % 3],
                reason: k % 3 === 0 ? "too few interviews" : null},
  }]));
  const view = {id: "synthetic", rows: [], isRate: true, level: 0.95};
  const figure = module.communeMap(view, "Synthetic", drawing, rows);
  document.body.append(figure);
  const shapes = [...figure.querySelectorAll("path.commune")];
  const said = (p) => [p.getAttribute("aria-label"), p.textContent, p.getAttribute("fill")]
    .join(" ");
  const of = (source) => shapes.filter((p) => p.dataset.source === source);
  done({
    sources: shapes.map((p) => p.dataset.source),
    marks: figure.querySelectorAll("svg.map-drawing circle.model-mark").length,
    withheld: of("withheld").map(said),
    rows: [...figure.querySelectorAll("tr[data-source=withheld]")].map((r) => r.textContent),
    model: of("model").map(said),
  });
});
"""


def test_small_area_rows_draw_model_rings_and_never_a_withheld_number(
    chromium: WebDriver, map_server: DemoServer
) -> None:
    on_map(chromium, map_server, "en")
    drawn = chromium.execute_async_script(SMALL_AREA_MAP)

    assert drawn["sources"].count("model") == drawn["marks"] == 33
    assert all("estimated with the model" in words for words in drawn["model"])
    assert len(drawn["withheld"]) == len(drawn["rows"]) == 33
    for words in drawn["withheld"] + drawn["rows"]:
        assert "not published" in words and "too few interviews" in words
        assert not DECIMAL.search(words), words
    assert all("url(#map-hatch-synthetic)" in words for words in drawn["withheld"])


def test_a_round_of_the_old_geography_gets_no_map(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    open_page(browser, f"{demo_server.url}/dashboard#round={HOUSEHOLD_ROUND}&by=commune")
    sign_in_and_wait(browser, demo_server.planner, HOUSEHOLD_ROUND, by="commune", view="chart")

    assert maps(browser) == []


def test_screenshot_of_the_map(chromium: WebDriver, map_server: DemoServer) -> None:
    """docs/dashboard-map.png: the first map, a commune reached by keyboard."""
    on_map(chromium, map_server, "en")
    figure = maps(chromium)[0]
    figure.find_element(By.CSS_SELECTOR, "a.map-skip").send_keys(Keys.TAB)
    chromium.switch_to.active_element.send_keys(Keys.END)
    chromium.execute_script(
        "arguments[0].scrollIntoView()", figure.find_element(By.TAG_NAME, "strong")
    )

    assert screenshot(chromium, "dashboard-map.png").stat().st_size > 10_000
