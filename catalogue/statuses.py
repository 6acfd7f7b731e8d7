"""Statuses of the contract (docs/design.md §3–§5): a round's, what became of a submission, and
an estimate's verdict against its target."""

from __future__ import annotations

from enum import StrEnum


class RoundStatus(StrEnum):
    OPEN = "open"  # takes submissions
    CLOSED = "closed"


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
