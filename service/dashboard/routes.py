"""The planners' dashboard at /dashboard: one HTML page whose JavaScript reads the public API.

The page itself is public (it holds no data); the token is typed into its sign-in form, kept
in the browser's session storage and sent as `Authorization: Bearer` to `/api/v1`.
"""

from __future__ import annotations

from flask import Blueprint, render_template

blp = Blueprint(
    "dashboard",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/dashboard/static",
)


@blp.get("/dashboard")
def dashboard() -> str:
    """The dashboard page; no inline script or style, so a strict CSP applies."""
    return render_template("dashboard.html")


@blp.get("/dashboard/series")
def series() -> str:
    """The series view (docs/design.md §10): each round's estimates and the change since the
    first round, read from the public API like the dashboard."""
    return render_template("series.html")
