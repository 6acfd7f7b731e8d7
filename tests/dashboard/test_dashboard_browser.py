"""The planners' dashboard in headless Chromium against gunicorn serving the demo rounds."""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from catalogue import LAO_CAI_DISTRICTS, indicators_of
from service.demo import BUSINESS_ROUND, HOUSEHOLD_ROUND
from tests.support.dashboard_support import (
    DESKTOP,
    PHONE,
    PILOT_ROUND,
    DemoServer,
    card,
    choose,
    clear_downloads,
    downloaded,
    open_page,
    screenshot,
    set_viewport,
    show_view,
    shown,
    sign_in,
    sign_in_and_wait,
    switch_language,
    wait_for,
    wait_shown,
)

pytestmark = pytest.mark.browser


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


def test_each_indicator_states_its_target_status_in_plain_words(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner)
    switch_language(browser, "en")
    province = demo_server.estimates(HOUSEHOLD_ROUND)
    words = {
        "met": "Target met ({} ≥ {}): the whole likely range is at or above",
        "not_met": "Target not met ({} ≥ {}): the whole likely range is below",
        "uncertain": "Too uncertain to say ({} ≥ {}): the likely range reaches both",
    }

    for block in province["estimates"]:
        target = block["results"][0]["target"]
        status = card(browser, block["indicator"]).find_element(By.CLASS_NAME, "target-status")
        if target is None:
            assert status.text == "No target"
        else:
            named = f"{target['source']['year']} target ({target['source']['short_en']})"
            expected = words[target["status"]].format(named, f"{round(target['value'] * 100)}%")
            assert expected in status.text, block["indicator"]


