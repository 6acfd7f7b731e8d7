"""The targets register (docs/design.md §13, docs/targets.md): each target that maps onto an
indicator, with the document, date and clause it comes from and how its value was checked.

A round's default target for an indicator is the register's target for the round's area — the
population its coverage spans — else the national one; of those, the nearest target year at or
after the round's year, else the latest."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal

from catalogue.geography.rounds import all_former_provinces, default_geography
from catalogue.geography.versions import former_provinces, load_version

REGISTER = Path(__file__).with_name("register.json")
NATIONAL = "national"


@dataclass(frozen=True)
class Document:
    id: str
    document: str
    issuer: str
    date: str
    title: str
    short_vi: str
    short_en: str


@dataclass(frozen=True)
class Area:
    """A unit of a geography version; its population is the former provinces it spans."""

    geography: str
    code: str

    @cached_property  # asked once per indicator of every estimates answer
    def former_provinces(self) -> frozenset[str]:
        version = load_version(self.geography)
        former = former_provinces(self.geography)
        return frozenset(
            former[unit.code]
            for unit in version.communes
            if version.province_of(unit.code) == self.code
        )


@dataclass(frozen=True)
class Target:
    id: str
    indicator: str
    value: float
    comparison: Literal[">="]
    year: int
    area: Area | None  # None: national
    source: Document
    clause: str
    checked: Literal["contract", "quoted text", "text"]
    evidence: str

    def as_json(self) -> dict[str, Any]:
        applies_to = self.area and {"geography": self.area.geography, "code": self.area.code}
        return {
            "id": self.id,
            "indicator": self.indicator,
            "value": self.value,
            "comparison": self.comparison,
            "year": self.year,
            "applies_to": applies_to or NATIONAL,
            "source": self.source_json(),
            "checked": self.checked,
            "evidence": self.evidence,
        }

    def source_json(self) -> dict[str, Any]:
        return {
            "target_id": self.id,
            "document": self.source.document,
            "issuer": self.source.issuer,
            "date": self.source.date,
            "clause": self.clause,
            "year": self.year,
            "short_vi": self.source.short_vi,
            "short_en": self.source.short_en,
        }


@cache
def register() -> tuple[Target, ...]:
    data = json.loads(REGISTER.read_text(encoding="utf-8"))
    documents = {key: Document(id=key, **value) for key, value in data["documents"].items()}
    return tuple(_target(row, documents) for row in data["targets"])


def _target(row: dict[str, Any], documents: dict[str, Document]) -> Target:
    applies_to = row["applies_to"]
    return Target(
        id=row["id"],
        indicator=row["indicator"],
        value=float(row["value"]),
        comparison=row["comparison"],
        year=int(row["year"]),
        area=None if applies_to == NATIONAL else Area(**applies_to),
        source=documents[row["document"]],
        clause=row["clause"],
        checked=row["checked"],
        evidence=row["evidence"],
    )


def listed(
    indicator: str | None = None, year: int | None = None, area: str | None = None
) -> list[Target]:
    """The register, filtered; `area` is `national` or `{geography}:{code}`."""
    return [
        target
        for target in register()
        if (indicator is None or target.indicator == indicator)
        and (year is None or target.year == year)
        and (area is None or _area_name(target.area) == area)
    ]


def _area_name(area: Area | None) -> str:
    return NATIONAL if area is None else f"{area.geography}:{area.code}"


def default_target(
    indicator: str, geography: str | None, coverage: tuple[str, ...], year: int
) -> Target | None:
    """The register's target a round of this area and year is held against, if any."""
    population = frozenset(coverage) if geography is not None else None
    candidates = [t for t in register() if t.indicator == indicator]
    local = [t for t in candidates if t.area and t.area.former_provinces == population]
    chosen = local or [t for t in candidates if t.area is None]
    if not chosen:
        return None
    ahead = [t for t in chosen if t.year >= year]
    return min(ahead, key=lambda t: t.year) if ahead else max(chosen, key=lambda t: t.year)


def target_source(
    indicator: str, value: float, geography: str | None, coverage: tuple[str, ...], year: int
) -> dict[str, Any]:
    """Where a round's target comes from: the register's, or set for the round by its admin."""
    target = default_target(indicator, geography, coverage, year)
    if target is not None and target.value == value:
        return target.source_json()
    return {"target_id": None, "document": None, "set_for_round": True}


def default_targets(
    indicators: list[str], geography: str | None, coverage: tuple[str, ...], year: int
) -> dict[str, float]:
    """{indicator: value} of the register's targets for a round (its explicit targets override)."""
    chosen = {ind: default_target(ind, geography, coverage, year) for ind in indicators}
    return {ind: target.value for ind, target in chosen.items() if target is not None}


def todays_default(indicator: str) -> Target | None:
    """The target a new round covering the whole province on today's geography gets."""
    today = date.today()
    geography = default_geography(today)
    return default_target(indicator, geography, all_former_provinces(geography), today.year)
