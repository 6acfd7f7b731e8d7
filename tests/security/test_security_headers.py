"""Security headers on every response; strict CSP without inline script on HTML pages."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from flask.testing import FlaskClient

from service.observability.headers import script_hashes

PATHS = ["/healthz", "/api/v1/rounds", "/openapi.json", "/metrics", "/no/such/page", "/docs/"]


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("path", PATHS)
def test_every_response_forbids_sniffing_and_framing(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert directives(response.headers["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


def test_api_responses_may_load_nothing_and_are_not_cached(
    client: FlaskClient, as_planner: dict[str, str]
) -> None:
    response = client.get("/api/v1/rounds", headers=as_planner)
    assert directives(response.headers["Content-Security-Policy"])["default-src"] == ["'none'"]
    assert response.headers["Cache-Control"] == "no-store"


def test_docs_page_allows_only_its_own_inline_script_by_hash(client: FlaskClient) -> None:
    response = client.get("/docs/")
    assert response.status_code == 200
    script_src = directives(response.headers["Content-Security-Policy"])["script-src"]
    assert "'unsafe-inline'" not in script_src
    inline = re.findall(rb"<script>(.*?)</script>", response.data, re.DOTALL)
    assert inline, "the Swagger UI page has an inline initialiser"
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        assert f"'sha256-{digest}'" in script_src
    assert script_src == ["'self'", *script_hashes(response.data)]


def test_docs_assets_are_served_from_this_origin(client: FlaskClient) -> None:
    page = client.get("/docs/").get_data(as_text=True)
    sources = re.findall(r'<script src="([^"]+)"', page)
    assert sources and all(src.startswith("/docs/") for src in sources)
    assert all(client.get(src).status_code == 200 for src in sources)


def test_html_pages_have_a_strict_policy_without_inline_script(client: FlaskClient) -> None:
    response = client.get("/dashboard")
    if response.status_code == 404:
        pytest.skip("the dashboard is not built yet")
    assert response.mimetype == "text/html"
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert not re.search(rb"<script(?![^>]*\bsrc=)[^>]*>", response.data), "inline script"
    assert not re.search(rb"<[^>]+\son[a-z]+\s*=", response.data), "inline event handler"
