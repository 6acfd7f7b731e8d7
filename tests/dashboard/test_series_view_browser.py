"""The series view (/dashboard/series, docs/planners.md) in headless Chromium against gunicorn
serving the demo series `laocai-household` (2024, 2025 on the former Lào Cai; 2026 on the
merged province): every round's estimates, and the change since the first round in words that
carry the change API's numbers, in Vietnamese and English; 2024 → 2026 on the former Lào Cai,
the only area the rounds share, and the page says so."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from catalogue import indicators_of
from service.demo import HOUSEHOLD_ROUND, HOUSEHOLD_ROUND_2026, HOUSEHOLD_SERIES
from tests.support.dashboard_support import (
    DESKTOP,
    PHONE,
    DemoServer,
    open_page,
    screenshot,
    set_viewport,
    sign_in,
    wait_for,
)
from tests.support.series_support import (
    SERIES_PATH,
    SERIES_ROUNDS,
    change_block,
    domain_code,
    estimates_as_shown,
    in_language,
    one_decimal,
    open_series,
    province_change,
    rate_indicators,
    series_shown,
    shown_series_rows,
    wait_series,
)

pytestmark = pytest.mark.browser

ROUNDS = SERIES_ROUNDS
LATER = ROUNDS[1:]  # each later round's change from the first is said
# the sentence the page writes for a change, per language (docs/planners.md)
SENTENCE = {
    "en": "{change} ({level} CI {low} to {high}): {verdict}",
    "vi": "{change} (khoảng tin cậy {level}: {low} đến {high}): {verdict}",
}
WORDS = {
    "en": {
        "up": "up",
        "down": "down",
        "unchanged": "unchanged",
        "points": "points",
        "units": "units",
        True: "a real change",
        False: "no change we can detect",
    },
    "vi": {
        "up": "tăng",
        "down": "giảm",
        "unchanged": "không đổi",
        "points": "điểm phần trăm",
        "units": "đơn vị",
        True: "thay đổi thực sự",
        False: "không phát hiện được thay đổi",
    },
}


def expected_sentence(result: dict[str, Any], is_rate: bool, level: str, lang: str) -> str:
    """The change sentence, written here from the API's numbers."""
    scale = 100 if is_rate else 1
    number = lambda value: in_language(one_decimal(value * scale), lang)  # noqa: E731
    words = WORDS[lang]
    difference = result["difference"]
    direction = "up" if difference > 0 else "down" if difference < 0 else "unchanged"
    amount = f" {number(abs(difference))} {words['points' if is_rate else 'units']}"
    return SENTENCE[lang].format(
        change=words[direction] + (amount if difference else ""),
        level=f"{round(float(level) * 100)}%",
        low=number(result["ci_low"]),
        high=number(result["ci_high"]),
        verdict=words[result["significant"]],
    )


def shown_changes(driver: WebDriver) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """(indicator, code, to round) → every change statement the page shows for it (summary,
    chart, table)."""
    found: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for change in shown_series_rows(driver)["changes"]:
        found.setdefault((change["indicator"], change["code"], change["to"]), []).append(change)
    return found


def api_changes(
    demo_server: DemoServer, indicator: str, to: str, by: str, **params: str
) -> list[tuple[str, dict[str, Any]]]:
    """(code, result) for each change the page should say: the province's, then by `by`."""
    results = [("", province_change(demo_server, indicator, to, **params))]
    if by:
        block = change_block(demo_server, indicator, to, by=by, **params)
        results += [(domain_code(result), result) for result in block["results"]]
    return results


