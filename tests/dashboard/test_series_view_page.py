"""The series view's page (/dashboard/series): served without a login, linked with the
dashboard (its assets and words are checked with the other pages' in test_dashboard_page.py)."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_the_series_view_is_html_that_needs_no_token(client: FlaskClient) -> None:
    response = client.get("/dashboard/series")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b'id="signin-form"' in response.data


def test_the_series_view_and_the_dashboard_link_to_each_other(client: FlaskClient) -> None:
    assert 'href="/dashboard"' in client.get("/dashboard/series").get_data(as_text=True)
    assert 'href="/dashboard/series"' in client.get("/dashboard").get_data(as_text=True)
