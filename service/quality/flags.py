"""Interview quality by enumerator: durations, short interviews, refusals, identical answers,
overlapping interviews and clock problems (docs/design.md §11). Pure Python: no Flask, no store.

The flags are written for supervisors and must not fire on honest work: answers are a few
booleans and small counts, so honest interviews in one district coincide often; identical answer
sets are judged against how often interviews coincide by chance in the same district.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from scipy.special import pdtrc

RESPONDING = ("completed", "refused", "noncontact", "other_nonresponse")
SHORT_MIN_COUNT, SHORT_MIN_SHARE = 2, 0.10
IDENTICAL_MIN_COMPLETED, IDENTICAL_MIN_RATIO, IDENTICAL_MAX_P = 20, 2.0, 0.001
MAX_LINKED = 50  # submissions listed under one flag


class FlagCode(StrEnum):
    SHORT_INTERVIEWS = "short_interviews"
    IDENTICAL_ANSWERS = "identical_answers"
    OVERLAPPING_INTERVIEWS = "overlapping_interviews"
    CLOCK = "clock"


@dataclass(frozen=True)
class Interview:
    """What quality needs of one non-rejected submission."""

    submission_id: str
    enumerator_id: str
    outcome: str
    district: str
    started_at: datetime | None
    interviewed_at: datetime
    answers: dict[str, Any] | None
    clock: bool = False

    @property
    def completed(self) -> bool:
        return self.outcome == "completed"

    @property
    def minutes(self) -> float | None:
        """Interview length from the start to the end; None without a start or when negative."""
        if self.started_at is None or self.started_at > self.interviewed_at:
            return None
        return (self.interviewed_at - self.started_at).total_seconds() / 60

    @property
    def answer_key(self) -> str:
        return json.dumps(self.answers, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Flag:
    code: FlagCode
    message: str
    submission_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EnumeratorQuality:
    key: str
    submissions: int
    completed: int
    median_duration_min: float | None
    short_share: float | None
    refusal_rate: float | None
    identical_answers: int
    flags: list[Flag]


def round_short_minutes(interviews: Iterable[Interview]) -> float | None:
    """One third of the round's median completed-interview length."""
    minutes = [i.minutes for i in interviews if i.completed and i.minutes is not None]
    return statistics.median(minutes) / 3 if minutes else None


def coincidence_by_district(interviews: Iterable[Interview]) -> dict[str, float]:
    """Chance that two different completed interviews of a district have identical answers.

    The unbiased estimate of Σ p_k² over answer patterns k: Σ n_k(n_k − 1) / (N(N − 1)).
    """
    patterns: dict[str, Counter[str]] = defaultdict(Counter)
    for interview in interviews:
        if interview.completed:
            patterns[interview.district][interview.answer_key] += 1
    chance = {}
    for district, counts in patterns.items():
        total = sum(counts.values())
        pairs = total * (total - 1)
        chance[district] = sum(n * (n - 1) for n in counts.values()) / pairs if pairs else 0.0
    return chance


def short_interviews_flag(
    completed: Sequence[Interview], short_minutes: float | None
) -> Flag | None:
    short = [
        i
        for i in completed
        if short_minutes and i.minutes is not None and i.minutes < short_minutes
    ]
    if len(short) < SHORT_MIN_COUNT or len(short) < SHORT_MIN_SHARE * len(completed):
        return None
    return Flag(
        FlagCode.SHORT_INTERVIEWS,
        f"{len(short)} of {len(completed)} completed interviews took under "
        f"{short_minutes:.0f} minutes, a third of the round's usual length.",
        [i.submission_id for i in short][:MAX_LINKED],
    )


def _identical_groups(completed: Sequence[Interview]) -> list[list[Interview]]:
    groups: dict[tuple[str, str], list[Interview]] = defaultdict(list)
    for interview in completed:
        groups[(interview.district, interview.answer_key)].append(interview)
    return [group for group in groups.values() if len(group) > 1]


