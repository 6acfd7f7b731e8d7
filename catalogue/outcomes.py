"""What a visit to a sampled unit found (docs/design.md §8), from the highest precedence down:
an assignment's status is the highest-precedence outcome among its visits."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    COMPLETED = "completed"  # interviewed
    INELIGIBLE = "ineligible"  # vacant, not a household, business closed
    REFUSED = "refused"
    OTHER_NONRESPONSE = "other_nonresponse"
    NONCONTACT = "noncontact"  # the unit was found, nobody could be reached
    NOT_FOUND = "not_found"  # the unit could not be located: eligibility unknown
