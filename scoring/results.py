"""The typed result of one estimate in one domain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from scoring.reliability import Reason, Reliability


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


@dataclass(frozen=True)
class NoEstimate:
    """A domain of the data that has no estimate: none of its rows has a value (or each has
    weight 0). R answers NaN (``svyby``'s ``na.rm`` makes it 0 with se 0); it is listed here
    with every number ``None``, ``n = 0`` and suppressed with the reason ``no_values``.
    """

    domain: object | None

    @property
    def reliability_reasons(self) -> tuple[str, ...]:
        """Why there is no estimate."""
        return (Reason.NO_VALUES.value,)

    def as_dict(self) -> dict[str, Any]:
        """The fields of a :class:`Result`, in its order."""
        out: dict[str, Any] = dict.fromkeys(RESULT_FIELDS)
        out.update(
            domain=self.domain,
            n=0,
            reliability=Reliability.SUPPRESS.value,
            reliability_reasons=list(self.reliability_reasons),
        )
        return out


def with_empty_domains(
    results: Sequence[Result], domains: Sequence[object]
) -> list[Result | NoEstimate]:
    """Every domain of ``domains`` (sorted, as ``results`` are): its result, or a
    :class:`NoEstimate` where it has none."""
    found = {r.domain: r for r in results}
    return [found[d] if d in found else NoEstimate(d) for d in domains]
