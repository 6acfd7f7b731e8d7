"""The field operations console in headless Chromium (docs/design.md §16): an administrator
onboards 40 enumerators from an XLSX list and prints their ODK Collect setup codes (one is read
back and signs in), loads a `;`-separated sample with decimal commas, reassigns and closes
assignments; a supervisor works through the review queue (flagged forms first, a stale
correction refused). The console passes axe in both languages at 1280 and 390 px."""

from __future__ import annotations

import base64
import io
import json
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import zxingcpp
from openpyxl import Workbook
from PIL import Image
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from service.store import Store
from tests.dashboard.test_dashboard_accessibility import stands_out, tab_through
from tests.support import factories
from tests.support.dashboard_support import (
    DESKTOP,
    PHONE,
    axe_violations,
    cut_off,
    open_page,
    screenshot,
    set_viewport,
    sign_in,
    wait_for,
)
from tests.support.servers import EmbeddedStore, GunicornServer

pytestmark = pytest.mark.browser

ROUND = "console-hh"
TEAMS = ("Bảo Thắng", "Sa Pa")
SAMPLE_COLUMNS = (
    "assignment_id;stratum;psu;district;commune;area;psu_prob;unit_prob;enumerator;label"
)


class ConsoleServer:
    def __init__(self, url: str, admin: str, supervisor: str) -> None:
        self.url, self.admin, self.supervisor = url, admin, supervisor

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token or self.admin}", **kwargs.pop("headers", {})}
        response = requests.request(
            method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs
        )
        assert response.ok, response.text
        return response.json() if response.content else None


@pytest.fixture(scope="module")
def console_server(store_server: EmbeddedStore) -> Iterator[ConsoleServer]:
    database = f"console_{uuid.uuid4().hex[:8]}"
    store = Store(store_server.uri, database)
    store.ensure_indexes()
    admin = store.tokens.create("admin", "console-admin")[1]
    supervisor = store.tokens.create("supervisor", "console-supervisor")[1]
    store.close()
    limits = {"SURVEY_RATE_LIMIT": "100000/minute", "SURVEY_AUTH_FAILURE_LIMIT": "100000/minute"}
    gunicorn = GunicornServer(store_server.uri, database, env=limits).start()
    try:
        yield ConsoleServer(gunicorn.url, admin, supervisor)
    finally:
        gunicorn.stop()


@pytest.fixture
def page(chromium: WebDriver, console_server: ConsoleServer) -> WebDriver:
    """The console freshly opened at desktop size: no token, no language choice."""
    chromium.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    chromium.get(f"{console_server.url}/console")
    chromium.execute_script("sessionStorage.clear(); localStorage.clear();")
    open_page(chromium, f"{console_server.url}/console")
    return chromium


def shown(driver: WebDriver) -> str:
    return driver.find_element(By.ID, "panel").get_attribute("data-shown") or ""


def wait_task(driver: WebDriver, task: str, round_id: str | None = None) -> None:
    def ready(d: WebDriver) -> bool:
        parts = shown(d).split("|")
        return parts[0] == task and (round_id is None or parts[1] == round_id)

    wait_for(driver, ready)


def go_to(driver: WebDriver, task: str) -> None:
    driver.find_element(By.ID, f"tab-{task}").click()
    wait_task(driver, task)


def notice(driver: WebDriver) -> str:
    """The confirmation of the last action (fails the test with the problem if there is one)."""

    def answered(d: WebDriver) -> str | bool:
        try:
            problems = d.find_elements(By.ID, "problems")
            if problems:
                raise AssertionError(problems[0].text)
            found = d.find_elements(By.ID, "notice")
            return found[0].text if found else False
        except StaleElementReferenceException:  # redrawn meanwhile: look again
            return False

    return wait_for(driver, answered)


def problem(driver: WebDriver) -> str:
    def shown_problem(d: WebDriver) -> str | bool:
        try:
            found = d.find_elements(By.ID, "problems")
            return found[0].text if found else False
        except StaleElementReferenceException:
            return False

    return wait_for(driver, shown_problem)


def click(driver: WebDriver, css: str) -> None:
    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def type_into(driver: WebDriver, element_id: str, text: str) -> None:
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)


def people_workbook(path: Path, count: int) -> list[str]:
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "team", "full name"])
    names = [f"dtv-{n:02d}" for n in range(1, count + 1)]
    for n, name in enumerate(names):
        sheet.append([name, TEAMS[n % 2], f"Điều tra viên {n + 1}"])
    book.save(path)
    return names


