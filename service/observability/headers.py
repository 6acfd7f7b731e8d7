"""Security headers on every response; a strict Content-Security-Policy without inline script.

- API and other non-HTML responses: nothing may load or frame them (`default-src 'none'`).
- HTML pages (the dashboard): scripts, styles and data from this origin only, no inline script.
- /docs (Swagger UI from flask-swagger-ui): its page template has one inline initialiser, whose
  content depends only on the server's configuration and the request's own base URL, so that
  script is allowed by its SHA-256 hash; Swagger UI sets `style` attributes, hence inline styles.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, request

FRAME = "frame-ancestors 'none'"
API_POLICY = f"default-src 'none'; {FRAME}; base-uri 'none'; form-action 'none'"
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    f"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; {FRAME}"
)
DOCS_PREFIX = "/docs"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def script_hashes(html: bytes) -> list[str]:
    """CSP source expressions (`'sha256-…'`) for each inline <script> of a page."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


def docs_policy(response: Response) -> str:
    hashes = (
        " ".join(script_hashes(response.get_data())) if response.mimetype == "text/html" else ""
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        f"form-action 'self'; {FRAME}"
    ).replace("  ", " ")


def policy_for(response: Response) -> str:
    if request.path == DOCS_PREFIX or request.path.startswith(DOCS_PREFIX + "/"):
        return docs_policy(response)
    return PAGE_POLICY if response.mimetype == "text/html" else API_POLICY


def _secure(response: Response) -> Response:
    headers = response.headers
    # the names present, read once (each `setdefault` or `in` scans the headers again)
    present = {name.lower() for name, _ in headers.items()}
    for name, value in ALWAYS.items():
        if name.lower() not in present:
            headers.add(name, value)
    headers["Content-Security-Policy"] = policy_for(response)
    if request.path.startswith("/api/") and "cache-control" not in present:
        headers["Cache-Control"] = "no-store"  # personal data: no shared caches
    return response


def init_app(app: Flask) -> None:
    app.after_request(_secure)
