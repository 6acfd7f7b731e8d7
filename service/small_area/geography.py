"""The one place small-area estimation asks about geography versions.

Until versions are catalogue data (docs/design.md §13), a version is known by the auxiliary
tables stored for it, and a round's version is its `geography` field or the query's.
"""

from __future__ import annotations

from typing import Any

from catalogue import geography
from service.errors import invalid, not_found


def version_communes(version: str) -> dict[str, str] | None:
    """Code → name of the version's communes (404 for an unknown version), or None while
    versions are not catalogue data (then a version is known by its auxiliary tables)."""
    load_version = getattr(geography, "load_version", None)
    if load_version is None:
        return None
    try:
        units = load_version(version).units
    except LookupError as exc:
        raise not_found(f"Geography version {version!r}") from exc
    return {unit.code: unit.name_vi for unit in units if unit.level == "commune"}


def round_geography(round_doc: dict[str, Any], requested: str | None) -> str:
    """The version the round's communes are reported in, or 422."""
    own = round_doc.get("geography")
    if requested is None and own is None:
        raise invalid(
            {"geography": [f"Round {round_doc['_id']!r} has no geography version; name one."]}
        )
    if requested is not None and own is not None and requested != own:
        raise invalid({"geography": [f"Round {round_doc['_id']!r} is in {own}, not {requested}."]})
    return requested or own


def commune_names(version: str, round_doc: dict[str, Any]) -> dict[str, str]:
    """Names for commune codes: the version's, else the round's frame."""
    known = version_communes(version)
    if known is not None:
        return known
    frame = (round_doc.get("frame") or {}).get("communes") or {}
    return {code: unit["name"] for code, unit in frame.items() if unit.get("name")}
