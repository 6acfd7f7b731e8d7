"""Indicator catalogue and design-based estimates (issue 5: being built)."""

from flask_smorest import Blueprint

blp = Blueprint("estimates", __name__, url_prefix="/api/v1", description="Indicators and estimates")
