"""The survey's two instruments and the domains (`by` dimensions) each can be estimated by."""

from __future__ import annotations

from enum import StrEnum


class Instrument(StrEnum):
    HOUSEHOLD = "household"
    BUSINESS = "business"


INSTRUMENTS: tuple[Instrument, ...] = tuple(Instrument)

BY_DIMENSIONS: dict[Instrument, tuple[str, ...]] = {
    Instrument.HOUSEHOLD: ("district", "commune", "area"),
    Instrument.BUSINESS: ("district", "commune", "area", "type", "sector"),
}
ALL_BY_DIMENSIONS: tuple[str, ...] = tuple(
    dict.fromkeys(by for dimensions in BY_DIMENSIONS.values() for by in dimensions)
)
