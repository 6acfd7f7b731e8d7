"""The survey's domain facts, each stated once: instruments and their `by` dimensions,
indicators (unit, kind, labels, definitions), the targets register (catalogue/targets), roles,
statuses and geography.

Pure Python: schemas, the service, reports and the dashboard (through /api/v1/indicators)
read it; nothing else restates it.
"""

from catalogue.geography import LAO_CAI_DISTRICTS
from catalogue.indicators import (
    INDICATORS,
    INDICATORS_BY_ID,
    Indicator,
    IndicatorKind,
    indicators_of,
    unit_values,
)
from catalogue.instruments import ALL_BY_DIMENSIONS, BY_DIMENSIONS, INSTRUMENTS, Instrument
from catalogue.roles import ROLES, Role
from catalogue.statuses import (
    ReviewState,
    RoundPurpose,
    RoundStatus,
    SubmissionStatus,
    SuppressedPolicy,
    TargetStatus,
)

__all__ = [
    "ALL_BY_DIMENSIONS",
    "BY_DIMENSIONS",
    "INDICATORS",
    "INDICATORS_BY_ID",
    "INSTRUMENTS",
    "LAO_CAI_DISTRICTS",
    "ROLES",
    "Indicator",
    "IndicatorKind",
    "Instrument",
    "ReviewState",
    "Role",
    "RoundPurpose",
    "RoundStatus",
    "SubmissionStatus",
    "SuppressedPolicy",
    "TargetStatus",
    "indicators_of",
    "unit_values",
]
