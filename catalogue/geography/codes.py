"""Checking a location's codes against a geography version, with messages that say what a code
of another version is and what it became (DESIGN §13)."""

from __future__ import annotations

from datetime import date, timedelta

from catalogue.geography.versions import (
    GeographyNotFound,
    GeographyVersion,
    crosswalk,
    load_version,
    versions,
)


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _period(version: GeographyVersion) -> str:
    if version.valid_to is None:
        return f"since {_day(version.valid_from)}"
    return f"before {_day(version.valid_to + timedelta(days=1))}"


def _where(version: GeographyVersion, code: str) -> str:
    unit = version.unit(code)
    assert unit is not None
    parent = version.unit(unit.parent or "", "district") or version.unit(
        unit.parent or "", "province"
    )
    return f"{unit.name_vi} of {parent.name_vi}" if parent else unit.name_vi


def explain_commune(code: str, version_id: str) -> str:
    """Why `code` is not a commune of `version_id`: what it is in other versions, and what it
    maps to in this one."""
    version = load_version(version_id)
    parts = []
    for other in versions():
        if other.id == version_id or other.unit(code) is None:
            continue
        said = f"{code} is {_where(other, code)} {_period(other)} ({other.id})"
        try:
            target = crosswalk(other.id, version_id).map(code)
        except GeographyNotFound:
            target = None
        if target is not None:
            unit = version.unit(target)
            name = unit.name_vi if unit else ""
            said += f"; since {_day(version.valid_from)} it is part of {target} {name}"
        parts.append(said)
    known = "; ".join(parts) if parts else f"{code} is not a commune of any loaded version"
    return f"Not a commune of {version_id}: {known}."


def location_errors(
    version_id: str, district: str | None, commune: str, prefix: str = "location."
) -> dict[str, list[str]]:
    """Errors of a location's district and commune against one version (empty when valid)."""
    version = load_version(version_id)
    errors: dict[str, list[str]] = {}
    unit = version.unit(commune)
    if unit is None:
        errors[f"{prefix}commune"] = [explain_commune(commune, version_id)]
    if not version.has_districts:
        if district:
            errors[f"{prefix}district"] = [
                f"{version_id} has no districts: leave the district out."
            ]
        return errors
    if not district:
        errors[f"{prefix}district"] = [f"Required: {version_id} has districts."]
    elif version.unit(district, "district") is None:
        errors[f"{prefix}district"] = [f"Not a district of {version_id}."]
    elif unit is not None and unit.parent != district:
        errors[f"{prefix}commune"] = [
            f"{_where(version, commune)} does not lie in district {district}."
        ]
    return errors