def semicolon_sample(path: Path) -> None:
    """What Excel saves in a Vietnamese locale: `;` between cells, decimal commas."""
    lines = [SAMPLE_COLUMNS]
    for n in range(1, 7):
        psu = "080001" if n <= 3 else "080002"
        who = "dtv-01" if n % 2 else "dtv-02"
        lines.append(f"A-{n:03d};080-U;{psu};080;02641;urban;0,25;0,125;{who};Hộ số {n}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def settings_in(qr_png_data_uri: str) -> dict[str, Any]:
    """The QR code read back as a phone would, decoded as ODK Collect does."""
    png = base64.b64decode(qr_png_data_uri.split(",", 1)[1])
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return json.loads(zlib.decompress(base64.b64decode(barcode.text)))


def submit_visit(server: ConsoleServer, token: str, assignment_id: str, **changes: Any) -> str:
    visit = factories.visit(assignment_id, **changes)
    server.api("POST", f"/api/v1/rounds/{ROUND}/submissions", token, json=visit)
    return visit["submission_id"]


def test_onboarding_sample_assignments_and_review(
    page: WebDriver, console_server: ConsoleServer, tmp_path: Path
) -> None:
    server = console_server
    sign_in(page, server.admin)
    wait_task(page, "rounds")

    # a round, created in the form
    type_into(page, "round-id", ROUND)
    type_into(page, "round-title", "Console household round")
    type_into(page, "round-title-vi", "Điều tra hộ gia đình (bảng điều hành)")
    page.execute_script(
        "document.getElementById('round-start').value = '2025-04-01';"
        "document.getElementById('round-end').value = '2025-06-30';"
    )
    click(page, "#round-create")
    assert ROUND in notice(page)
    assert (
        Select(page.find_element(By.ID, "round-select")).first_selected_option.get_attribute(
            "value"
        )
        == ROUND
    )

    # 40 enumerators from an XLSX list, each with a setup code, grouped by team
    go_to(page, "people")
    names = people_workbook(tmp_path / "enumerators.xlsx", 40)
    page.find_element(By.ID, "people-file").send_keys(str(tmp_path / "enumerators.xlsx"))
    click(page, "#people-import")
    assert "40" in notice(page)
    codes = page.find_elements(By.CSS_SELECTOR, "#qr-sheet img.qr")
    assert sorted(code.get_attribute("data-name") for code in codes) == names
    teams = page.find_elements(By.CSS_SELECTOR, "#qr-sheet .team-sheet")
    assert sorted(team.get_attribute("data-team") for team in teams) == sorted(TEAMS)
    first = page.find_element(By.CSS_SELECTOR, '#qr-sheet img.qr[data-name="dtv-01"]')
    settings = settings_in(first.get_attribute("src"))
    general = settings["general"]
    assert general["server_url"] == f"{server.url}/openrosa"
    assert general["username"] == "dtv-01"
    phone = requests.get(
        f"{server.url}/openrosa/formList", auth=("dtv-01", general["password"]), timeout=10
    )
    assert phone.status_code == 200  # the code's credentials sign a phone in
    assert page.find_element(By.ID, "sheet-print").is_displayed()
    screenshot(page, "console-qr-sheet.png")
    click(page, "#sheet-teams")
    notice(page)
    assert server.api("GET", f"/api/v1/rounds/{ROUND}")["teams"] == names
    token_01 = general["password"]
    token_02, token_03 = (
        settings_in(
            page.find_element(By.CSS_SELECTOR, f'img.qr[data-name="{name}"]').get_attribute("src")
        )["general"]["password"]
        for name in ("dtv-02", "dtv-03")
    )

    # a `;`-separated sample with decimal commas
    go_to(page, "sample")
    semicolon_sample(tmp_path / "sample.csv")
    page.find_element(By.ID, "sample-file").send_keys(str(tmp_path / "sample.csv"))
    click(page, "#sample-upload")
    assert "6" in notice(page)
    units = server.api("GET", f"/api/v1/rounds/{ROUND}/assignments")["items"]
    assert {u["assignment_id"]: (u["psu_prob"], u["unit_prob"]) for u in units}["A-001"] == (
        0.25,
        0.125,
    )

    # reassign one assignment, close another
    go_to(page, "assignments")
    click(page, '[data-edit="A-001"]')
    type_into(page, "reassign-to", "dtv-03")
    click(page, "#reassign")
    notice(page)
    row = page.find_element(
        By.CSS_SELECTOR, 'tr[data-assignment="A-001"] [data-column="enumerator"]'
    )
    assert row.text == "dtv-03"
    click(page, '[data-edit="A-002"]')
    click(page, "#close-outcome-not_found")
    type_into(page, "close-reason", "Nhà đã chuyển đi")
    click(page, "#close-assignment")
    notice(page)
    closed = server.api(
        "GET", f"/api/v1/rounds/{ROUND}/assignments", params={"status": "not_found"}
    )
    assert [a["assignment_id"] for a in closed["items"]] == ["A-002"]
    assert closed["items"][0]["closed"]["reason"] == "Nhà đã chuyển đi"
    type_into(page, "filter-enumerator", "dtv-03")
    click(page, "#filter-apply")
    wait_for(page, lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr[data-assignment]")) == 1)

    # forms from two phones, at different times; one interviewed outside the round's period
    # carries a clock flag
    plain = [
        submit_visit(server, token_02, "A-004", enumerator_id="dtv-02"),
        submit_visit(server, token_01, "A-003", enumerator_id="dtv-01"),
        submit_visit(
            server,
            token_01,
            "A-005",
            enumerator_id="dtv-01",
            started_at="2025-05-01T11:00:00+07:00",
            interviewed_at="2025-05-01T11:30:00+07:00",
        ),
    ]
    late = submit_visit(
        server,
        token_03,  # A-001 was reassigned to dtv-03: only its assignee may send its visit
        "A-001",
        enumerator_id="dtv-03",
        started_at="2025-09-01T08:00:00+07:00",
        interviewed_at="2025-09-01T08:30:00+07:00",
    )

    # a supervisor works through the queue: flagged first
    page.find_element(By.ID, "signout").click()
    sign_in(page, server.supervisor)
    wait_task(page, "assignments", ROUND)
    go_to(page, "review")
    queue = page.find_elements(By.CSS_SELECTOR, "#review-queue [data-open]")
    print(
        [(b.get_attribute("data-open"), b.get_attribute("data-flagged"), b.text) for b in queue],
        late,
        plain,
    )
    assert queue[0].get_attribute("data-open") == late
    assert queue[0].get_attribute("data-flagged") == "true"
    assert len(queue) == 4

    queue[0].click()
    wait_for(
        page,
        lambda d: d.find_elements(By.CSS_SELECTOR, f'#review-detail[data-submission="{late}"]'),
    )
    click(page, "#verdict-has_issues")
    type_into(page, "review-comment", "Ngày phỏng vấn sai; đã hỏi lại điều tra viên")
    click(page, "#review-submit")
    notice(page)
    reviewed = server.api("GET", f"/api/v1/rounds/{ROUND}/submissions/{late}")
    assert reviewed["review"]["state"] == "has_issues"
    wait_for(
        page, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#review-queue [data-open]")) == 3
    )

    # a correction with a reason becomes a new version
    click(page, f'[data-open="{plain[0]}"]')
    wait_for(page, lambda d: d.find_elements(By.ID, "correct-form"))
    type_into(page, "answer-smartphones", "3")
    type_into(page, "correct-reason", "Gọi lại hộ: 3 điện thoại thông minh")
    click(page, "#correct-submit")
    notice(page)
    versions = server.api("GET", f"/api/v1/rounds/{ROUND}/submissions/{plain[0]}/versions")
    assert [v["version"] for v in versions["items"]] == [1, 2]
    assert versions["items"][-1]["answers"]["smartphones"] == 3

    # two supervisors at once: the second correction of the same version is refused
    click(page, f'[data-open="{plain[1]}"]')
    wait_for(
        page,
        lambda d: d.find_elements(By.CSS_SELECTOR, f'#review-detail[data-submission="{plain[1]}"]'),
    )
    other = server.api("GET", f"/api/v1/rounds/{ROUND}/submissions/{plain[1]}")
    server.api(
        "PATCH",
        f"/api/v1/rounds/{ROUND}/submissions/{plain[1]}",
        server.supervisor,
        json={"answers": {**other["answers"], "smartphones": 5}, "reason": "another supervisor"},
        headers={"If-Match": f'"{other["version"]}"'},
    )
    type_into(page, "answer-smartphones", "4")
    type_into(page, "correct-reason", "late")
    click(page, "#correct-submit")
    assert "changed this form meanwhile" in problem(page) or "Người khác vừa sửa" in problem(page)
    stored = server.api("GET", f"/api/v1/rounds/{ROUND}/submissions/{plain[1]}")
    assert stored["answers"]["smartphones"] == 5  # nothing overwritten
    assert page.find_element(By.ID, "answer-smartphones").get_attribute("value") == "5"

    # approve and reject the rest; the queue empties
    click(page, "#verdict-rejected")
    type_into(page, "review-comment", "Phỏng vấn không đúng hộ")
    click(page, "#review-submit")
    notice(page)
    for sid in (plain[0], plain[2]):
        click(page, f'[data-open="{sid}"]')
        wait_for(
            page,
            lambda d, sid=sid: d.find_elements(
                By.CSS_SELECTOR, f'#review-detail[data-submission="{sid}"]'
            ),
        )
        click(page, "#review-submit")
        notice(page)
    wait_for(page, lambda d: d.find_elements(By.ID, "queue-empty"))
    states = {
        sid: server.api("GET", f"/api/v1/rounds/{ROUND}/submissions/{sid}")["review"]["state"]
        for sid in plain
    }
    assert states == {plain[0]: "approved", plain[1]: "rejected", plain[2]: "approved"}
    assert "token" not in page.current_url.lower() and server.supervisor not in page.current_url


# ---- accessibility: every task, both languages, desktop and phone ----

AXE_ROUND = "console-axe"


@pytest.fixture(scope="module")
def axe_round(console_server: ConsoleServer) -> str:
    """A round with a sample and one form waiting for review."""
    server = console_server
    server.api(
        "POST", "/api/v1/rounds", json=factories.household_round(AXE_ROUND, title_vi="Đợt kiểm tra")
    )
    server.api(
        "PUT", f"/api/v1/rounds/{AXE_ROUND}/sample", json={"assignments": factories.small_sample()}
    )
    visit = factories.visit("A-001")
    server.api("POST", f"/api/v1/rounds/{AXE_ROUND}/submissions", json=visit)
    return visit["submission_id"]


def on_task(
    page: WebDriver, server: ConsoleServer, task: str, lang: str, size: tuple[int, int]
) -> None:
    set_viewport(page, size)
    open_page(page, f"{server.url}/console#round={AXE_ROUND}&task={task}")
    page.find_element(By.ID, f"lang-{lang}").click()
    sign_in(page, server.admin)
    wait_task(page, task, AXE_ROUND)


def open_everything(page: WebDriver, tmp_path: Path, task: str, sid: str) -> None:
    """What each task shows after its main action: the QR sheet, an open editor, a form."""
    if task == "people":
        (tmp_path / "people.csv").write_text(f"name,team\naxe-{uuid.uuid4().hex[:6]},Sa Pa\n")
        page.find_element(By.ID, "people-file").send_keys(str(tmp_path / "people.csv"))
        click(page, "#people-import")
        notice(page)
    elif task == "assignments":
        click(page, '[data-edit="A-002"]')
        wait_for(page, lambda d: d.find_elements(By.ID, "assignment-editor"))
    elif task == "review":
        click(page, f'[data-open="{sid}"]')
        wait_for(page, lambda d: d.find_elements(By.ID, "review-detail"))
    elif task == "sample":
        (tmp_path / "bad.csv").write_text("assignment_id,psu,psu\nA,B,C\n")
        page.find_element(By.ID, "sample-file").send_keys(str(tmp_path / "bad.csv"))
        click(page, "#sample-upload")
        problem(page)


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280px", "390px"])
@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("task", ["rounds", "people", "sample", "assignments", "review"])
def test_axe_finds_no_violation_and_nothing_is_cut_off(
    page: WebDriver,
    console_server: ConsoleServer,
    axe_round: str,
    axe_script: str,
    tmp_path: Path,
    task: str,
    lang: str,
    size: tuple[int, int],
) -> None:
    on_task(page, console_server, task, lang, size)
    open_everything(page, tmp_path, task, axe_round)
    assert axe_violations(page, axe_script) == []
    assert cut_off(page, size[0]) == []


def test_axe_finds_no_violation_on_the_sign_in(
    page: WebDriver, console_server: ConsoleServer, axe_script: str
) -> None:
    sign_in(page, "not-a-real-token")
    wait_for(page, lambda d: d.find_element(By.ID, "signin-error").is_displayed())
    assert axe_violations(page, axe_script) == []


def test_a_planner_is_told_the_console_is_not_for_it(
    page: WebDriver, console_server: ConsoleServer
) -> None:
    planner = console_server.api(
        "POST", "/api/v1/tokens", json={"role": "planner", "name": f"pl-{uuid.uuid4().hex[:6]}"}
    )
    sign_in(page, planner["token"])
    message = wait_for(page, lambda d: d.find_element(By.ID, "signin-error").text)
    assert "administrator or supervisor" in message or "quản trị viên hoặc giám sát viên" in message


def test_every_focus_ring_on_the_console_has_3_to_1_contrast(
    page: WebDriver, console_server: ConsoleServer, axe_round: str
) -> None:
    on_task(page, console_server, "assignments", "vi", DESKTOP)
    page.refresh()  # a keyboard user arriving: the tab stays signed in
    wait_task(page, "assignments", AXE_ROUND)
    rings = tab_through(page, 16)
    assert {ring["id"] for ring in rings} >= {"skip-link", "lang-vi", "round-select", "signout"}
    assert [ring for ring in rings if not stands_out(ring)] == []
