"""Series of rounds (planners): their rounds in period order and the change between two."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from outputs import Table, answer
from schemas.series import ChangeQuerySchema, ChangeSchema, SeriesSchema
from service.auth import READERS, require_role
from service.estimates.app_source import estimates_source
from service.estimates.publication import check_policy
from service.series.change import published_change
from service.series.model import series_view
from service.series.tables import COLUMNS, change_rows

blp = Blueprint(
    "series", __name__, url_prefix="/api/v1/series", description="Change between rounds"
)


@blp.route("/<string:series>")
class Series(MethodView):
    @require_role(*READERS)
    @blp.response(200, SeriesSchema)
    def get(self, series: str) -> dict[str, Any]:
        """The series' rounds in period order, with their data versions."""
        return series_view(series)


@blp.route("/<string:series>/change")
class SeriesChange(MethodView):
    @require_role(*READERS)
    @blp.arguments(ChangeQuerySchema, location="query")
    @blp.response(200, ChangeSchema)
    def get(self, query: dict[str, Any], series: str) -> Any:
        """Change `to − from` per indicator and domain, with se, CI, df and p-value (§10),
        each round under its configured weighting (or `?weighting=`, valid for both). A
        change is withheld where either round's estimate is, unless an admin or analyst asks
        `suppressed=show`."""
        check_policy(query["suppressed"], g.token["role"])
        report = published_change(series, query, estimates_source())
        stem = f"{series}-change{'-by-' + query['by'] if query['by'] else ''}"
        table = Table("change", COLUMNS, partial(change_rows, report), document=lambda: report)
        return answer(query["format"], table, stem)
