"""A survey round as the domain reads it: parsed once from its stored document, then typed.

The stored document stays the API's and the store's shape (`doc`); code asks the round
(`is_open`, `has_sample`, `design`, `geography` …) instead of reading its keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from catalogue import Instrument, RoundPurpose, RoundStatus
from catalogue.geography.rounds import round_coverage, round_domains, round_geography_id
from scoring import LonelyPsu

DEFAULT_LONELY_PSU = LonelyPsu.ADJUST  # R survey's default is "fail"; see docs/design.md §3


@dataclass(frozen=True, slots=True)
class Design:
    """How the round's variance is estimated: lonely-PSU policy, the fpc per stratum and the
    stages (2: a sample round's units are a second stage, docs/design.md §8)."""

    lonely_psu: LonelyPsu = DEFAULT_LONELY_PSU
    fpc: Mapping[str, float] | None = None
    stages: int = 1

    @property
    def two_stage(self) -> bool:
        return self.stages == 2

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any] | None) -> Design:
        doc = doc or {}
        fpc = doc.get("fpc")
        return cls(
            lonely_psu=LonelyPsu(doc.get("lonely_psu", DEFAULT_LONELY_PSU)),
            fpc=MappingProxyType(dict(fpc)) if fpc else None,
            stages=int(doc.get("stages", 1)),
        )


@dataclass(frozen=True, slots=True)
class Round:
    """One survey round (docs/design.md §2)."""

    id: str
    instrument: Instrument
    title: str
    title_vi: str | None
    status: RoundStatus
    purpose: RoundPurpose
    start: date | None  # None: a round stored without a period (the API always gives one)
    end: date | None
    design: Design
    geography: str | None
    coverage: tuple[str, ...]
    domains: tuple[str, ...]
    teams: tuple[str, ...]
    series: str | None
    targets: Mapping[str, float]
    weighting: Mapping[str, Any]
    frame: Mapping[str, Any] | None
    sample: Mapping[str, Any] | None
    data_version: int  # the round's own changes (design, targets, sample …), not its cells'
    doc: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Round:
        period = doc.get("period") or {}
        return cls(
            id=doc["_id"],
            instrument=Instrument(doc["instrument"]),
            title=doc["title"],
            title_vi=doc.get("title_vi"),
            status=RoundStatus(doc.get("status", RoundStatus.OPEN)),
            purpose=RoundPurpose(doc.get("purpose", RoundPurpose.PRODUCTION)),
            start=_date(period.get("start")),
            end=_date(period.get("end")),
            design=Design.from_doc(doc.get("design")),
            geography=round_geography_id(doc),
            coverage=round_coverage(doc),
            domains=round_domains(doc),
            teams=tuple(doc.get("teams") or ()),
            series=doc.get("series"),
            targets=MappingProxyType(dict(doc.get("targets") or {})),
            weighting=MappingProxyType(dict(doc.get("weighting") or {})),
            frame=doc.get("frame"),
            sample=doc.get("sample"),
            data_version=int(doc.get("data_version", 0)),
            doc=MappingProxyType(dict(doc)),
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its stored document, parsed again when loaded (the caches size what they
        keep by its pickle, and a mapping proxy has none)."""
        return (Round.from_doc, (dict(self.doc),))

    @property
    def is_open(self) -> bool:
        """Takes submissions."""
        return self.status is RoundStatus.OPEN

    @property
    def has_sample(self) -> bool:
        """Drawn from a sample (assignments, visits, outcomes: docs/design.md §8)."""
        return bool(self.sample)

    @property
    def coverage_named(self) -> bool:
        """Its admin named the coverage (else a sample decides it: docs/design.md §13); rounds
        stored before the rule read as named."""
        return bool(self.doc.get("coverage_given", True))

    @property
    def is_production(self) -> bool:
        return self.purpose is RoundPurpose.PRODUCTION

    def in_period(self, day: date) -> bool:
        """Whether a day lies within the round's period (inclusive)."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    @property
    def frame_communes(self) -> Mapping[str, Mapping[str, Any]]:
        """The communes of the round's frame by code (`district`, `name`); none without one."""
        return (self.frame or {}).get("communes") or {}

    def collects_by(self, token_name: str) -> bool:
        """An enumerator collects for this round: any when it names no team."""
        return not self.teams or token_name in self.teams


def _date(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
