"""Interview-quality flags (docs/design.md §11): they fire on rushed, copied, overlapping and
mis-clocked work, and stay quiet on honest fieldwork."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from service.quality.flags import FlagCode, Interview, quality_by_enumerator

DAY_ONE = datetime(2025, 6, 2, 7, 30, tzinfo=UTC)
DISTRICTS = ("080", "082", "083")


def household_answers(rng: random.Random) -> dict:
    members = rng.randint(1, 7)
    adults = rng.randint(1, members)
    fiber = rng.random() < 0.7
    return {
        "members": members,
        "members_15plus": adults,
        "fiber_available": fiber,
        "fiber_subscribed": fiber and rng.random() < 0.6,
        "mobile_4g_5g": rng.random() < 0.85,
        "smartphones": rng.randint(0, adults),
        "members_15plus_with_epay": rng.randint(0, adults),
        "members_15plus_egov_mobile": rng.randint(0, adults),
    }


def honest_day_of_work(
    rng: random.Random, enumerator: str, count: int, district: str
) -> list[Interview]:
    """Interviews one after another, 20–60 minutes each, with travel between them."""
    interviews, clock = [], DAY_ONE
    for number in range(count):
        start = clock + timedelta(minutes=rng.uniform(10, 40))
        minutes = rng.lognormvariate(3.5, 0.3)
        interviews.append(
            Interview(
                submission_id=f"{enumerator}-{number:03d}",
                enumerator_id=enumerator,
                outcome="completed" if rng.random() < 0.9 else "refused",
                district=district,
                started_at=start,
                interviewed_at=start + timedelta(minutes=minutes),
                answers=household_answers(rng),
            )
        )
        clock = interviews[-1].interviewed_at
    return interviews


def honest_round(seed: int) -> list[Interview]:
    rng = random.Random(seed)
    return [
        interview
        for index in range(6)
        for interview in honest_day_of_work(rng, f"enum-{index}", 40, DISTRICTS[index % 3])
    ]


def flags_of(interviews: list[Interview], enumerator: str) -> set[FlagCode]:
    _, groups = quality_by_enumerator(interviews)
    (group,) = [g for g in groups if g.key == enumerator]
    return {flag.code for flag in group.flags}


@pytest.mark.parametrize("seed", range(25))
def test_honest_fieldwork_raises_no_flag(seed: int) -> None:
    _, groups = quality_by_enumerator(honest_round(seed))
    assert [(g.key, g.flags) for g in groups if g.flags] == []


def test_the_short_threshold_is_a_third_of_the_rounds_median_length() -> None:
    interviews = honest_round(1)
    threshold, _ = quality_by_enumerator(interviews)
    lengths = sorted(i.minutes for i in interviews if i.completed)
    middle = len(lengths) // 2
    median = (
        (lengths[middle - 1] + lengths[middle]) / 2 if len(lengths) % 2 == 0 else lengths[middle]
    )
    assert threshold == pytest.approx(median / 3)


def rushed(interviews: list[Interview], enumerator: str, how_many: int) -> list[Interview]:
    """The enumerator's first `how_many` completed interviews take 4 minutes."""
    out, left = [], how_many
    for interview in interviews:
        if interview.enumerator_id == enumerator and interview.completed and left:
            left -= 1
            interview = Interview(
                **{
                    **interview.__dict__,
                    "interviewed_at": interview.started_at + timedelta(minutes=4),
                }
            )
        out.append(interview)
    return out


def test_an_enumerator_who_rushes_interviews_is_flagged() -> None:
    interviews = rushed(honest_round(2), "enum-1", 8)
    assert FlagCode.SHORT_INTERVIEWS in flags_of(interviews, "enum-1")
    assert FlagCode.SHORT_INTERVIEWS not in flags_of(interviews, "enum-2")


def test_one_short_interview_is_not_a_pattern() -> None:
    assert FlagCode.SHORT_INTERVIEWS not in flags_of(rushed(honest_round(2), "enum-1", 1), "enum-1")


