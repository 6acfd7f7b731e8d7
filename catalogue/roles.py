"""Who a token speaks for (docs/design.md §3); what each role may do is decided per route."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # everything
    SUPERVISOR = "supervisor"  # reads rounds and submissions, submits
    PLANNER = "planner"  # reads rounds, indicators and estimates (withheld where unreliable)
    # reads every round's estimates (every number), exports, microdata and weights; writes nothing
    ANALYST = "analyst"
    ENUMERATOR = "enumerator"  # submits to rounds, reads rounds


ROLES: tuple[Role, ...] = tuple(Role)
