"""The planners' dashboard at /dashboard (issue 7: to be built)."""

from flask import Blueprint

blp = Blueprint("dashboard", __name__)
