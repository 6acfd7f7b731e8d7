"""No suppressed estimate reaches a planner through the series view: for every breakdown of the
demo series, in both languages, chart and table (tooltips included), a round's estimate that
is `suppress` shows no number, mark or bar, only why; and no change of its area that involves
that round is said, since the difference and the other round's estimate would give the number
away."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.dashboard_support import DemoServer, choose
from tests.support.series_support import (
    SERIES_ROUNDS,
    open_series,
    params_as_shown,
    rate_indicators,
    shown_series_rows,
    wait_series,
    written_forms,
)

pytestmark = pytest.mark.browser

ROUNDS = SERIES_ROUNDS
NOT_PUBLISHED = {"vi": "Không công bố", "en": "Not published"}


def suppressed(demo_server: DemoServer, by: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(indicator, domain code or '', round) → the full result of each suppressed estimate."""
    return {
        (indicator, domain, round_id): result
        for round_id in ROUNDS
        for (indicator, domain), result in demo_server.withheld(
            round_id, **params_as_shown(by)
        ).items()
    }


def assert_view_withholds(browser: WebDriver, demo_server: DemoServer, by: str, lang: str) -> int:
    hidden = suppressed(demo_server, by)
    rates = rate_indicators(demo_server)
    shown = shown_series_rows(browser)
    seen = set()
    for row in shown["rows"]:
        result = hidden.get((row["indicator"], row["code"], row["round"]))
        if result is None:
            continue
        seen.add((row["indicator"], row["code"], row["round"]))
        assert row["state"] == "suppress" and row["marks"] == 0, row
        assert NOT_PUBLISHED[lang] in row["words"], row
        values = (result[name] for name in ("estimate", "ci_low", "ci_high"))
        for value in (value for value in values if value is not None):
            for form in written_forms(value, rates[row["indicator"]]):
                assert form not in row["words"], (form, row)
    for change in shown["changes"]:
        pair = (ROUNDS[0], change["to"])  # a change is said from the first round to `to`
        if any((change["indicator"], change["code"], round_id) in hidden for round_id in pair):
            # withheld, or (an area surveyed in one round) missing: never a number
            assert change["kind"] in {"withheld", "missing"}, change
    assert seen == set(hidden), "every suppressed estimate has its row"
    return len(hidden)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_suppressed_estimate_of_the_demo_series_appears_in_any_breakdown(
    series_page: WebDriver, demo_server: DemoServer, lang: str
) -> None:
    open_series(series_page, demo_server, lang)
    offered = series_page.find_elements(By.CSS_SELECTOR, "#by-select option")
    breakdowns = [option.get_attribute("value") for option in offered]
    assert breakdowns == ["", "commune", "former_province"]  # every breakdown all rounds have
    checked = 0
    for by in breakdowns:
        choose(series_page, "by-select", by)
        for view in ("chart", "table"):
            series_page.find_element("id", f"view-{view}").click()
            wait_series(series_page, by=by, view=view, lang=lang)
            checked += assert_view_withholds(series_page, demo_server, by, lang)

    assert checked > 0, "the demo series has suppressed estimates to withhold"
