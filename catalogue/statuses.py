"""Statuses of the contract (docs/design.md §3–§5): a round's, what became of a submission, an
estimate's verdict against its target, and what an answer shows of a suppressed estimate."""

from __future__ import annotations

from enum import StrEnum


class RoundStatus(StrEnum):
    OPEN = "open"  # takes submissions
    CLOSED = "closed"


class RoundPurpose(StrEnum):
    """Why a round was run; only production rounds are shown to planners (docs/design.md §15)."""

    PRODUCTION = "production"
    PILOT = "pilot"  # trying the questionnaire or the fieldwork out
    TEST = "test"  # training, or trying the system out


class SubmissionStatus(StrEnum):
    """One submission's outcome; the store decides the first three, validation the last."""

    CREATED = "created"
    DUPLICATE = "duplicate"  # the same content was stored before: a harmless replay
    CONFLICT = "conflict"  # its submission_id was stored with other content; not stored
    INVALID = "invalid"  # refused by validation; not stored


class TargetStatus(StrEnum):
    MET = "met"  # the whole confidence interval clears the target
    NOT_MET = "not_met"  # the whole interval lies below it
    UNCERTAIN = "uncertain"  # the interval straddles it, or the estimate is suppressed


class ReviewState(StrEnum):
    """A supervisor's verdict on a submission (docs/design.md §11); `duplicate` is the system's."""

    APPROVED = "approved"  # counts
    HAS_ISSUES = "has_issues"  # still counts; a supervisor has questions
    REJECTED = "rejected"  # leaves estimates, weighting and progress
    DUPLICATE = "duplicate"  # a second completion of an assignment, held until a supervisor decides


class SuppressedPolicy(StrEnum):
    """What an estimates answer carries for an estimate whose reliability is `suppress`."""

    SHOW = "show"  # every number with its flag: for statisticians
    WITHHOLD = "withhold"  # the numbers left out, verdict and reasons kept: for publication
