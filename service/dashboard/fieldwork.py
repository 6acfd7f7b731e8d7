"""The supervisors' fieldwork page at /dashboard/fieldwork (docs/design.md §8): progress by
district and by enumerator, read by its JavaScript from the public API like the dashboard."""

from __future__ import annotations

from flask import Blueprint, render_template

blp = Blueprint("fieldwork", __name__, template_folder="templates")


@blp.get("/dashboard/fieldwork")
def fieldwork() -> str:
    """The page holds no data; its API calls carry the token typed into it."""
    return render_template("fieldwork.html")
