"""What the domain refuses, without HTTP: `service.errors` is the one place that turns each kind
into a status and an RFC 9457 problem (routes and the OpenRosa edge call it)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the caller can act on; `errors` maps field paths to messages."""

    def __init__(
        self,
        detail: str,
        errors: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail, self.errors = detail, errors
        self.extra = extra or {}  # members the problem carries besides detail and errors
        self.headers = headers or {}


class Invalid(DomainError):
    """The content breaks a rule (422)."""


class NotFound(DomainError):
    """What was named does not exist (404)."""


class Conflict(DomainError):
    """The request clashes with the stored state (409)."""


class Forbidden(DomainError):
    """The caller may not act on this (403): not theirs, or not their role."""


class PreconditionFailed(DomainError):
    """A condition the caller set (If-Match) does not hold (412)."""


class Busy(DomainError):
    """Others are changing the same thing right now; the caller may try again (409)."""


def invalid(
    errors: dict[str, list[str]], detail: str = "The request content is invalid."
) -> Invalid:
    return Invalid(detail, errors)


def not_found(what: str) -> NotFound:
    return NotFound(f"{what} does not exist.")


def conflict(detail: str) -> Conflict:
    return Conflict(detail)
