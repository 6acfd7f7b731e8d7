"""The fixed code lists units are classified by: area, business type and VSIC 2018 section.

Submissions, samples and calibration margins read them here; nothing else restates them.
"""

from __future__ import annotations

AREAS: tuple[str, ...] = ("urban", "rural")
BUSINESS_TYPES: tuple[str, ...] = ("enterprise", "cooperative", "household_business")
VSIC_SECTIONS: tuple[str, ...] = tuple("ABCDEFGHIJKLMNOPQRSTU")

CODES: dict[str, tuple[str, ...]] = {
    "area": AREAS,
    "type": BUSINESS_TYPES,
    "sector": VSIC_SECTIONS,
}
"""Each `by` dimension with a fixed code list, and its codes (district and commune codes come
from the geography)."""
