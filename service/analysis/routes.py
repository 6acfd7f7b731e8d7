"""A round's analysis package for analysts (docs/design.md §15)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from catalogue import Role
from service.analysis.package import analysis_package
from service.auth import require_role
from service.cells.reading import current_version
from service.rounds.model import load_round
from service.store import get_store

blp = Blueprint("analysis", __name__, url_prefix="/api/v1", description="Analysis package")
ANALYSTS = (Role.ANALYST,)  # and admin


@blp.route("/rounds/<string:round_id>/analysis-package")
class AnalysisPackage(MethodView):
    @require_role(*ANALYSTS)
    @blp.response(
        200,
        content_type="application/zip",
        description="data.csv, data.dta, data.sav, codebook.csv, design.R, design.do, README.txt",
    )
    def get(self, round_id: str) -> Response:
        """The counted interviews with design, weights and labels, and scripts that reproduce
        the published estimates."""
        survey_round = load_round(round_id)
        version = current_version(get_store(), survey_round)
        return Response(
            analysis_package(survey_round, version),
            mimetype="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{round_id}-analysis-v{version}.zip"'
            },
        )