def test_signing_in_shows_every_indicator_with_a_row_for_each_round(
    series_page: WebDriver, demo_server: DemoServer
) -> None:
    open_series(series_page, demo_server)

    cards = series_page.find_elements(By.CSS_SELECTOR, "section.indicator")
    assert [c.get_attribute("data-indicator") for c in cards] == [
        indicator.id for indicator in indicators_of("household")
    ]
    rows = shown_series_rows(series_page)["rows"]
    assert {(row["indicator"], row["round"]) for row in rows} == {
        (card.get_attribute("data-indicator"), round_id) for card in cards for round_id in ROUNDS
    }


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("by", ["", "former_province", "commune"])
def test_the_change_said_in_words_carries_the_change_apis_numbers(
    series_page: WebDriver, demo_server: DemoServer, lang: str, by: str
) -> None:
    open_series(series_page, demo_server, lang, by=by, view="table")
    shown = shown_changes(series_page)
    rates = rate_indicators(demo_server)
    checked = 0

    for indicator, to in ((i.id, to) for i in indicators_of("household") for to in LATER):
        for code, result in api_changes(demo_server, indicator, to, by):
            statements = shown[(indicator, code, to)]
            if any(s["kind"] != "shown" for s in statements):
                continue  # an estimate withheld or absent: the change is not said (tests below)
            sentence = expected_sentence(result, rates[indicator], "0.95", lang)
            assert [s["words"] for s in statements] == [sentence] * len(statements)
            checked += 1
    assert checked >= {"": 12, "former_province": 24, "commune": 12}[by]


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_change_2024_to_2026_is_said_for_the_former_lao_cai_and_the_page_says_so(
    series_page: WebDriver, demo_server: DemoServer, lang: str
) -> None:
    open_series(series_page, demo_server, lang, by="former_province", view="table")
    shown = shown_changes(series_page)
    rates = rate_indicators(demo_server)
    area_note = {
        "en": "The change is compared on the former Lào Cai area, the only area both rounds "
        "covered (the province was merged on 1 July 2025).",
        "vi": "Thay đổi được so sánh trên địa bàn tỉnh Lào Cai cũ, địa bàn duy nhất cả hai "
        "cuộc khảo sát cùng bao phủ (tỉnh đã hợp nhất từ ngày 1/7/2025).",
    }
    from_to = {"en": "From 2024 to 2026: ", "vi": "Từ 2024 đến 2026: "}

    for card in series_page.find_elements(By.CSS_SELECTOR, "section.indicator"):
        indicator = card.get_attribute("data-indicator")
        on_former = province_change(demo_server, indicator, HOUSEHOLD_ROUND_2026)
        sentence = expected_sentence(on_former, rates[indicator], "0.95", lang)
        summary = card.find_element(By.CSS_SELECTOR, ".summary").text
        assert f"{from_to[lang]}{sentence}" in summary
        assert area_note[lang] in summary
        # the province's line and the former Lào Cai's row say the same change
        for code in ("", "10"):
            statements = shown[(indicator, code, HOUSEHOLD_ROUND_2026)]
            assert [s["words"] for s in statements] == [sentence] * len(statements), code
        for statement in shown[(indicator, "15", HOUSEHOLD_ROUND_2026)]:
            assert statement["kind"] == "missing"  # the former Yên Bái: not surveyed in 2024


def test_a_significant_change_is_called_a_real_change(
    series_page: WebDriver, demo_server: DemoServer
) -> None:
    open_series(series_page, demo_server, "en", by="commune", view="table")
    shown = shown_changes(series_page)
    real = [
        (indicator.id, code, to)
        for indicator in indicators_of("household")
        for to in LATER
        for code, result in api_changes(demo_server, indicator.id, to, "commune")
        if result["significant"]
    ]
    said = [key for key in real if all(s["kind"] == "shown" for s in shown[key])]

    assert said, "the demo has a real change to say"
    for key in said:
        assert all(s["words"].endswith(": a real change") for s in shown[key]), key


def test_an_overlapping_pairing_from_a_bookmark_opens_the_advanced_choices_and_is_used(
    series_page: WebDriver, demo_server: DemoServer
) -> None:
    open_series(series_page, demo_server, "en", pairing="overlapping", level="0.9")
    shown = shown_changes(series_page)
    rates = rate_indicators(demo_server)

    assert series_page.find_element(By.ID, "advanced").get_attribute("open") is not None
    help_text = series_page.find_element(By.ID, "pairing-help").text
    assert "surveyed in both rounds" in help_text
    for indicator in (i.id for i in indicators_of("household")):
        result = province_change(
            demo_server, indicator, HOUSEHOLD_ROUND, pairing="overlapping", level="0.9"
        )
        expected = expected_sentence(result, rates[indicator], "0.9", "en")
        # the chart writes "From 2024 to 2025: " before it, as there are two changes
        assert all(s["words"].endswith(expected) for s in shown[(indicator, "", HOUSEHOLD_ROUND)])