def identical_answers_flag(completed: Sequence[Interview], chance: dict[str, float]) -> Flag | None:
    """Identical answer sets far more often than chance in the same districts.

    Observed identical pairs (within a district) are compared with the pairs expected by chance
    (Σ over the enumerator's district pairs of the district's coincidence probability): the flag
    needs at least 20 completed interviews, at least twice the expected share, and a Poisson tail
    probability below 0.001, so that a coincidence or two in honest work never raises it.
    """
    if len(completed) < IDENTICAL_MIN_COMPLETED:
        return None
    per_district = Counter(i.district for i in completed)
    expected = sum(n * (n - 1) / 2 * chance.get(d, 0.0) for d, n in per_district.items())
    groups = _identical_groups(completed)
    observed = sum(len(group) * (len(group) - 1) // 2 for group in groups)
    if observed == 0 or observed < IDENTICAL_MIN_RATIO * expected:
        return None
    if pdtrc(observed - 1, expected) >= IDENTICAL_MAX_P:  # P(X ≥ observed), X ~ Poisson(expected)
        return None
    members = [i.submission_id for group in groups for i in group]
    return Flag(
        FlagCode.IDENTICAL_ANSWERS,
        f"{len(members)} completed interviews repeat another's answers exactly: {observed} "
        f"identical pairs where about {expected:.1f} would happen by chance in these districts.",
        members[:MAX_LINKED],
    )


def overlapping_flag(interviews: Sequence[Interview]) -> Flag | None:
    timed = sorted(
        (i for i in interviews if i.minutes is not None),
        key=lambda i: (i.started_at, i.submission_id),
    )
    overlapping: list[str] = []
    latest_end: Interview | None = None
    for interview in timed:
        started = interview.started_at
        if latest_end is not None and started is not None and started < latest_end.interviewed_at:
            overlapping += [latest_end.submission_id, interview.submission_id]
        if latest_end is None or interview.interviewed_at > latest_end.interviewed_at:
            latest_end = interview
    ids = list(dict.fromkeys(overlapping))
    if not ids:
        return None
    return Flag(
        FlagCode.OVERLAPPING_INTERVIEWS,
        f"{len(ids)} interviews overlap in time with another interview by the same enumerator.",
        ids[:MAX_LINKED],
    )


def clock_flag(interviews: Sequence[Interview]) -> Flag | None:
    ids = [i.submission_id for i in interviews if i.clock]
    if not ids:
        return None
    return Flag(
        FlagCode.CLOCK,
        f"{len(ids)} submissions carry dates outside the round or after they reached the server: "
        "check the phone's clock.",
        ids[:MAX_LINKED],
    )


def refusal_rate(interviews: Sequence[Interview]) -> float | None:
    """Refusals among units reached: refused / (completed + refused + noncontact + other)."""
    outcomes = Counter(i.outcome for i in interviews)
    reached = sum(outcomes[o] for o in RESPONDING)
    return outcomes["refused"] / reached if reached else None


def enumerator_quality(
    key: str,
    interviews: Sequence[Interview],
    short_minutes: float | None,
    chance: dict[str, float],
) -> EnumeratorQuality:
    completed = [i for i in interviews if i.completed]
    minutes = [i.minutes for i in completed if i.minutes is not None]
    short = [m for m in minutes if short_minutes and m < short_minutes]
    flags = [
        flag
        for flag in (
            short_interviews_flag(completed, short_minutes),
            identical_answers_flag(completed, chance),
            overlapping_flag(interviews),
            clock_flag(interviews),
        )
        if flag is not None
    ]
    return EnumeratorQuality(
        key=key,
        submissions=len(interviews),
        completed=len(completed),
        median_duration_min=statistics.median(minutes) if minutes else None,
        short_share=len(short) / len(minutes) if minutes and short_minutes else None,
        refusal_rate=refusal_rate(interviews),
        identical_answers=sum(len(g) for g in _identical_groups(completed)),
        flags=flags,
    )


def quality_by_enumerator(
    interviews: Sequence[Interview], short_minutes: float | None = None
) -> tuple[float | None, list[EnumeratorQuality]]:
    """(the short-interview threshold used, one report per enumerator sorted by key)."""
    threshold = short_minutes if short_minutes is not None else round_short_minutes(interviews)
    chance = coincidence_by_district(interviews)
    by_enumerator: dict[str, list[Interview]] = defaultdict(list)
    for interview in interviews:
        by_enumerator[interview.enumerator_id].append(interview)
    return threshold, [
        enumerator_quality(key, by_enumerator[key], threshold, chance)
        for key in sorted(by_enumerator)
    ]
