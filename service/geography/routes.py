"""Geography versions, units, the crosswalk and groupings (any token reads; admin writes)."""

from __future__ import annotations

import re
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from marshmallow import ValidationError

from catalogue import Role
from catalogue.geography import (
    GeographyNotFound,
    crosswalk,
    former_provinces,
    load_version,
    versions,
)
from outputs import Table, answer
from schemas.common import error_paths
from schemas.geography import (
    GROUPING_NAME,
    CrosswalkQuerySchema,
    CrosswalkSchema,
    GeographyVersionListSchema,
    GroupingBodySchema,
    GroupingQuerySchema,
    GroupingSchema,
    UnitListSchema,
    UnitsQuerySchema,
)
from service.auth import ANY_ROLE, require_role
from service.domain.errors import invalid, not_found
from service.geography.groupings import checked_grouping, csv_grouping
from service.store import get_store

blp = Blueprint(
    "geography",
    __name__,
    url_prefix="/api/v1/geography",
    description="Geography versions, units, crosswalks and groupings (docs/design.md §13)",
)

NAME = re.compile(GROUPING_NAME)
UNIT_COLUMNS = (
    "code",
    "level",
    "kind",
    "name_vi",
    "name_ascii",
    "parent",
    "valid_from",
    "valid_to",
    "former_province",
)
CROSSWALK_COLUMNS = (
    "from_code",
    "from_name",
    "from_district",
    "from_province",
    "to_code",
    "to_name",
    "relation",
)
GROUPING_BODY = {
    "required": True,
    "content": {
        "text/csv": {
            "schema": {"type": "string"},
            "example": "commune,group\n02647,lowland\n02671,lowland\n",
        },
        "application/json": {"schema": {"$ref": "#/components/schemas/GroupingBody"}},
    },
}


def document(api: Api) -> None:
    api.spec.components.schema("GroupingBody", schema=GroupingBodySchema)


def _version(version_id: str) -> Any:
    try:
        return load_version(version_id)
    except GeographyNotFound as exc:
        raise not_found(f"Geography version {version_id!r}") from exc


@blp.route("")
class Versions(MethodView):
    @require_role(*ANY_ROLE)
    @blp.response(200, GeographyVersionListSchema)
    def get(self) -> dict[str, Any]:
        """The geography versions, with their validity, unit counts and sources."""
        return {
            "items": [
                {
                    **vars(v),
                    "provinces": len(v.provinces),
                    "districts": len(v.districts),
                    "communes": len(v.communes),
                    "sources": [vars(s) for s in v.sources],
                }
                for v in versions()
            ]
        }


@blp.route("/<string:version_id>/units")
class Units(MethodView):
    @require_role(*ANY_ROLE)
    @blp.arguments(UnitsQuerySchema, location="query")
    @blp.response(200, UnitListSchema)
    def get(self, query: dict[str, Any], version_id: str) -> Any:
        """A version's units (`?level=province|district|commune&parent=`), JSON or CSV."""
        version = _version(version_id)
        former = former_provinces(version_id)
        items = [
            {**vars(u), "former_province": former.get(u.code) if u.level == "commune" else None}
            for u in version.units
            if (query["level"] is None or u.level == query["level"])
            and (query["parent"] is None or u.parent == query["parent"])
        ]
        table = Table(
            "units",
            UNIT_COLUMNS,
            lambda: items,
            document=lambda: {"version": version_id, "items": items},
        )
        return answer(query["format"], table, f"{version_id}-units")


@blp.route("/crosswalk")
class CrosswalkView(MethodView):
    @require_role(*ANY_ROLE)
    @blp.arguments(CrosswalkQuerySchema, location="query")
    @blp.response(200, CrosswalkSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """One row per commune of `from` and the commune of `to` it lies in, with names."""
        old_id, new_id = query["from_version"], query["to_version"]
        try:
            walk = crosswalk(old_id, new_id)
        except GeographyNotFound as exc:
            raise not_found(f"Crosswalk from {old_id!r} to {new_id!r}") from exc
        old, new = load_version(old_id), load_version(new_id)
        items = []
        for row in walk.rows:
            unit = old.unit(row.from_code)
            assert unit is not None
            district = old.unit(unit.parent or "", "district")
            items.append(
                {
                    "from_code": row.from_code,
                    "from_name": unit.name_vi,
                    "from_district": district.code if district else None,
                    "from_province": old.province_of(row.from_code),
                    "to_code": row.to_code,
                    "to_name": new.unit(row.to_code).name_vi,  # type: ignore[union-attr]
                    "relation": row.relation,
                }
            )
        document = {
            "from_version": old_id,
            "to_version": new_id,
            "sources": [vars(s) for s in walk.sources],
            "items": items,
        }
        table = Table("crosswalk", CROSSWALK_COLUMNS, lambda: items, document=lambda: document)
        return answer(query["format"], table, f"crosswalk-{old_id}-{new_id}")


@blp.route("/<string:version_id>/groupings/<string:name>")
class Grouping(MethodView):
    @require_role(*ANY_ROLE)
    @blp.response(200, GroupingSchema)
    def get(self, version_id: str, name: str) -> dict[str, Any]:
        """A grouping of the version's communes (use it as `by=grouping:{name}`)."""
        _version(version_id)
        doc = get_store().groupings.get(version_id, name)
        if doc is None:
            raise not_found(f"Grouping {name!r} of {version_id}")
        return doc

    @require_role(Role.ADMIN)
    @blp.arguments(GroupingQuerySchema, location="query")
    @blp.doc(requestBody=GROUPING_BODY)
    @blp.response(200, GroupingSchema)
    def put(self, query: dict[str, Any], version_id: str, name: str) -> dict[str, Any]:
        """Store a grouping: CSV `commune,group`, every commune of the version exactly once."""
        _version(version_id)
        if not NAME.fullmatch(name):
            raise invalid({"name": ["Lower-case letters, digits and '-', at most 63."]})
        source = query["source"]
        if request.mimetype == "text/csv":
            rows = csv_grouping(request.get_data(as_text=True))
        else:
            try:
                body = GroupingBodySchema().load(request.get_json(silent=True) or {})
            except ValidationError as exc:
                raise invalid(error_paths(exc.messages), "The grouping is invalid.") from exc
            rows, source = list(body["groups"].items()), body["source"] or source
        groups = checked_grouping(version_id, rows)
        store = get_store()
        store.groupings.put(version_id, name, groups, source)
        return store.groupings.get(version_id, name) or {}
