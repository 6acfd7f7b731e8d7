"""The supervisors' fieldwork page (docs/design.md §8) in headless Chromium, against gunicorn
serving the fieldwork demo round: what it shows equals the progress API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from service.loading import load_fieldwork_demo
from service.samples.demo import ENUMERATORS, FIELDWORK_ROUND, round_body
from service.store import Store
from tests.support.servers import EmbeddedStore, GunicornServer

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
COUNTS = ("assigned", "completed", "refused", "noncontact", "not_found", "ineligible", "pending")


@pytest.fixture(scope="module")
def server(store_server: EmbeddedStore) -> Iterator[dict[str, str]]:
    """gunicorn over a database holding the fieldwork demo round; a supervisor and an
    enumerator token."""
    database = f"fieldwork_{uuid.uuid4().hex[:8]}"
    store = Store(store_server.uri, database)
    store.ensure_indexes()
    load_fieldwork_demo(store)
    tokens = {
        role: store.tokens.create(role, f"page-{role}")[1] for role in ("supervisor", "enumerator")
    }
    store.close()
    gunicorn = GunicornServer(store_server.uri, database).start()
    try:
        yield {"url": gunicorn.url, **tokens}
    finally:
        gunicorn.stop()


@pytest.fixture
def page(chromium: WebDriver, server: dict[str, str]) -> WebDriver:
    chromium.get(f"{server['url']}/dashboard/fieldwork")
    chromium.execute_script("sessionStorage.clear(); localStorage.clear();")
    chromium.get("about:blank")
    chromium.get(f"{server['url']}/dashboard/fieldwork")
    chromium.get_log("browser")  # drain what earlier tests logged
    return chromium


def sign_in(driver: WebDriver, token: str) -> None:
    driver.find_element(By.ID, "token-input").send_keys(token)
    driver.find_element(By.ID, "signin-button").click()


def wait_shown(driver: WebDriver, lang: str) -> None:
    WebDriverWait(driver, 20, poll_frequency=0.05).until(
        lambda d: (
            d.find_element(By.ID, "progress").get_attribute("data-shown")
            == f"{FIELDWORK_ROUND}|{lang}"
        )
    )


def progress(server: dict[str, str], by: str) -> dict[str, Any]:
    response = requests.get(
        f"{server['url']}/api/v1/rounds/{FIELDWORK_ROUND}/progress",
        params={"by": by},
        headers={"Authorization": f"Bearer {server['supervisor']}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def shown_counts(driver: WebDriver, by: str, key: str) -> dict[str, int]:
    row = driver.find_element(By.CSS_SELECTOR, f'#progress-{by} tr[data-key="{key}"]')
    return {
        name: int(row.find_element(By.CSS_SELECTOR, f'td[data-column="{name}"]').text)
        for name in COUNTS
    }


@pytest.mark.parametrize("by", ["district", "enumerator"])
def test_the_page_shows_the_progress_the_api_gives(page, server, by: str) -> None:
    sign_in(page, server["supervisor"])
    wait_shown(page, "vi")
    body = progress(server, by)
    for group in body["groups"]:
        assert shown_counts(page, by, group["key"]) == {name: group[name] for name in COUNTS}
    assert shown_counts(page, by, "total") == {name: body["total"][name] for name in COUNTS}


def test_every_enumerator_has_a_row(page, server) -> None:
    sign_in(page, server["supervisor"])
    wait_shown(page, "vi")
    rows = page.find_elements(By.CSS_SELECTOR, "#progress-enumerator tbody tr")
    assert {row.get_attribute("data-key") for row in rows} == set(ENUMERATORS)


def test_the_page_speaks_vietnamese_and_english(page, server) -> None:
    sign_in(page, server["supervisor"])
    wait_shown(page, "vi")
    assert "Tỷ lệ trả lời" in page.find_element(By.ID, "progress-district").text
    page.find_element(By.CSS_SELECTOR, '[data-lang="en"]').click()
    wait_shown(page, "en")
    assert "Response rate" in page.find_element(By.ID, "progress-district").text


def test_an_enumerator_token_is_told_it_cannot_read_progress(page, server) -> None:
    sign_in(page, server["enumerator"])
    error = WebDriverWait(page, 20).until(
        lambda d: (
            d.find_element(By.ID, "signin-error")
            if d.find_element(By.ID, "signin-error").is_displayed()
            else None
        )
    )
    assert "không xem được tiến độ" in error.text
    assert page.find_element(By.ID, "board").is_displayed() is False


def test_a_wrong_token_marks_the_field_invalid_and_ties_it_to_the_message(page, server) -> None:
    sign_in(page, "not-a-real-token")
    error = page.find_element(By.ID, "signin-error")
    WebDriverWait(page, 20).until(lambda d: error.is_displayed())

    field = page.find_element(By.ID, "token-input")
    assert "không hợp lệ" in error.text
    assert field.get_attribute("aria-invalid") == "true"
    assert "signin-error" in field.get_attribute("aria-describedby").split()


def test_the_round_is_chosen_as_on_the_dashboard_with_its_vietnamese_title(page, server) -> None:
    sign_in(page, server["supervisor"])
    wait_shown(page, "vi")
    choice = page.find_element(By.CSS_SELECTOR, f"label:has(#round-{FIELDWORK_ROUND})")
    assert choice.find_element(By.TAG_NAME, "input").get_attribute("type") == "radio"
    assert choice.text == round_body()["title_vi"]
    assert page.title.startswith("Tiến độ điều tra thực địa — ")

    page.find_element(By.ID, "lang-en").click()
    wait_shown(page, "en")
    choice = page.find_element(By.CSS_SELECTOR, f"label:has(#round-{FIELDWORK_ROUND})")
    assert choice.text == round_body()["title"]


def test_the_skip_link_moves_focus_to_the_progress_and_keeps_the_url(page, server) -> None:
    sign_in(page, server["supervisor"])
    wait_shown(page, "vi")
    url = page.current_url
    assert f"round={FIELDWORK_ROUND}" in url
    page.refresh()  # a keyboard user arriving: the tab stays signed in
    wait_shown(page, "vi")
    page.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert page.switch_to.active_element.get_attribute("id") == "skip-link"

    page.switch_to.active_element.send_keys(Keys.ENTER)

    assert page.switch_to.active_element.get_attribute("id") == "main"
    assert page.current_url == url


CODES = ("noncontact", "not_found", "other_nonresponse", "response_rate", "short_interviews")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_outcomes_rates_and_flags_read_in_plain_words(page, server, lang: str) -> None:
    sign_in(page, server["supervisor"])
    page.find_element(By.ID, f"lang-{lang}").click()
    wait_shown(page, lang)
    text = page.find_element(By.ID, "progress").get_attribute("textContent")

    assert not [code for code in CODES if code in text]
    plain = {
        "vi": ("Không phỏng vấn được", "Tỷ lệ trả lời", "Ý nghĩa các cột"),
        "en": ("Nobody could be interviewed", "Response rate", "What the columns mean"),
    }
    assert all(words in text for words in plain[lang])


def test_rates_and_numbers_follow_vietnamese_conventions(page, server) -> None:
    sign_in(page, server["supervisor"])
    wait_shown(page, "vi")
    total = progress(server, "district")["total"]
    rate = page.find_element(
        By.CSS_SELECTOR, '#progress-district tr[data-key="total"] td[data-column="response_rate"]'
    )

    assert rate.text == f"{total['response_rate'] * 100:.1f}%".replace(".", ",")


def test_the_page_logs_no_browser_errors(page, server) -> None:
    sign_in(page, server["supervisor"])
    wait_shown(page, "vi")
    severe = [entry for entry in page.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []


def quality(server: dict[str, str]) -> dict[str, Any]:
    response = requests.get(
        f"{server['url']}/api/v1/rounds/{FIELDWORK_ROUND}/quality",
        headers={"Authorization": f"Bearer {server['supervisor']}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


@pytest.fixture(scope="module")
def overlapping_visits(server: dict[str, str]) -> list[str]:
    """Two visits by one enumerator at the same time, to pending assignments of the demo."""
    headers = {"Authorization": f"Bearer {server['supervisor']}"}
    base = f"{server['url']}/api/v1/rounds/{FIELDWORK_ROUND}"
    pending = requests.get(
        f"{base}/assignments", params={"status": "pending"}, headers=headers, timeout=10
    ).json()["items"][:2]
    ids = []
    for minutes, assignment in zip((0, 10), pending, strict=True):
        payload = {
            "submission_id": str(uuid.uuid4()),
            "assignment_id": assignment["assignment_id"],
            "outcome": "refused",
            "started_at": f"2025-06-03T09:{minutes:02d}:00+07:00",
            "interviewed_at": f"2025-06-03T09:{minutes + 15:02d}:00+07:00",
            "enumerator_id": "quality-check",
        }
        posted = requests.post(f"{base}/submissions", json=payload, headers=headers, timeout=10)
        assert posted.status_code == 201, posted.text
        ids.append(payload["submission_id"])
    return ids


def test_the_quality_table_shows_the_api_report(page, server, overlapping_visits) -> None:
    sign_in(page, server["supervisor"])
    wait_shown(page, "vi")
    rows = page.find_elements(By.CSS_SELECTOR, "#quality-table tbody tr")
    assert [row.get_attribute("data-key") for row in rows] == [
        group["key"] for group in quality(server)["groups"]
    ]


def test_a_flagged_submission_opens_from_its_link(page, server, overlapping_visits) -> None:
    sign_in(page, server["supervisor"])
    page.find_element(By.CSS_SELECTOR, '[data-lang="en"]').click()
    wait_shown(page, "en")
    flag = page.find_element(
        By.CSS_SELECTOR,
        '.flags li[data-key="quality-check"] li[data-flag="overlapping_interviews"]',
    )
    assert "at the same time as another interview" in flag.text
    flag.find_element(By.CSS_SELECTOR, f'a[data-submission="{overlapping_visits[0]}"]').click()
    detail = WebDriverWait(page, 20).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#submission-detail dl.submission")
    )
    assert detail.get_attribute("data-submission") == overlapping_visits[0]
    assert "Result of the visit\nRefused" in detail.text
    assert "Started\n03 Jun 2025, 09:00" in detail.text  # in Vietnam's time
