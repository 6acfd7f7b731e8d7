"""Statuses of the contract (docs/design.md §3–§4): a round's, and what became of a submission."""

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
