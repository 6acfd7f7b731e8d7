"""The dashboard page and its assets: served without a login, nothing inline, nothing remote."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from scoring.reliability import Reason
from service.estimates.publication import WITHHOLDING_REASONS
from service.estimates.report import FPC_REASON, LONELY_PSU_REASON

STATIC = Path(__file__).resolve().parents[2] / "service" / "dashboard" / "static"
ASSETS = sorted(p for p in STATIC.rglob("*") if p.is_file())


def test_the_dashboard_page_is_html_that_needs_no_token(client: FlaskClient) -> None:
    response = client.get("/dashboard")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b'id="signin-form"' in response.data


# page → its scripts and stylesheets
PAGES = {"/dashboard": 2, "/dashboard/fieldwork": 3, "/dashboard/series": 3}


@pytest.mark.parametrize("page", list(PAGES))
def test_the_page_has_no_inline_script_or_style(client: FlaskClient, page: str) -> None:
    html = client.get(page).get_data(as_text=True)

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=|<style|\son[a-z]+=", html)


@pytest.mark.parametrize("page", list(PAGES))
def test_every_script_and_stylesheet_the_page_names_is_served(
    client: FlaskClient, page: str
) -> None:
    html = client.get(page).get_data(as_text=True)
    names = re.findall(r'(?:src|href)="(/dashboard/static/[^"]+)"', html)

    assert len(names) == PAGES[page]
    for name in names:
        assert client.get(name).status_code == 200, name


def test_every_module_the_scripts_import_is_served(client: FlaskClient) -> None:
    for script in STATIC.glob("js/*.js"):
        for module in re.findall(r'from "\./([\w.]+)"', script.read_text()):
            response = client.get(f"/dashboard/static/js/{module}")
            assert response.status_code == 200, (script.name, module)
            assert "javascript" in response.mimetype


def test_the_assets_load_nothing_from_another_origin() -> None:
    for asset in ASSETS:
        text = asset.read_text()
        remote = re.findall(r"https?://[^\s\"'`)]+", text)
        # the SVG namespace name is an identifier, never fetched
        assert all(url == "http://www.w3.org/2000/svg" for url in remote), asset


def test_every_reliability_reason_the_service_gives_has_plain_words_in_both_languages() -> None:
    labels = (STATIC / "js" / "labels.js").read_text()
    tables = re.findall(r"\n    reasons: \{(.*?)\n    \}", labels, re.S)
    codes = {reason.value for reason in Reason} | {LONELY_PSU_REASON, FPC_REASON}
    codes |= set(WITHHOLDING_REASONS)

    assert len(tables) == 2  # en, vi
    for table in tables:
        assert set(re.findall(r"^\s+(\w+):", table, re.M)) == codes


KEYS_OF_EVERY_TABLE = """
import { LABELS } from "./labels.js";
const keys = (table, prefix = "") => Object.entries(table).flatMap(([key, value]) =>
  value && typeof value === "object" ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`]);
const all = Object.entries(LABELS).map(([lang, table]) => [lang, keys(table)]);
console.log(JSON.stringify(Object.fromEntries(all)));
"""


def test_every_word_of_every_page_is_in_both_languages() -> None:
    """labels.js with the tables it merges (fieldwork page, weights panel), read by node."""
    if shutil.which("node") is None:
        pytest.fail("node is needed to read the dashboard's word tables: apt-get install nodejs")
    run = subprocess.run(
        ["node", "--input-type=module", "-e", KEYS_OF_EVERY_TABLE],
        cwd=STATIC / "js",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    keys = json.loads(run.stdout)

    assert set(keys) == {"en", "vi"}
    assert set(keys["en"]) == set(keys["vi"])
    some = {"fwTitle", "fwColumns.response_rate", "weightsDeff", "provisional", "changeWithheld"}
    assert some <= set(keys["vi"])