def test_the_district_view_draws_a_bar_for_each_published_district_named_in_vietnamese(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    open_page(browser, f"{demo_server.url}/dashboard#round={HOUSEHOLD_ROUND}&by=area")
    sign_in_and_wait(browser, demo_server.planner, by="area")
    choose(browser, "by-select", "district")
    wait_shown(browser, by="district")
    api = demo_server.estimates(HOUSEHOLD_ROUND, by="district")

    for block in api["estimates"]:
        published = {
            r["domain"]["district"] for r in block["results"] if r["estimate"] is not None
        }  # neither unreliable nor withheld as a complement
        bars = card(browser, block["indicator"]).find_elements(By.CSS_SELECTOR, "g.domain-bar")
        assert {bar.get_attribute("data-code") for bar in bars} == published
        assert len(bars) == len(published)
        for bar in bars:
            name = bar.find_element(By.CLASS_NAME, "row-name").text
            assert name == LAO_CAI_DISTRICTS[bar.get_attribute("data-code")]


def test_a_suppressed_estimate_shows_no_mark_nor_number_and_says_why_and_what_would_help(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner, by="district")
    switch_language(browser, "en")
    api = demo_server.estimates(HOUSEHOLD_ROUND, by="district", indicator="fiber_available")
    suppressed = [r for r in api["estimates"][0]["results"] if r["reliability"] == "suppress"]
    assert suppressed, "the demo round should have a suppressed district estimate"

    for result in suppressed:
        row = card(browser, "fiber_available").find_element(
            By.CSS_SELECTOR, f'g[data-code="{result["domain"]["district"]}"]'
        )
        assert "rel-suppress" in row.get_attribute("class")
        assert row.find_elements(By.CSS_SELECTOR, "rect, circle, path, .row-value") == []
        assert row.find_element(By.CLASS_NAME, "row-note").text == "Not published"
        note = caution_of(browser, "fiber_available", row)
        assert note.startswith("Not published:")
        assert "More interviews in this area would help." in note
        plain = {"n_eff": "too few interviews", "ci_width": "too wide to be useful"}
        for code in result["reliability_reasons"]:
            assert plain.get(code, "likely range") in note


def caution_of(browser: WebDriver, indicator: str, row) -> str:
    """The words of the card's caution whose letter the chart row carries."""
    mark = row.find_element(By.CLASS_NAME, "row-mark").text
    item = card(browser, indicator).find_element(By.CSS_SELECTOR, f'li.caution[data-mark="{mark}"]')
    return item.find_element(By.CLASS_NAME, "caution-text").text


def test_each_caution_is_written_once_per_card_and_its_rows_carry_its_letter(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner, by="district")
    switch_language(browser, "en")
    checked = 0
    for section in browser.find_elements(By.CSS_SELECTOR, "section.indicator"):
        indicator = section.get_attribute("data-indicator")
        texts = [t.text for t in section.find_elements(By.CSS_SELECTOR, "li.caution .caution-text")]
        assert len(texts) == len(set(texts)), indicator  # once per card
        marks = {m.text for m in section.find_elements(By.CSS_SELECTOR, "svg.chart text.row-mark")}
        items = section.find_elements(By.CSS_SELECTOR, "li.caution")
        listed = {li.get_attribute("data-mark") for li in items}
        assert marks == listed, indicator  # every caution marks a row, every mark is explained
        for row in section.find_elements(By.CSS_SELECTOR, "svg.chart g.row"):
            if row.get_attribute("data-reliability") in ("review", "suppress"):
                assert row.find_elements(By.CLASS_NAME, "row-mark"), indicator
            # no row writes a caution of its own: at most its verdict
            for note in row.find_elements(By.CLASS_NAME, "row-note"):
                assert note.text in ("Not published", "No interviews yet"), note.text
        checked += len(texts)
    assert checked > 0, "the demo round's district cards have cautions"


def test_review_estimates_are_marked_with_a_diamond_and_a_plain_note(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner, by="district")

    reviews = card(browser, "epay_account").find_elements(
        By.CSS_SELECTOR, "g.domain-bar.rel-review"
    )
    assert reviews
    for row in reviews:
        assert row.find_elements(By.CSS_SELECTOR, "path.mark-review")
        assert caution_of(browser, "epay_account", row).startswith("Dùng thận trọng:")


def test_the_downloaded_csv_is_the_servers_export_of_what_is_shown(
    browser: WebDriver, demo_server: DemoServer, downloads: Path
) -> None:
    sign_in_and_wait(browser, demo_server.planner)
    browser.find_element(By.CSS_SELECTOR, "#advanced summary").click()
    choose(browser, "ci-select", "beta")
    choose(browser, "level-select", "0.9")
    wait_shown(browser, by="district", ci="beta", level="0.9")
    browser.find_element(By.ID, "download-csv").click()
    got = list(csv.DictReader(io.StringIO(downloaded(downloads, ".csv").read_text("utf-8"))))
    export = demo_server.get(
        f"/api/v1/rounds/{HOUSEHOLD_ROUND}/estimates",
        by="district",
        ci="beta",
        level="0.9",
        overall="true",
        suppressed="withhold",
        format="csv",
    )
    expected = list(csv.DictReader(io.StringIO(export.text)))

    assert list(got[0]) == list(expected[0])  # the API's columns
    drop_time = [{k: v for k, v in row.items() if k != "computed_at"} for row in expected]
    assert [{k: v for k, v in row.items() if k != "computed_at"} for row in got] == drop_time
    assert got[0]["domain"] == "" and got[0]["ci_method"] == "beta"


@pytest.mark.parametrize(("lang", "header"), [("vi", "Chỉ tiêu"), ("en", "Indicator")])
def test_the_downloaded_xlsx_is_a_report_in_the_pages_language_with_the_csvs_numbers(
    browser: WebDriver, demo_server: DemoServer, downloads: Path, lang: str, header: str
) -> None:
    switch_language(browser, lang)
    sign_in_and_wait(browser, demo_server.planner, by="district", lang=lang)
    clear_downloads(downloads)
    browser.find_element(By.ID, "download-csv").click()
    csv_rows = list(csv.DictReader(io.StringIO(downloaded(downloads, ".csv").read_text("utf-8"))))
    browser.find_element(By.ID, "download-xlsx").click()
    book = load_workbook(downloaded(downloads, ".xlsx"))
    sheet = book.worksheets[0]
    head, *rows = list(sheet.iter_rows(values_only=True))

    assert head[0] == header and sheet.freeze_panes == "A2"
    assert len(book.worksheets) == 2  # the notes
    assert len(rows) == len(csv_rows)
    for row, csv_row in zip(rows, csv_rows, strict=True):
        if csv_row["estimate"]:
            assert math.isclose(row[3], float(csv_row["estimate"]), rel_tol=1e-14)
        if csv_row["domain"]:
            assert csv_row["domain"] not in row[2]  # a name, not the code
    assert sheet.cell(2, 4).number_format == "0.0%"


def test_the_table_view_shows_the_same_rows_as_the_chart(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner, by="district")
    rows = card(browser, "egov_mobile").find_elements(By.CSS_SELECTOR, "g.row:not(.province-bar)")
    chart_codes = [row.get_attribute("data-code") for row in rows]
    show_view(browser, "table")

    table = card(browser, "egov_mobile").find_element(By.TAG_NAME, "table")
    table_codes = [
        tr.get_attribute("data-code")
        for tr in table.find_elements(By.CSS_SELECTOR, "tr.domain-row")
    ]
    assert table_codes == chart_codes
    assert table.find_element(By.CSS_SELECTOR, "tr.province-row th").text == "Toàn tỉnh Lào Cai"


def test_the_button_under_a_chart_opens_the_table_view_at_that_indicator(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner)
    button = card(browser, "epay_account").find_element(By.CLASS_NAME, "table-pointer")
    button.send_keys(Keys.ENTER)
    wait_shown(browser, view="table")

    focused = browser.switch_to.active_element
    assert focused.get_attribute("id") == "table-epay_account"
    assert focused.find_element(By.TAG_NAME, "table").is_displayed()


def test_the_legend_is_hidden_in_the_table_view(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner)
    assert browser.find_element(By.ID, "legend").is_displayed()

    show_view(browser, "table")

    assert not browser.find_element(By.ID, "legend").is_displayed()


def test_a_chart_mentions_a_target_to_screen_readers_only_when_there_is_one(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner, BUSINESS_ROUND)
    switch_language(browser, "en")

    def label(indicator: str) -> str:
        title = card(browser, indicator).find_element(By.CSS_SELECTOR, "svg.chart > title")
        return title.get_attribute("textContent")

    assert "target" in label("it_use")
    assert "target" not in label("digital_maturity")


def test_likely_ranges_stay_inside_the_axis_and_are_written_with_to_between_bounds(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    open_page(browser, f"{demo_server.url}/dashboard#round={BUSINESS_ROUND}&by=type&ci=wald")
    sign_in_and_wait(browser, demo_server.planner, BUSINESS_ROUND, by="type", ci="wald")
    for chart in browser.find_elements(By.CSS_SELECTOR, "svg.chart"):
        ticks = chart.find_elements(By.CSS_SELECTOR, "text.tick")
        left, right = (float(ticks[i].get_attribute("x")) for i in (0, -1))
        for bar in chart.find_elements(By.CSS_SELECTOR, "rect.ci"):
            x, width = float(bar.get_attribute("x")), float(bar.get_attribute("width"))
            assert left <= x and x + width <= right + 1e-6
    show_view(browser, "table")

    ranges = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "tr td:nth-child(3)")]
    written = [text for text in ranges if text != "–"]
    assert written and all(re.fullmatch(r"[\d,.]+%? đến [\d,.]+%?", text) for text in written)


