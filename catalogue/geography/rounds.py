"""A round's geography version and coverage (DESIGN §13), read from the stored round.

Rounds stored before rounds carried a geography are the former Lào Cai's: `vn-2025-03`,
coverage `["10"]`. `"geography": null` keeps free codes (pilots, training rounds, provinces
whose geography is not loaded).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from catalogue.geography.versions import GeographyVersion, former_provinces, load_version
from catalogue.geography.versions import version_in_force as _version_in_force
from catalogue.instruments import BY_DIMENSIONS

LEGACY_GEOGRAPHY = "vn-2025-03"
LEGACY_COVERAGE = ("10",)


def default_geography(start: date) -> str | None:
    """The version in force on the round's first day (None when none is loaded for it)."""
    version = _version_in_force(start)
    return version.id if version is not None else None


def all_former_provinces(version_id: str | None) -> tuple[str, ...]:
    """The former provinces a version's communes lie in (what a full coverage is)."""
    if version_id is None:
        return ()
    return tuple(sorted(set(former_provinces(version_id).values())))


def round_geography_id(round_doc: Mapping[str, Any]) -> str | None:
    geography: str | None = round_doc.get("geography", LEGACY_GEOGRAPHY)
    return geography


def round_geography(round_doc: Mapping[str, Any]) -> GeographyVersion | None:
    version_id = round_geography_id(round_doc)
    return load_version(version_id) if version_id is not None else None


def round_domains(round_doc: Mapping[str, Any]) -> tuple[str, ...]:
    """The `by` domains a round offers: its instrument's, without districts where its version
    has none, with the former province where it has a geography (groupings come on top)."""
    version = round_geography(round_doc)
    dimensions = BY_DIMENSIONS[round_doc["instrument"]]
    if version is None:
        return dimensions
    if not version.has_districts:
        dimensions = tuple(by for by in dimensions if by != "district")
    return (*dimensions, "former_province")


def round_coverage(round_doc: Mapping[str, Any]) -> tuple[str, ...]:
    """The former provinces whose population the round represents."""
    if "geography" not in round_doc:
        return LEGACY_COVERAGE
    coverage = round_doc.get("coverage")
    if coverage is None:
        return all_former_provinces(round_doc["geography"])
    return tuple(coverage)
