"""The typed result of one estimate in one domain."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Result:
    """An estimate with its precision, design information and reliability verdict.

    Undefined quantities are ``None``, never NaN: ``deff`` for ratios, ``se`` when no
    stratum has an estimable variance (``average`` with only lonely strata), the interval
    when ``df = 0``, ``cv`` when estimate and se are both 0.
    """

    domain: object | None
    estimate: float
    se: float | None
    ci_low: float | None
    ci_high: float | None
    df: int
    deff: float | None
    n: int
    n_eff: float | None
    population: float
    cv: float | None
    reliability: str
    reliability_reasons: tuple[str, ...]
    ci_method: str
    level: float

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (reasons as a list)."""
        out = asdict(self)
        out["reliability_reasons"] = list(self.reliability_reasons)
        return out


RESULT_FIELDS: tuple[str, ...] = tuple(field.name for field in fields(Result))
"""The fields of a :class:`Result`, in order: the columns of every tabular output."""
