"""What a visit to a sampled unit found (docs/design.md §8), from the highest precedence down:
an assignment's status is the highest-precedence outcome among its visits."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """A sampled unit's final outcome; the engine's non-response step reads its eligibility."""

    COMPLETED = "completed"  # interviewed
    INELIGIBLE = "ineligible"  # vacant, not a household, business closed
    REFUSED = "refused"
    OTHER_NONRESPONSE = "other_nonresponse"
    NONCONTACT = "noncontact"  # the unit was found, nobody could be reached
    NOT_FOUND = "not_found"  # the unit could not be located: eligibility unknown

    @property
    def known_eligibility(self) -> bool:
        """Everything but ``not_found``: the unit was found."""
        return self is not Outcome.NOT_FOUND

    @property
    def eligible(self) -> bool:
        """Completed, refused, noncontact or other non-response."""
        return self not in (Outcome.NOT_FOUND, Outcome.INELIGIBLE)