def test_a_bookmarked_view_of_the_business_round_by_business_type_is_restored(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    open_page(
        browser, f"{demo_server.url}/dashboard#round={BUSINESS_ROUND}&by=type&ci=beta&level=0.99"
    )
    sign_in_and_wait(
        browser, demo_server.planner, BUSINESS_ROUND, by="type", ci="beta", level="0.99"
    )

    rows = card(browser, "it_use").find_elements(By.CSS_SELECTOR, "g.row:not(.province-bar)")
    types = {"enterprise", "cooperative", "household_business"}
    assert {row.get_attribute("data-code") for row in rows} == types
    assert browser.find_element(By.ID, "advanced").get_attribute("open") is not None


@pytest.mark.parametrize(
    ("round_id", "instrument"), [(HOUSEHOLD_ROUND, "household"), (BUSINESS_ROUND, "business")]
)
def test_the_breakdowns_offered_are_those_the_api_lists_for_the_round(
    browser: WebDriver, demo_server: DemoServer, round_id: str, instrument: str
) -> None:
    """The round's `domains` (its instrument's, by its geography version: docs/design.md §13)."""
    sign_in_and_wait(browser, demo_server.planner, round_id)

    options = browser.find_elements(By.CSS_SELECTOR, "#by-select option")
    domains = demo_server.get(f"/api/v1/rounds/{round_id}").json()["domains"]
    assert [o.get_attribute("value") for o in options] == domains
    assert set(demo_server.breakdowns(instrument)) <= set(domains)
    assert "commune" in [o.get_attribute("value") for o in options]


def test_the_commune_breakdown_names_communes_and_the_sector_one_names_sectors(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner, BUSINESS_ROUND)
    choose(browser, "by-select", "commune")
    wait_shown(browser, by="commune")
    communes = demo_server.get(f"/api/v1/rounds/{BUSINESS_ROUND}").json()["frame"]["communes"]
    rows = card(browser, "it_use").find_elements(By.CSS_SELECTOR, "g.row:not(.province-bar)")
    names = {
        row.get_attribute("data-code"): row.find_element(By.CLASS_NAME, "row-name").text
        for row in rows
    }
    assert names and all(name == communes[code]["name"] for code, name in names.items())

    choose(browser, "by-select", "sector")
    wait_shown(browser, by="sector")
    rows = card(browser, "it_use").find_elements(By.CSS_SELECTOR, "g.row:not(.province-bar)")
    assert "Công nghiệp chế biến, chế tạo" in {
        r.find_element(By.CLASS_NAME, "row-name").text for r in rows
    }


def test_switching_language_changes_labels_titles_and_the_lang_attribute(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner, lang="vi")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    assert browser.find_element(By.ID, "signout").text == "Đăng xuất"
    assert browser.title.startswith("Chuyển đổi số tại Lào Cai — ")
    round_label = browser.find_element(By.CSS_SELECTOR, f"label:has(#round-{HOUSEHOLD_ROUND})")
    assert round_label.text == "Khảo sát chuyển đổi số hộ gia đình Lào Cai 2025 (thử nghiệm)"
    assert "Lựa chọn thông dụng" in browser.find_element(By.ID, "ci-help").get_attribute(
        "textContent"
    )

    switch_language(browser, "en")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.ID, "signout").text == "Sign out"
    assert browser.title == "Digital adoption in Lào Cai — planners' dashboard"
    assert card(browser, "fiber_available").find_element(By.TAG_NAME, "h3").text == (
        "Fiber broadband available"
    )