def test_short_interviews_under_ten_percent_are_not_flagged() -> None:
    rng = random.Random(3)
    interviews = honest_day_of_work(rng, "busy", 60, "080") + honest_round(3)
    interviews = rushed(interviews, "busy", 2)  # 2 of ~54 completed: under 10 %
    assert FlagCode.SHORT_INTERVIEWS not in flags_of(interviews, "busy")


def copied(interviews: list[Interview], enumerator: str, how_many: int) -> list[Interview]:
    """The enumerator fills `how_many` completed interviews with one answer set."""
    template = next(i.answers for i in interviews if i.enumerator_id == enumerator)
    out, left = [], how_many
    for interview in interviews:
        if interview.enumerator_id == enumerator and interview.completed and left:
            left -= 1
            interview = Interview(**{**interview.__dict__, "answers": template})
        out.append(interview)
    return out


def test_an_enumerator_who_copies_answers_is_flagged() -> None:
    interviews = copied(honest_round(4), "enum-0", 10)
    assert FlagCode.IDENTICAL_ANSWERS in flags_of(interviews, "enum-0")
    _, groups = quality_by_enumerator(interviews)
    assert next(g for g in groups if g.key == "enum-0").identical_answers >= 10


def test_identical_answers_need_twenty_completed_interviews() -> None:
    rng = random.Random(5)
    few = copied(honest_day_of_work(rng, "new", 15, "080"), "new", 12) + honest_round(5)
    assert FlagCode.IDENTICAL_ANSWERS not in flags_of(few, "new")


def test_common_answer_sets_in_a_district_are_not_suspicious() -> None:
    """Where most households give the same answers, coinciding is what chance predicts."""
    rng = random.Random(6)
    plain = {"members": 2, "members_15plus": 2, "fiber_available": False}
    interviews = [
        Interview(**{**i.__dict__, "answers": plain if rng.random() < 0.6 else i.answers})
        for i in honest_round(6)
    ]
    _, groups = quality_by_enumerator(interviews)
    assert all(FlagCode.IDENTICAL_ANSWERS not in {f.code for f in g.flags} for g in groups)


def test_two_interviews_at_the_same_time_are_flagged_as_overlapping() -> None:
    interviews = honest_round(7)
    first = next(i for i in interviews if i.enumerator_id == "enum-3")
    overlapping = Interview(
        **{
            **first.__dict__,
            "submission_id": "enum-3-overlap",
            "started_at": first.started_at + timedelta(minutes=5),
            "interviewed_at": first.interviewed_at + timedelta(minutes=5),
        }
    )
    _, groups = quality_by_enumerator([*interviews, overlapping])
    flag = next(f for g in groups if g.key == "enum-3" for f in g.flags)
    assert flag.code == FlagCode.OVERLAPPING_INTERVIEWS
    assert set(flag.submission_ids) == {first.submission_id, "enum-3-overlap"}


def test_submissions_with_a_clock_problem_are_flagged_with_their_ids() -> None:
    interviews = honest_round(8)
    wrong = Interview(**{**interviews[0].__dict__, "clock": True})
    _, groups = quality_by_enumerator([wrong, *interviews[1:]])
    flag = next(f for g in groups if g.key == wrong.enumerator_id for f in g.flags)
    assert (flag.code, flag.submission_ids) == (FlagCode.CLOCK, [wrong.submission_id])


def test_refusal_rate_counts_refusals_among_units_reached() -> None:
    base = honest_round(9)[0]
    outcomes = ["completed"] * 6 + ["refused"] * 2 + ["noncontact", "not_found", "ineligible"]
    interviews = [
        Interview(**{**base.__dict__, "submission_id": str(n), "outcome": outcome})
        for n, outcome in enumerate(outcomes)
    ]
    _, (group,) = quality_by_enumerator(interviews)
    assert group.refusal_rate == pytest.approx(2 / 9)
    assert (group.submissions, group.completed) == (11, 6)


def test_durations_without_a_start_are_left_out() -> None:
    interviews = [Interview(**{**i.__dict__, "started_at": None}) for i in honest_round(10)]
    threshold, groups = quality_by_enumerator(interviews)
    assert threshold is None
    assert all(g.median_duration_min is None and g.short_share is None for g in groups)
