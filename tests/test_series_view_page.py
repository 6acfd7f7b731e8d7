"""The series view's page (/dashboard/series) and its assets: served without a login, nothing
inline, every script and stylesheet it names served; every word in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

STATIC = Path(__file__).resolve().parent.parent / "service" / "dashboard" / "static"


def test_the_series_view_is_html_that_needs_no_token(client: FlaskClient) -> None:
    response = client.get("/dashboard/series")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b'id="signin-form"' in response.data


def test_the_series_view_has_no_inline_script_or_style(client: FlaskClient) -> None:
    html = client.get("/dashboard/series").get_data(as_text=True)

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=|<style|\son[a-z]+=", html)


def test_every_script_and_stylesheet_the_series_view_names_is_served(client: FlaskClient) -> None:
    html = client.get("/dashboard/series").get_data(as_text=True)
    names = re.findall(r'(?:src|href)="(/dashboard/static/[^"]+)"', html)

    assert len(names) == 3
    for name in names:
        assert client.get(name).status_code == 200, name


def test_the_series_view_and_the_dashboard_link_to_each_other(client: FlaskClient) -> None:
    assert 'href="/dashboard"' in client.get("/dashboard/series").get_data(as_text=True)
    assert 'href="/dashboard/series"' in client.get("/dashboard").get_data(as_text=True)


def test_every_word_of_the_series_view_is_in_english_and_in_vietnamese() -> None:
    words = (STATIC / "js" / "series-labels.js").read_text()
    en, vi = re.findall(r"\n  (?:en|vi): \{(.*?)\n  \}", words, re.S)

    keys = [set(re.findall(r"^    (\w+):", table, re.M)) for table in (en, vi)]
    assert keys[0] == keys[1] and len(keys[0]) > 30
