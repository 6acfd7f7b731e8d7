"""The dashboard says which weighting its estimates use and describes the weights (docs/design.md
§9, docs/planners.md), in headless Chromium against gunicorn serving the demo rounds, the
household round raked here to population counts made from its own weights."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from service.demo import BUSINESS_ROUND, HOUSEHOLD_ROUND
from service.loading import load_demo
from service.store import Store
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
    wait_for,
)
from tests.support.servers import EmbeddedStore, GunicornServer

pytestmark = pytest.mark.browser


def rake_to_shifted_counts(server: DemoServer, admin: str) -> dict[str, Any]:
    """A rake on district and area whose population counts differ from the round's own
    weights (districts ±10 %, urban +15 %), so calibration has work to do."""

    def population(by: str) -> dict[str, float]:
        # every domain's population, withheld ones included (§15 withholds them from planners)
        body = server.get(
            f"/api/v1/rounds/{HOUSEHOLD_ROUND}/estimates",
            token=admin,
            by=by,
            indicator="fiber_available",
            weighting="input",
            suppressed="show",
        ).json()
        return {r["domain"][by]: r["population"] for r in body["estimates"][0]["results"]}

    districts = {
        code: round(value * (1.1 if k % 2 else 0.9))
        for k, (code, value) in enumerate(sorted(population("district").items()))
    }
    areas = population("area")
    urban = round(areas["urban"] * 1.15)
    weighting = {
        "calibration": {
            "method": "rake",
            "margins": [
                {"variables": ["district"], "totals": districts},
                {
                    "variables": ["area"],
                    "totals": {"urban": urban, "rural": sum(districts.values()) - urban},
                },
            ],
        }
    }
    response = requests.patch(
        f"{server.url}/api/v1/rounds/{HOUSEHOLD_ROUND}",
        json={"weighting": weighting},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=30,
    )
    response.raise_for_status()
    return weighting


@pytest.fixture(scope="module")
def weighted_server(store_server: EmbeddedStore) -> Iterator[DemoServer]:
    """The demo rounds, the household round raked (this module's own server: the other
    dashboard tests see the demo as `make run` loads it)."""
    database = f"weights_{uuid.uuid4().hex[:8]}"
    store = Store(store_server.uri, database)
    store.ensure_indexes()
    load_demo(store)
    tokens = [store.tokens.create(role, f"weights-{role}")[1] for role in ("planner", "admin")]
    store.close()
    gunicorn = GunicornServer(store_server.uri, database).start()
    try:
        server = DemoServer(gunicorn, tokens[0], "", "")
        rake_to_shifted_counts(server, tokens[1])
        yield server
    finally:
        gunicorn.stop()


@pytest.fixture
def page(chromium: WebDriver, weighted_server: DemoServer) -> WebDriver:
    chromium.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    chromium.get(f"{weighted_server.url}/dashboard")
    chromium.execute_script("sessionStorage.clear(); localStorage.clear();")
    return chromium


def open_board(driver: WebDriver, server: DemoServer, lang: str, round_id: str = HOUSEHOLD_ROUND):
    open_page(driver, f"{server.url}/dashboard#round={round_id}")
    switch_language(driver, lang)
    sign_in_and_wait(driver, server.planner, round_id, lang=lang)


def open_panel(driver: WebDriver, server: DemoServer, round_id: str = HOUSEHOLD_ROUND) -> None:
    driver.find_element(By.CSS_SELECTOR, "#weights-panel summary").click()
    body = driver.find_element(By.ID, "weights-body")
    version = server.get(f"/api/v1/rounds/{round_id}").json()["data_version"]
    wait_for(
        driver,
        lambda d: (body.get_attribute("data-shown") or "").startswith(f"{round_id}|{version}|"),
    )


def weights(server: DemoServer, round_id: str = HOUSEHOLD_ROUND) -> dict[str, Any]:
    return server.get(f"/api/v1/rounds/{round_id}/weights").json()


def number(value: float, digits: int, lang: str) -> str:
    """A number as the page writes it: en-GB "12,345.6", vi "12.345,6"."""
    text = f"{value:,.{digits}f}"
    return text if lang == "en" else text.translate(str.maketrans(",.", ".,"))


def item_value(driver: WebDriver, key: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f'[data-item="{key}"] .weights-value').text


WEIGHTING_WORDS = {
    "en": (
        "How the interviews are weighted, for every estimate on this page:",
        "each counts with the weight sent with its form",
        "no adjustment for units that were not interviewed",
        "add up to the population counts entered for the round, for each count at once (raking)",
    ),
    "vi": (
        "Cách tính trọng số cho mọi ước lượng trên trang này:",
        "mỗi phiếu tính theo trọng số gửi kèm phiếu",
        "không điều chỉnh cho các đơn vị không phỏng vấn được",
        "cộng lại bằng số liệu dân số nhập cho đợt, khớp mọi số liệu cùng lúc",
    ),
}


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_page_says_in_plain_words_which_weighting_the_estimates_use(
    page: WebDriver, weighted_server: DemoServer, lang: str
) -> None:
    open_board(page, weighted_server, lang)
    assert weighted_server.estimates(HOUSEHOLD_ROUND)["weighting"]["calibration"] == "rake"

    sentence = page.find_element(By.ID, "weighting").text
    assert all(words in sentence for words in WEIGHTING_WORDS[lang])
    assert page.find_elements(By.ID, "provisional") == []


def test_a_round_without_calibration_says_its_weights_are_not_adjusted_to_population_counts(
    page: WebDriver, weighted_server: DemoServer
) -> None:
    open_board(page, weighted_server, "en", BUSINESS_ROUND)
    assert "not adjusted to population counts" in page.find_element(By.ID, "weighting").text

    open_panel(page, weighted_server, BUSINESS_ROUND)
    api = weights(weighted_server, BUSINESS_ROUND)
    population = page.find_element(By.CSS_SELECTOR, '[data-item="weightsPopulation"]').text
    assert "No population counts were entered for this round" in population
    assert number(api["sum_input"], 0, "en") in population
    assert item_value(page, "weightsG") == "–"
    assert page.find_elements(By.CSS_SELECTOR, "table.margins") == []


def test_the_weights_panel_is_closed_until_a_planner_opens_it(
    page: WebDriver, weighted_server: DemoServer
) -> None:
    open_board(page, weighted_server, "en")

    assert page.find_element(By.ID, "weights-panel").get_attribute("open") is None
    assert not page.find_element(By.ID, "weights-body").is_displayed()


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_weights_panel_shows_the_apis_numbers(
    page: WebDriver, weighted_server: DemoServer, lang: str
) -> None:
    open_board(page, weighted_server, lang)
    open_panel(page, weighted_server)
    api = weights(weighted_server)
    to = {"en": "to", "vi": "đến"}[lang]
    population = sum(m["total"] for m in api["margins"] if m["variables"] == ["district"])

    assert item_value(page, "weightsSum") == number(api["sum_final"], 0, lang)
    assert item_value(page, "weightsPopulation") == number(population, 0, lang)
    assert item_value(page, "weightsRange") == (
        f"{number(api['min'], 1, lang)} {to} {number(api['max'], 1, lang)}"
    )
    assert item_value(page, "weightsCv") == number(api["cv"], 2, lang)
    assert item_value(page, "weightsDeff") == number(api["kish_deff"], 2, lang)
    assert item_value(page, "weightsG") == (
        f"{number(api['g']['min'], 3, lang)} {to} {number(api['g']['max'], 3, lang)}"
    )
    effective = number(round(api["n_respondents"] / api["kish_deff"]), 0, lang)
    assert effective in page.find_element(By.CSS_SELECTOR, '[data-item="weightsDeff"]').text


def test_each_population_count_is_shown_beside_what_the_weights_add_up_to(
    page: WebDriver, weighted_server: DemoServer
) -> None:
    open_board(page, weighted_server, "en")
    open_panel(page, weighted_server)
    api = weights(weighted_server)

    shown = {
        (table.get_attribute("data-margin"), row.get_attribute("data-key")): [
            cell.text for cell in row.find_elements(By.TAG_NAME, "td")
        ]
        for table in page.find_elements(By.CSS_SELECTOR, "table.margins")
        for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    }
    assert shown == {
        ("|".join(m["variables"]), m["key"]): [
            number(m["total"], 0, "en"),
            number(m["achieved"], 0, "en"),
        ]
        for m in api["margins"]
    }
    urban = page.find_element(By.CSS_SELECTOR, 'table.margins tr[data-key="urban"] th')
    assert urban.text == "Urban"


# what the engine writes (scoring/weights/nonresponse.py) and what the page makes of it
ENGINE_WARNINGS = [
    "stratum 080-U: PSU classes collapsed to the stratum",
    "PSU 08803 (stratum 088-U) has no completed unit: it carries no weight",
    "stratum 082-R has a non-response factor 4.25 above max_factor 3",
    "something the page does not know yet",
]
PLAIN_WARNINGS = {
    "en": [
        "stratum 080-U: a commune had too few interviews or too many refusals, so the "
        "adjustment was made over the whole stratum.",
        "commune 08803 (stratum 088-U): no interview was completed, so it counts for nothing "
        "in the estimates.",
        "stratum 082-R: few interviews carry the weight of many units not interviewed (weights "
        "multiplied by 4.3, above the limit of 3.0); read its estimates with care.",
        "something the page does not know yet",
    ],
    "vi": [
        "tầng 080-U: một xã có quá ít phiếu hoặc quá nhiều từ chối, nên việc điều chỉnh được làm "
        "trên cả tầng.",
        "xã 08803 (tầng 088-U): chưa có phiếu hoàn thành, nên nhóm không được tính trong ước "
        "lượng.",
        "tầng 082-R: ít phiếu phải gánh trọng số của nhiều đơn vị không phỏng vấn được (trọng "
        "số nhân 4,3, vượt giới hạn 3,0); dùng ước lượng của nhóm này thận trọng.",
        "something the page does not know yet",
    ],
}
RENDER = """
const [summary, block, done] = arguments;
import("/dashboard/static/js/weights.js").then((m) => {
  const panel = document.createElement("div");
  panel.append(...m.weightsPanel(summary, "household", (v, code) => code));
  const note = document.createElement("div");
  note.append(...m.weightingNote(block));
  done(JSON.stringify({
    warnings: [...panel.querySelectorAll(".weights-warnings li")].map((li) => li.textContent),
    classes: panel.querySelector('[data-item="weightsClasses"]')?.textContent ?? null,
    note: note.textContent,
  }));
});
"""


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_warnings_non_response_groups_and_provisional_estimates_read_in_plain_words(
    page: WebDriver, weighted_server: DemoServer, lang: str
) -> None:
    """What the non-response step will send (classes, warnings, a provisional block), through
    the page's own modules, since no demo round has a non-response adjustment yet."""
    open_board(page, weighted_server, lang)
    summary = weights(weighted_server) | {
        "warnings": ENGINE_WARNINGS,
        "classes": [
            {"class": "PSU 08801 (stratum 080-U)", "eligible": 9, "completed": 7, "factor": 1.25},
            {"class": "stratum 082-R", "eligible": 20, "completed": 12, "factor": 1.8},
        ],
    }
    block = {"input": "sample", "nonresponse": "psu", "calibration": None, "provisional": True}
    shown = json.loads(page.execute_async_script(RENDER, summary, block))

    assert shown["warnings"] == PLAIN_WARNINGS[lang]
    expected = {
        "en": (
            "within 2 groups, multiplying the weights by 1.25 to 1.80",
            "Provisional: fieldwork still open",
            "in the same commune",
        ),
        "vi": (
            "trong 2 nhóm, nhân trọng số với 1,25 đến 1,80",
            "Tạm tính: điều tra thực địa chưa kết thúc",
            "trong cùng xã",
        ),
    }[lang]
    assert expected[0] in shown["classes"]
    assert expected[1] in shown["note"] and expected[2] in shown["note"]