def test_a_change_is_not_said_where_either_rounds_estimate_is_not_published(
    series_page: WebDriver, demo_server: DemoServer
) -> None:
    open_series(series_page, demo_server, "en", by="commune", view="table")
    shown = shown_changes(series_page)
    reliability = {  # (round, indicator, commune) → its estimate's reliability as published
        (round_id, block["indicator"], domain_code(result)): "suppress"
        if result["estimate"] is None
        else result["reliability"]
        for round_id in ROUNDS
        for block in estimates_as_shown(demo_server, round_id, "commune")["estimates"]
        for result in block["results"]
    }
    withheld = [
        (indicator, code, to)
        for (round_id, indicator, code), state in reliability.items()
        if state == "suppress"
        for to in LATER
        if round_id in (ROUNDS[0], to)
        # both rounds interviewed here: else the change is missing, not withheld
        and {(ROUNDS[0], indicator, code), (to, indicator, code)} <= reliability.keys()
    ]

    assert withheld, "the demo has communes not published in a round"
    for key in withheld:
        assert shown[key], key
        for statement in shown[key]:
            assert statement["kind"] == "withheld", statement
            assert statement["words"].startswith("The change is not shown: the 20"), statement
            assert "estimate is not published (" in statement["words"], statement


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_an_area_surveyed_in_one_round_only_says_why_there_is_no_change(
    series_page: WebDriver, demo_server: DemoServer, lang: str
) -> None:
    open_series(series_page, demo_server, lang, by="commune", view="table")
    shown = shown_changes(series_page)
    missing = [
        (result, domain_code(result), to)
        for to in LATER
        # the analyst's numbers say which round is missing (a planner's may be withheld)
        for result in change_block(
            demo_server,
            "fiber_available",
            to,
            demo_server.analyst,
            by="commune",
            suppressed="show",
        )["results"]
        if result.get("reason") == "missing_in_round"
    ]
    words = {
        "en": "No change to show: there were no interviews here in {}, so there is nothing",
        "vi": "Không có thay đổi để nêu: đợt {} không có phiếu ở đây nên không có gì để so sánh",
    }

    assert missing, "the demo rounds drew different communes"
    for result, code, to in missing:
        year = "2024" if result["from_estimate"] is None else to.split("-")[1]
        for statement in shown[("fiber_available", code, to)]:
            assert statement["kind"] == "missing"
            assert words[lang].format(year) in statement["words"]


def test_the_page_speaks_vietnamese_with_vietnamese_titles_dates_and_numbers(
    series_page: WebDriver, demo_server: DemoServer
) -> None:
    open_series(series_page, demo_server, "vi")

    rounds = series_page.find_element(By.ID, "series-rounds").text
    for year in ("2024", "2025", "2026"):
        title = f"Khảo sát chuyển đổi số hộ gia đình Lào Cai {year} (thử nghiệm)"
        assert f"{title}: 01/03/{year} đến 31/10/{year}" in rounds
    assert series_page.title.startswith("Thay đổi giữa các đợt khảo sát")
    assert series_page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi"
    meta = series_page.find_element(By.ID, "meta").text
    assert "2024: 1.058" in meta and "2025: 1.069" in meta  # a thousands dot
    assert "2026: 1.197" in meta


def test_switching_to_english_redraws_the_page_in_english(
    series_page: WebDriver, demo_server: DemoServer
) -> None:
    open_series(series_page, demo_server, "vi")
    series_page.find_element(By.ID, "lang-en").click()
    wait_series(series_page, lang="en")

    assert "Lào Cai household digital adoption survey 2024 (demo): 1 Mar 2024 to 31 Oct 2024" in (
        series_page.find_element(By.ID, "series-rounds").text
    )
    summary = series_page.find_element(By.CSS_SELECTOR, "section.indicator .summary").text
    assert summary.startswith("Lào Cai province:\nFrom 2024 to 2025: ")


def test_a_score_changes_by_units_and_a_zero_change_is_unchanged(
    series_page: WebDriver, demo_server: DemoServer
) -> None:
    open_series(series_page, demo_server, "en")
    sentences = series_page.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        import("/dashboard/static/js/series-rows.js").then(({ changeSentence: say }) => done([
          say({difference: -3.25, ci_low: -6.5, ci_high: -0.4, significant: true}, false, 0.9),
          say({difference: 0, ci_low: -1, ci_high: 1, significant: false}, true, 0.95),
          say({difference: 0.02, ci_low: null, ci_high: null, significant: null}, true, 0.95),
        ]));
        """
    )

    assert sentences == [
        "down 3.3 units (90% CI \u22126.5 to \u22120.4): a real change",
        "unchanged (95% CI \u2212100.0 to 100.0): no change we can detect",
        "up 2.0 points: too few communes to say how sure this is",
    ]


def test_a_change_on_the_compared_area_is_not_said_where_its_estimate_is_withheld(
    series_page: WebDriver, demo_server: DemoServer
) -> None:
    open_series(series_page, demo_server, "en")
    statement = series_page.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        import("/dashboard/static/js/series-rows.js").then(({ changeStatement }) => {
          const row = { state: "ok" };
          const group = { rounds: [
            { round: { id: "a" }, label: "2024", row }, { round: { id: "b" }, label: "2026", row },
          ] };
          // the former Lào Cai's 2026 estimate withheld, the province's rows published
          const result = { difference: 0.06, ci_low: 0.01, ci_high: 0.11, significant: true,
            withheldIn: "b", reasons: ["n_min"] };
          done(changeStatement(group, { to: { id: "b" }, result }, { isRate: true, level: 0.95 }));
        });
        """
    )

    assert statement["kind"] == "withheld"
    assert statement["text"].startswith("The change is not shown: the 2026 estimate is not")
    assert "6.0" not in statement["text"] and "11.0" not in statement["text"]


