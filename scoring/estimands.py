"""What is estimated: a mean, proportion, total, ratio or member proportion (docs/design.md §5-6).

Point estimators from domain sums (weighted sums over the rows of domain d):

- mean, proportion: ``ŷ = Σwy / Σw``
- total: ``Ŷ = Σwy``
- ratio: ``R̂ = Σwy / Σwx``
- member proportion: ``p̂ = Σw·count / Σw·size``, the person-level proportion of the
  file with one row per member (y = 0/1) carrying the household's design.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from scoring.arrays import BoolArray, FloatArray
from scoring.errors import ScoringError


class Kind(StrEnum):
    """The estimand's kind; fixes the estimator, its scores and its CI/reliability rules."""

    MEAN = "mean"
    PROPORTION = "proportion"
    TOTAL = "total"
    RATIO = "ratio"
    MEMBER_PROPORTION = "member_proportion"

    @classmethod
    def parse(cls, value: str | Kind) -> Kind:
        """The kind named ``value``; unknown names are refused."""
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(k.value for k in cls)
            raise ScoringError(f"kind must be one of {names}, not {value!r}") from None

    @property
    def is_proportion(self) -> bool:
        """Proportions get the svyciprop intervals and the NCHS reliability rules."""
        return self in (Kind.PROPORTION, Kind.MEMBER_PROPORTION)

    @property
    def over_denominator(self) -> bool:
        """Estimated over ``Σwx`` (ratio, member proportion) rather than ``Σw``."""
        return self in (Kind.RATIO, Kind.MEMBER_PROPORTION)


@dataclass(frozen=True)
class Estimand:
    """A kind with its per-row variables ``y`` (and ``x``: denominator or member count)."""

    kind: Kind
    y: FloatArray
    x: FloatArray | None = None

    @classmethod
    def mean(cls, y: Sequence[float] | FloatArray) -> Estimand:
        """Weighted mean of ``y``; NaN marks a missing value (row kept in the design)."""
        return cls(Kind.MEAN, _numbers(y, "y"))

    @classmethod
    def total(cls, y: Sequence[float] | FloatArray) -> Estimand:
        """Weighted total of ``y``."""
        return cls(Kind.TOTAL, _numbers(y, "y"))

    @classmethod
    def proportion(cls, y: Sequence[float] | FloatArray) -> Estimand:
        """Weighted proportion of rows with ``y == 1``; ``y`` must be 0/1 (or NaN)."""
        values = _numbers(y, "y")
        present = values[~np.isnan(values)]
        if np.any((present != 0) & (present != 1)):
            bad = present[(present != 0) & (present != 1)][0]
            raise ScoringError(f"a proportion needs a 0/1 variable, got {bad:g}")
        return cls(Kind.PROPORTION, values)

    @classmethod
    def ratio(
        cls, num: Sequence[float] | FloatArray, den: Sequence[float] | FloatArray
    ) -> Estimand:
        """Ratio of weighted totals ``Σw·num / Σw·den``."""
        y, x = _numbers(num, "numerator"), _numbers(den, "denominator")
        _same_length(y, x)
        return cls(Kind.RATIO, y, x)

    @classmethod
    def member_proportion(
        cls, count: Sequence[float] | FloatArray, size: Sequence[float] | FloatArray
    ) -> Estimand:
        """Share of members with a trait: ``count`` of ``size`` members in each row's unit."""
        y, x = _numbers(count, "count"), _numbers(size, "size")
        _same_length(y, x)
        if np.isnan(y).any() or np.isnan(x).any():
            raise ScoringError("member counts and sizes must not be missing")
        if np.any(y < 0) or np.any(y != np.round(y)) or np.any(x != np.round(x)):
            raise ScoringError("member counts and sizes must be whole numbers ≥ 0")
        if np.any(y > x):
            raise ScoringError("a member count cannot exceed its unit's size")
        return cls(Kind.MEMBER_PROPORTION, y, x)

    def missing(self) -> BoolArray:
        """Rows without a value: excluded from every domain but kept in the design."""
        gone = np.isnan(self.y)
        return gone | np.isnan(self.x) if self.x is not None else gone


def point_estimates(
    kind: Kind, sum_w: FloatArray, sum_wy: FloatArray, sum_wx: FloatArray
) -> FloatArray:
    """The estimator per domain from its weighted sums (module docstring)."""
    if kind is Kind.TOTAL:
        return sum_wy.copy()
    denominator = sum_wx if kind.over_denominator else sum_w
    if np.any(denominator == 0):
        raise ScoringError("the denominator total is zero in a domain")
    return sum_wy / denominator


def _numbers(values: Sequence[float] | FloatArray, name: str) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ScoringError(f"{name} must be numbers") from None
    if arr.ndim != 1:
        raise ScoringError(f"{name} must be a 1-d array")
    if np.isinf(arr).any():
        raise ScoringError(f"{name} must be finite (NaN marks a missing value)")
    return arr


def _same_length(a: FloatArray, b: FloatArray) -> None:
    if a.shape != b.shape:
        raise ScoringError("both variables must have one entry per row")