def test_dates_and_numbers_follow_vietnamese_conventions(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner, lang="vi")

    meta = browser.find_element(By.ID, "meta").text
    assert re.search(r"Cập nhật lúc \d\d/\d\d/\d{4} \d\d:\d\d · ", meta)
    assert "phiên bản" not in meta  # when it was updated, not a version number
    assert re.search(r"\d\.\d{3} phiếu$", meta)  # 1.145 phiếu
    estimate = card(browser, "fiber_available").find_element(By.CLASS_NAME, "estimate").text
    assert re.fullmatch(r"\d+,\d%", estimate)


def test_a_wrong_token_marks_the_field_invalid_and_ties_it_to_the_message(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in(browser, "not-a-real-token")

    error = browser.find_element(By.ID, "signin-error")
    wait_for(browser, lambda d: error.is_displayed())
    field = browser.find_element(By.ID, "token-input")
    assert "không hợp lệ" in error.text
    assert field.get_attribute("aria-invalid") == "true"
    assert "signin-error" in field.get_attribute("aria-describedby").split()
    assert browser.find_element(By.ID, "board").is_displayed() is False
    assert browser.execute_script("return sessionStorage.length") == 0


def test_an_enumerator_token_is_refused_with_a_reason(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    switch_language(browser, "en")
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


def tab_from_the_top(browser: WebDriver) -> None:
    """Reload (the tab stays signed in) and press Tab once, as a keyboard user arriving."""
    browser.refresh()
    wait_shown(browser)
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)


def test_the_controls_can_be_reached_with_the_keyboard(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    sign_in_and_wait(browser, demo_server.planner)
    focused = []
    tab_from_the_top(browser)
    for _ in range(16):
        active = browser.switch_to.active_element
        focused.append(active.get_attribute("id") or active.tag_name)
        active.send_keys(Keys.TAB)

    for control in (
        "skip-link",
        "lang-en",
        "signout",
        f"round-{HOUSEHOLD_ROUND}",
        "by-select",
        "view-chart",
        "download-csv",
        "download-xlsx",
        "summary",
    ):
        assert control in focused


def test_the_skip_link_moves_focus_to_the_estimates_and_keeps_the_bookmarked_view(
    browser: WebDriver, demo_server: DemoServer
) -> None:
    open_page(browser, f"{demo_server.url}/dashboard#round={BUSINESS_ROUND}&by=type")
    sign_in_and_wait(browser, demo_server.planner, BUSINESS_ROUND, by="type")
    url = browser.current_url

    tab_from_the_top(browser)
    assert browser.switch_to.active_element.get_attribute("id") == "skip-link"
    browser.switch_to.active_element.send_keys(Keys.ENTER)

    assert browser.switch_to.active_element.get_attribute("id") == "main"
    assert browser.current_url == url
    browser.refresh()
    wait_shown(browser, round=BUSINESS_ROUND, by="type")


@pytest.mark.parametrize(
    ("size", "name", "lang", "view", "round_id"),
    [
        (DESKTOP, "dashboard-desktop.png", "en", "chart", HOUSEHOLD_ROUND),
        (DESKTOP, "dashboard-table.png", "vi", "table", BUSINESS_ROUND),
        (PHONE, "dashboard-phone.png", "vi", "chart", HOUSEHOLD_ROUND),
    ],
)
def test_screenshots_of_the_dashboard(
    browser: WebDriver,
    demo_server: DemoServer,
    size: tuple[int, int],
    name: str,
    lang: str,
    view: str,
    round_id: str,
) -> None:
    set_viewport(browser, size)
    switch_language(browser, lang)
    open_page(browser, f"{demo_server.url}/dashboard#round={round_id}&view={view}")
    sign_in_and_wait(browser, demo_server.planner, round_id, view=view, lang=lang)
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= size[0], "no sideways scrolling"
    browser.execute_script("document.activeElement.blur()")
    if size == PHONE:  # the controls fill the first screen; show the first chart
        browser.execute_script("document.querySelector('section.indicator').scrollIntoView()")

    path = screenshot(browser, name)
    assert path.stat().st_size > 10_000


def test_screenshot_of_the_sign_in_page(browser: WebDriver, demo_server: DemoServer) -> None:
    set_viewport(browser, DESKTOP)
    sign_in(browser, "not-a-real-token")
    wait_for(browser, lambda d: d.find_element(By.ID, "signin-error").is_displayed())

    assert screenshot(browser, "dashboard-signin.png").stat().st_size > 5_000


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


@pytest.mark.parametrize(
    ("lang", "groups"),
    [
        (
            "vi",
            [
                "Khảo sát hộ gia đình 2026",
                "Khảo sát hộ gia đình 2025",
                "Khảo sát hộ gia đình 2024",
                "Khảo sát doanh nghiệp 2025",
            ],
        ),
        (
            "en",
            [
                "Household survey 2026",
                "Household survey 2025",
                "Household survey 2024",
                "Business survey 2025",
            ],
        ),
    ],
)
def test_the_page_opens_on_the_latest_household_round_grouped_by_survey_and_year_without_pilots(
    browser: WebDriver, demo_server: DemoServer, lang: str, groups: list[str]
) -> None:
    open_page(browser, f"{demo_server.url}/dashboard")
    switch_language(browser, lang)
    sign_in(browser, demo_server.planner)
    wait_shown(browser, lang=lang)

    households = [
        r for r in demo_server.rounds() if r["instrument"] == "household" and r["n_submissions"]
    ]
    latest = max(households, key=lambda r: (r["period"]["end"], r["period"]["start"]))
    assert shown(browser).split("|")[0] == latest["id"]  # opened on it, not picked
    titles = [node.text for node in browser.find_elements(By.CLASS_NAME, "round-group-title")]
    assert titles == groups
    assert browser.find_element(By.ID, f"round-{latest['id']}").is_selected()
    assert not browser.find_elements(By.ID, f"round-{PILOT_ROUND['id']}")
    assert PILOT_ROUND["id"] not in {r["id"] for r in demo_server.rounds()}