def tab_from_the_top(page: WebDriver) -> None:
    """Reload (the tab stays signed in) and press Tab once, as a keyboard user arriving."""
    page.refresh()
    wait_series(page)
    page.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)


def test_the_skip_link_moves_focus_to_the_view_and_keeps_the_bookmark(
    series_page: WebDriver, demo_server: DemoServer
) -> None:
    open_series(series_page, demo_server, "en", by="commune")
    before = series_page.current_url
    tab_from_the_top(series_page)
    assert series_page.switch_to.active_element.get_attribute("id") == "skip-link"
    series_page.switch_to.active_element.send_keys(Keys.ENTER)

    assert series_page.switch_to.active_element.get_attribute("id") == "main"
    assert series_page.current_url == before
    assert "by=commune" in before


def test_the_keyboard_reaches_every_control_and_the_table_of_each_chart(
    series_page: WebDriver, demo_server: DemoServer
) -> None:
    open_series(series_page, demo_server, "en", pairing="overlapping")  # advanced choices open
    tab_from_the_top(series_page)
    reached = []
    for _ in range(40):
        active = series_page.switch_to.active_element
        reached.append(active.get_attribute("id") or active.get_attribute("class"))
        active.send_keys(Keys.TAB)

    for control in (
        "skip-link",
        "lang-vi",
        "lang-en",
        "signout",
        f"series-{HOUSEHOLD_SERIES}",
        "by-select",
        "view-chart",
        "pairing-select",
        "level-select",
    ):
        assert control in reached, control
    assert "link-button table-pointer" in reached
    series_page.find_element(By.CSS_SELECTOR, ".table-pointer").send_keys(Keys.ENTER)
    wait_series(series_page, view="table")
    assert series_page.switch_to.active_element.get_attribute("id") == "table-fiber_available"


def test_the_dashboard_and_the_series_view_link_to_each_other(
    series_page: WebDriver, demo_server: DemoServer
) -> None:
    open_series(series_page, demo_server, "en")
    series_page.find_element(By.CSS_SELECTOR, ".page-nav a").click()
    wait_for(series_page, lambda d: d.find_elements(By.CSS_SELECTOR, "section.indicator"))
    assert series_page.current_url.split("#")[0].endswith("/dashboard")

    series_page.find_element(By.CSS_SELECTOR, "a.page-link").click()
    wait_series(series_page, series=HOUSEHOLD_SERIES)
    assert series_page.current_url.split("#")[0].endswith(SERIES_PATH)


def test_an_enumerator_token_is_told_it_cannot_read_the_change(
    series_page: WebDriver, demo_server: DemoServer
) -> None:
    sign_in(series_page, demo_server.enumerator)
    error = wait_for(
        series_page,
        lambda d: d.find_element(By.ID, "signin-error").text or None,
    )

    assert "cần mã của cán bộ kế hoạch hoặc quản trị" in error
    assert series_shown(series_page) == {}


def test_the_page_logs_no_browser_errors(series_page: WebDriver, demo_server: DemoServer) -> None:
    open_series(series_page, demo_server, "en", by="commune")

    assert [e for e in series_page.get_log("browser") if e["level"] == "SEVERE"] == []


@pytest.mark.parametrize(
    ("name", "size", "lang", "view"),
    [
        ("series-desktop.png", DESKTOP, "en", {"by": "former_province"}),
        ("series-table.png", DESKTOP, "vi", {"by": "commune", "view": "table"}),
        ("series-phone.png", PHONE, "vi", {}),
    ],
)
def test_screenshots_of_the_series_view(
    series_page: WebDriver,
    demo_server: DemoServer,
    name: str,
    size: tuple[int, int],
    lang: str,
    view: dict[str, str],
) -> None:
    set_viewport(series_page, size)
    open_series(series_page, demo_server, lang, **view)
    if size == PHONE:  # past the controls, to the first indicator
        card = series_page.find_element(By.CSS_SELECTOR, "section.indicator")
        series_page.execute_script("arguments[0].scrollIntoView()", card)

    assert screenshot(series_page, name).stat().st_size > 10_000


def test_the_series_view_opens_without_a_token_at_its_own_address(
    series_page: WebDriver, demo_server: DemoServer
) -> None:
    open_page(series_page, f"{demo_server.url}{SERIES_PATH}")

    assert series_page.find_element(By.ID, "signin").is_displayed()
    assert series_page.find_element(By.ID, "board").is_displayed() is False
