"""The field operations console at /console (docs/design.md §16): rounds, enumerators and their
ODK Collect setup codes, samples, assignments and the review queue, read and written by its
JavaScript through the public API like the dashboard."""

from __future__ import annotations

from flask import Blueprint, render_template

blp = Blueprint("console", __name__, template_folder="templates")


@blp.get("/console")
def console() -> str:
    """The page holds no data; its API calls carry the token typed into it."""
    return render_template("console.html")