@pytest.mark.parametrize(
    ("classes", "words"),
    [
        ("none", "carried by all those interviewed in the round"),
        (None, "no adjustment for units that were not interviewed"),
    ],
    ids=["one-class", "not-applied"],
)
def test_one_class_for_the_whole_round_is_not_told_as_no_adjustment(
    page: WebDriver, weighted_server: DemoServer, classes: str | None, words: str
) -> None:
    open_board(page, weighted_server, "en")
    block = {"input": "sample", "nonresponse": classes, "calibration": None, "provisional": False}
    shown = json.loads(page.execute_async_script(RENDER, weights(weighted_server), block))

    assert words in shown["note"]


@pytest.mark.parametrize(
    ("lang", "size"), [("en", DESKTOP), ("vi", DESKTOP), ("vi", PHONE)], ids=["en", "vi", "phone"]
)
def test_axe_finds_no_violation_with_the_weights_panel_open(
    page: WebDriver, weighted_server: DemoServer, axe_script: str, lang: str, size
) -> None:
    set_viewport(page, size)
    open_board(page, weighted_server, lang)
    open_panel(page, weighted_server)

    assert axe_violations(page, axe_script) == []


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_nothing_is_cut_off_with_the_weights_panel_open(
    page: WebDriver, weighted_server: DemoServer, size: tuple[int, int], lang: str
) -> None:
    set_viewport(page, size)
    open_board(page, weighted_server, lang)
    open_panel(page, weighted_server)

    assert cut_off(page, size[0]) == []


def test_screenshot_of_the_weights_panel(page: WebDriver, weighted_server: DemoServer) -> None:
    set_viewport(page, DESKTOP)
    open_board(page, weighted_server, "en")
    open_panel(page, weighted_server)
    page.execute_script(
        "document.activeElement.blur(); document.getElementById('meta').scrollIntoView()"
    )

    assert screenshot(page, "dashboard-weights.png").stat().st_size > 10_000
