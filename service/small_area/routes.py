"""Auxiliary data per geography version (admin writes, any token reads) and small-area
estimates of a round (planners)."""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from catalogue import Role
from outputs import Table, answer
from schemas.small_area import (
    TABLE_PATTERN,
    VERSION_PATTERN,
    AuxiliaryGetQuerySchema,
    AuxiliaryPutQuerySchema,
    AuxiliarySchema,
    AuxiliarySummarySchema,
    SmallAreaQuerySchema,
    SmallAreaSchema,
)
from service.auth import ANY_ROLE, READERS, require_role
from service.domain.errors import invalid, not_found
from service.errors import Problem
from service.rounds.model import load_round
from service.small_area.auxiliary import store_table, summary, table_rows
from service.small_area.report import small_area_report
from service.small_area.tables import COLUMNS, small_area_rows
from service.store import get_store

blp = Blueprint(
    "small_area",
    __name__,
    url_prefix="/api/v1",
    description="Commune estimates: Fay–Herriot small-area estimation and its auxiliary data",
)

AUXILIARY_BODY = {
    "required": True,
    "content": {
        "text/csv": {
            "schema": {"type": "string"},
            "example": "commune,households_2024,urban_share\n02641,10450,0.92\n",
        }
    },
}


def _checked(version_id: str, name: str) -> None:
    if not re.fullmatch(VERSION_PATTERN, version_id) or not re.fullmatch(TABLE_PATTERN, name):
        raise invalid({"path": [f"version_id must match {VERSION_PATTERN}, name {TABLE_PATTERN}."]})


@blp.route("/geography/<string:version_id>/auxiliary/<string:name>")
class AuxiliaryTable(MethodView):
    @require_role(Role.ADMIN)
    @blp.arguments(AuxiliaryPutQuerySchema, location="query")
    @blp.doc(requestBody=AUXILIARY_BODY)
    @blp.response(200, AuxiliarySummarySchema)
    def put(self, query: dict[str, Any], version_id: str, name: str) -> dict[str, Any]:
        """Store commune covariates (CSV `commune,<numeric columns>`, every commune once)."""
        _checked(version_id, name)
        if request.mimetype != "text/csv":
            raise Problem(415, "Unsupported Media Type", "Send the table as text/csv.")
        text = request.get_data(as_text=True)
        return store_table(get_store(), version_id, name, query["source"], text)

    @require_role(*ANY_ROLE)
    @blp.arguments(AuxiliaryGetQuerySchema, location="query")
    @blp.response(200, AuxiliarySchema)
    def get(self, query: dict[str, Any], version_id: str, name: str) -> Any:
        """The table with its source; `format=csv` gives the CSV it was loaded from."""
        _checked(version_id, name)
        doc = get_store().auxiliary.get(version_id, name)
        if doc is None:
            raise not_found(f"Auxiliary table {name!r} of {version_id}")
        table = Table(
            name,
            ["commune", *doc["columns"]],
            partial(table_rows, doc),
            document=lambda: {**summary(doc), "rows": table_rows(doc)},
        )
        return answer(query["format"], table, name)


SMALL_AREA_READERS = READERS  # planners; admin may always


@blp.route("/rounds/<string:round_id>/small-area")
class RoundSmallArea(MethodView):
    @require_role(*SMALL_AREA_READERS)
    @blp.arguments(SmallAreaQuerySchema, location="query")
    @blp.response(200, SmallAreaSchema)
    def get(self, query: dict[str, Any], round_id: str) -> Any:
        """Commune estimates: direct where reliable, else Fay–Herriot where its CV ≤ 0.30,
        else withheld (no number)."""
        report = small_area_report(load_round(round_id), query)
        stem = f"{round_id}-small-area-{report['indicator']}"
        table = Table(
            "small-area", COLUMNS, partial(small_area_rows, report), document=lambda: report
        )
        return answer(query["format"], table, stem)
