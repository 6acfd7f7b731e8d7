"""Geography versions and crosswalks, read from `data/` (built by `build.py`).

A unit is identified by (version, code), never by a code alone: codes recur across versions
with other meanings (02671 was Phường Nam Cường; since 1 July 2025 it is Phường Cam Đường).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
LEVELS = ("province", "district", "commune")


class GeographyNotFound(LookupError):
    """An unknown geography version or crosswalk."""


@dataclass(frozen=True)
class Unit:
    """One administrative unit of one version."""

    code: str
    level: str
    kind: str
    name_vi: str
    name_ascii: str
    parent: str | None
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class Source:
    """A public source a data file was built from, with its licence."""

    repository: str
    url: str
    commit: str
    licence: str
    used_for: str


@dataclass(frozen=True)
class BuiltFrom:
    """A file under sources/ and the checksum of the copy the data was built from."""

    file: str
    sha256: str


@dataclass(frozen=True)
class GeographyVersion:
    """The units in force over one period, with their sources."""

    id: str
    title: str
    valid_from: date
    valid_to: date | None
    sources: tuple[Source, ...]
    built_from: tuple[BuiltFrom, ...]
    units: tuple[Unit, ...]
    _index: Mapping[tuple[str, str], Unit] = field(repr=False, compare=False)

    def unit(self, code: str, level: str = "commune") -> Unit | None:
        """The unit of this version with that code at that level, if any."""
        return self._index.get((level, code))

    def units_at(self, level: str, parent: str | None = None) -> tuple[Unit, ...]:
        return tuple(
            u for u in self.units if u.level == level and (parent is None or u.parent == parent)
        )

    @property
    def provinces(self) -> tuple[Unit, ...]:
        return self.units_at("province")

    @property
    def districts(self) -> tuple[Unit, ...]:
        return self.units_at("district")

    @property
    def communes(self) -> tuple[Unit, ...]:
        return self.units_at("commune")

    @property
    def has_districts(self) -> bool:
        return bool(self.districts)

    def province_of(self, commune: str) -> str | None:
        """The province code of one of this version's communes (None when unknown)."""
        unit = self.unit(commune)
        if unit is not None and unit.parent is not None and self.has_districts:
            unit = self.unit(unit.parent, "district")
        return unit.parent if unit is not None else None

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class CrosswalkRow:
    """One former commune and the commune it lies in (`relation` `whole`: wholly inside)."""

    from_code: str
    to_code: str
    relation: str


@dataclass(frozen=True)
class Crosswalk:
    """The communes of one version mapped onto the communes of a later one."""

    from_id: str
    to_id: str
    rows: tuple[CrosswalkRow, ...]
    sources: tuple[Source, ...]
    built_from: tuple[BuiltFrom, ...]
    mapping: Mapping[str, str] = field(repr=False, compare=False)

    def map(self, code: str) -> str | None:
        """The `to` commune of a `from` commune (None for a code not in the `from` version)."""
        return self.mapping.get(code)

    def constituents(self, to_code: str) -> tuple[str, ...]:
        """The former communes that make up a commune of the `to` version."""
        return tuple(row.from_code for row in self.rows if row.to_code == to_code)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _sources(payload: dict[str, Any]) -> tuple[tuple[Source, ...], tuple[BuiltFrom, ...]]:
    sources = tuple(
        Source(s["repository"], s["url"], s["commit"], s["licence"], s["used_for"])
        for s in payload["sources"]
    )
    built_from = tuple(BuiltFrom(b["file"], b["sha256"]) for b in payload["built_from"])
    return sources, built_from


@cache
def version_ids() -> tuple[str, ...]:
    """Every geography version in data/, oldest first."""
    return tuple(sorted(p.stem for p in DATA_DIR.glob("vn-*.json")))


@cache
def load_version(version_id: str) -> GeographyVersion:
    """The version with that id; GeographyNotFound when there is none."""
    if version_id not in version_ids():
        raise GeographyNotFound(f"no geography version {version_id!r}")
    payload = json.loads((DATA_DIR / f"{version_id}.json").read_text(encoding="utf-8"))
    units = tuple(
        Unit(
            code=u["code"],
            level=u["level"],
            kind=u["kind"],
            name_vi=u["name_vi"],
            name_ascii=u["name_ascii"],
            parent=u["parent"],
            valid_from=date.fromisoformat(u["valid_from"]),
            valid_to=_day(u["valid_to"]),
        )
        for u in payload["units"]
    )
    sources, built_from = _sources(payload)
    return GeographyVersion(
        id=payload["id"],
        title=payload["title"],
        valid_from=date.fromisoformat(payload["valid_from"]),
        valid_to=_day(payload["valid_to"]),
        sources=sources,
        built_from=built_from,
        units=units,
        _index=MappingProxyType({(u.level, u.code): u for u in units}),
    )


def versions() -> tuple[GeographyVersion, ...]:
    return tuple(load_version(v) for v in version_ids())


def version_in_force(day: date) -> GeographyVersion | None:
    """The version in force on that day, if one is loaded."""
    return next((v for v in versions() if v.in_force_on(day)), None)


@cache
def crosswalk(from_id: str, to_id: str) -> Crosswalk:
    """The crosswalk between two versions; GeographyNotFound when there is none."""
    name = f"crosswalk-{from_id}-{to_id}.csv"
    manifest = json.loads((DATA_DIR / "crosswalks.json").read_text(encoding="utf-8"))
    if name not in manifest:
        raise GeographyNotFound(f"no crosswalk from {from_id!r} to {to_id!r}")
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as f:
        rows = tuple(
            CrosswalkRow(r["from_code"], r["to_code"], r["relation"]) for r in csv.DictReader(f)
        )
    sources, built_from = _sources(manifest[name])
    return Crosswalk(
        from_id=from_id,
        to_id=to_id,
        rows=rows,
        sources=sources,
        built_from=built_from,
        mapping=MappingProxyType({r.from_code: r.to_code for r in rows}),
    )


@cache
def former_provinces(version_id: str) -> Mapping[str, str]:
    """Commune → the former province (a province of the oldest version) it lies in.

    Exact: no commune straddles two former provinces (tests check it). For the oldest
    version it is the commune's own province.
    """
    version = load_version(version_id)
    oldest = version_ids()[0]
    if version_id == oldest:
        return MappingProxyType(
            {u.code: version.province_of(u.code) or "" for u in version.communes}
        )
    old = load_version(oldest)
    walk = crosswalk(oldest, version_id)
    result: dict[str, str] = {}
    for row in walk.rows:
        result.setdefault(row.to_code, old.province_of(row.from_code) or "")
    return MappingProxyType(result)
