"""Calibration on categorical margins and the variance of calibrated estimates.

See docs/design.md §9.

Works on *calibration cells*: the distinct combinations of the margin variables' labels,
each with ``D_k = Σd`` over its responding units (``d`` the non-response-adjusted weight).
Margins are categorical, so every unit of cell k gets the same ``g_k``; the final weight is
``w = g_k · d``. Deville & Särndal (1992): ``g = F(x'λ)`` with ``Σ_k D_k g_k x_k = T``.

- ``poststratify``: ``g_k = T_c / D_c`` (R ``postStratify``), closed form;
- ``linear`` without bounds: ``g = 1 + x'λ``, ``λ = (X'DX)⁻ (T − X'D)`` (R ``regcalibrate``);
- ``rake``, and ``linear`` with bounds on g: Newton–Raphson (R ``grake``) to
  ``max |T − X'Dg| / (1 + |T|) < 1e-10``.

The variance step (:class:`CalibrationResidual`) replaces every score ``z = w·u`` by
``w·e``, ``e`` the residual of u from least squares on the margin indicators weighted by d
(R ``svyrecvar`` on a ``greg_calibration``: ``qr.resid(qr(X√d), z/(g√d)) · g√d``; R's
``postStratify`` correction is the same projection for one margin).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import cast

import numpy as np

from scoring.arrays import FloatArray
from scoring.domains import DomainStrata
from scoring.errors import ScoringError
from scoring.estimands import Kind
from scoring.linearize import cell_scores
from scoring.weights.spec_error import FieldPath, SpecError, field_name

TOLERANCE = 1e-10
"""Newton stops when every margin misfit is below ``1e-10 · (1 + |T|)`` (R ``epsilon``)."""
MAX_ITERATIONS = 50
SUM_TOLERANCE = 1e-6
"""Margins must sum to the same population within this relative difference."""
KEY_SEPARATOR = "|"
"""Joins a crossed margin's categories (``080|urban``) and its variables in its name."""
ROOT = "calibration"
GENERALISED_INVERSE = 1e-12
"""Singular values below this fraction of the largest count as zero (R ``ginv`` uses ~6e-14)."""


class CalibrationError(ScoringError):
    """The calibration cannot be done as asked; ``margin`` (and ``category``) say where."""

    def __init__(self, message: str, margin: str, category: str | None = None) -> None:
        self.margin = margin
        self.category = category
        super().__init__(message)


class MarginSumsDiffer(SpecError):
    """A margin's totals sum to another population than the first margin's."""

    def __init__(self, message: str, path: FieldPath, margin: str) -> None:
        self.margin = margin
        super().__init__(message, path)


class CategoryWithoutTotal(CalibrationError):
    """Responding units fall in a category the margin gives no (positive) total for."""


class TotalWithoutRespondent(CalibrationError):
    """A category has a positive total but no responding unit to carry it."""


class NotConverged(CalibrationError):
    """Newton–Raphson did not meet the margins within the iteration limit."""


class InfeasibleBounds(CalibrationError):
    """No g within the bounds meets the margins (or unbounded linear g would be ≤ 0)."""


class CalibrationMethod(StrEnum):
    """``calibration.method`` of docs/design.md §9 (R ``calibrate(calfun=)``, ``postStratify``,
    ``rake``)."""

    POSTSTRATIFY = "poststratify"
    RAKE = "rake"
    LINEAR = "linear"

    @classmethod
    def parse(cls, value: object) -> CalibrationMethod:
        """The method named ``value``; unknown names are refused."""
        try:
            return cls(str(value))
        except ValueError:
            names = ", ".join(m.value for m in cls)
            message = f"calibration.method must be one of {names}, not {value!r}"
            raise SpecError(message, (ROOT, "method")) from None


def margin_name(variables: Sequence[str]) -> str:
    """A margin as errors name it: its variables joined by ``|``."""
    return KEY_SEPARATOR.join(variables)


@dataclass(frozen=True)
class Margin:
    """Population totals by category of one variable, or of several crossed (keys ``a|b``).

    A *numeric* margin (``total`` set, ``totals`` empty) is one numeric variable and its
    population total, as R ``calibrate(design, ~x, population = c(N, T_x))``; the intercept
    comes from the categorical margins.
    """

    variables: tuple[str, ...]
    totals: Mapping[str, float]
    total: float | None = None

    @property
    def numeric(self) -> bool:
        """A numeric variable with one population total."""
        return self.total is not None

    @property
    def name(self) -> str:
        """The margin as errors name it: its variables joined by ``|``."""
        return margin_name(self.variables)

    @staticmethod
    def categories(key: str) -> tuple[str, ...]:
        """A total's key split into its category of each variable (``080|urban``)."""
        return tuple(key.split(KEY_SEPARATOR))

    def keys(self, labels: Mapping[str, np.ndarray]) -> np.ndarray:
        """Each cell's category key: its labels of the margin's variables joined by ``|``."""
        parts = [np.asarray(labels[v]).astype(str) for v in self.variables]
        keys = parts[0].astype(object)
        for part in parts[1:]:
            keys = keys + KEY_SEPARATOR + part.astype(object)
        return keys


@dataclass(frozen=True)
class CalibrationSpec:
    """The ``calibration`` object of docs/design.md §9, checked for shape.

    Every rule a calibration must meet before it meets data is stated here, once: the
    command line (``--calibration``) and the service's schemas both parse with
    :meth:`from_json`, and a :class:`SpecError` names the field that breaks a rule.
    """

    method: CalibrationMethod
    margins: tuple[Margin, ...]
    bounds: tuple[float, float] | None = None

    @classmethod
    def from_json(cls, obj: object) -> CalibrationSpec:
        """Parse ``{"method", "margins": [{"variables", "totals"}], "bounds"}``."""
        if not isinstance(obj, Mapping):
            raise SpecError("calibration must be an object", (ROOT,))
        _known_keys(obj, ("method", "margins", "bounds"), (ROOT,))
        method = CalibrationMethod.parse(obj.get("method"))
        margins = obj.get("margins")
        if not isinstance(margins, list) or not margins:
            raise SpecError("calibration.margins must be a non-empty list", (ROOT, "margins"))
        spec = cls(method, tuple(_margin(m, i) for i, m in enumerate(margins)), _bounds(obj))
        spec.check()
        return spec

    @property
    def variables(self) -> tuple[str, ...]:
        """Every variable some margin uses, in first-use order."""
        return tuple(dict.fromkeys(v for m in self.margins for v in m.variables))

    @property
    def numeric_variables(self) -> tuple[str, ...]:
        """The variables of numeric margins (read as numbers, not labels)."""
        return tuple(m.variables[0] for m in self.margins if m.numeric)

    def check(self) -> None:
        """Method/margin/bounds combinations, equal margin sums (1e-6 relative) and equal
        totals where two margins cross the same variables."""
        margins_path = (ROOT, "margins")
        if self.method is CalibrationMethod.POSTSTRATIFY and len(self.margins) != 1:
            raise SpecError("poststratify takes exactly one margin", margins_path)
        if self.method is CalibrationMethod.POSTSTRATIFY and self.bounds is not None:
            raise SpecError("bounds apply to rake and linear calibration only", (ROOT, "bounds"))
        categorical = [m for m in self.margins if not m.numeric]
        if not categorical:
            raise SpecError(
                "calibration needs a categorical margin (the population) beside numeric ones",
                margins_path,
            )
        if set(self.numeric_variables) & {v for m in categorical for v in m.variables}:
            raise SpecError(
                "a variable cannot be in both a numeric and a categorical margin", margins_path
            )
        population = sum(categorical[0].totals.values())
        for index, margin in enumerate(self.margins):
            total = sum(margin.totals.values())
            if not margin.numeric and abs(total - population) > SUM_TOLERANCE * abs(population):
                raise MarginSumsDiffer(
                    f"margin {margin.name} sums to {total:g}, "
                    f"margin {categorical[0].name} to {population:g}",
                    (*margins_path, index, "totals"),
                    margin.name,
                )
        self._check_same_variables()

    def _check_same_variables(self) -> None:
        """Two margins crossing the same variables select the same units for each category:
        their totals must agree (else no weights meet both; R gives a compromise)."""
        seen: dict[frozenset[str], int] = {}
        for index, margin in enumerate(self.margins):
            if margin.numeric:
                continue
            first = seen.setdefault(frozenset(margin.variables), index)
            if first == index:
                continue
            earlier = self.margins[first]
            order = [margin.variables.index(v) for v in earlier.variables]
            for key, total in margin.totals.items():
                parts = Margin.categories(key)
                same = KEY_SEPARATOR.join(parts[i] for i in order)
                other = earlier.totals.get(same, 0.0)
                if abs(total - other) > SUM_TOLERANCE * max(abs(total), abs(other)):
                    raise SpecError(
                        coinciding_margins((earlier.name, same, other), (margin.name, key, total)),
                        (ROOT, "margins", index, "totals", key),
                    )

    def check_variables(
        self, available: Collection[str], numeric: Collection[str] | None = None
    ) -> None:
        """Every margin variable is one the data have: ``available`` (the command line's
        columns; in the service the round's categorical variables) and, for numeric margins,
        ``numeric`` (default: ``available``; in the service the instrument's numeric answers)."""
        numbers = available if numeric is None else numeric
        for index, margin in enumerate(self.margins):
            for variable in margin.variables:
                known = numbers if margin.numeric else available
                if variable in known:
                    continue
                raise SpecError(
                    f"calibration.margins[{index}].variables names {variable!r}, "
                    + _unknown_reason(variable in available or variable in numbers, margin),
                    (ROOT, "margins", index, "variables"),
                )

    def path_of(self, error: CalibrationError) -> FieldPath:
        """The field a calibration the data cannot meet points at: its margin (and category)."""
        names = [m.name for m in self.margins]
        if error.margin not in names:
            return (ROOT,)
        index = names.index(error.margin)
        if error.category is None or self.margins[index].numeric:
            return (ROOT, "margins", index)
        return (ROOT, "margins", index, "totals", error.category)


def _unknown_reason(elsewhere: bool, margin: Margin) -> str:
    """Why a margin cannot use a variable: the data lack it, or have it of the other kind."""
    if not elsewhere:
        return "a variable the data do not have"
    if margin.numeric:
        return "not a numeric variable"
    return "a numeric variable: give it a total, not categories"


def coinciding_margins(first: tuple[str, str, float], second: tuple[str, str, float]) -> str:
    """Why no weights meet two margins: ``(margin, category, total)`` of each, same units."""
    return (
        f"the margins {first[0]} and {second[0]} select the same units "
        f"({first[0]} {first[1]} and {second[0]} {second[1]}) "
        f"but their totals differ ({first[2]:g} and {second[2]:g})"
    )


def _margin(obj: object, index: int) -> Margin:
    path: FieldPath = (ROOT, "margins", index)
    where = field_name(path)
    if not isinstance(obj, Mapping):
        raise SpecError(f"{where} must be an object", path)
    _known_keys(obj, ("variables", "totals", "total"), path)
    variables, totals = obj.get("variables"), obj.get("totals")
    if (
        not isinstance(variables, list)
        or not variables
        or not all(isinstance(v, str) and v for v in variables)
        or len(set(variables)) != len(variables)
    ):
        message = f"{where}.variables must be a list of distinct variable names"
        raise SpecError(message, (*path, "variables"))
    if "total" in obj:
        return _numeric_margin(obj, variables, path)
    if not isinstance(totals, Mapping) or not totals:
        raise SpecError(f"{where}.totals must be a non-empty object", (*path, "totals"))
    for key, value in totals.items():
        key_path = (*path, "totals", str(key))
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not np.isfinite(value) or value < 0:
            raise SpecError(f"{field_name(key_path)} must be a number ≥ 0", key_path)
        if len(Margin.categories(str(key))) != len(variables):
            message = (
                f"{field_name(key_path)} must name {len(variables)} categories joined by "
                f"'{KEY_SEPARATOR}', one per variable"
            )
            raise SpecError(message, key_path)
    return Margin(tuple(variables), {str(k): float(v) for k, v in totals.items()})


def _numeric_margin(obj: Mapping[str, object], variables: list[str], path: FieldPath) -> Margin:
    """``{"variables": [x], "total": T}``: a numeric variable and its population total."""
    where = field_name(path)
    if "totals" in obj:
        message = f"{where} has either totals (categories) or total (numeric), not both"
        raise SpecError(message, path)
    if len(variables) != 1:
        message = f"{where}.variables must name one numeric variable with a total"
        raise SpecError(message, (*path, "variables"))
    total = obj["total"]
    if not isinstance(total, int | float) or isinstance(total, bool) or not np.isfinite(total):
        raise SpecError(f"{where}.total must be a finite number", (*path, "total"))
    return Margin((variables[0],), {}, float(total))


def _known_keys(obj: Mapping[str, object], keys: tuple[str, ...], path: FieldPath) -> None:
    """Refuse a key the object does not have (a misspelt ``bounds`` would be ignored)."""
    unknown = sorted(str(k) for k in obj if k not in keys)
    if unknown:
        message = f"{field_name(path)} has an unknown key {unknown[0]!r} (keys: {', '.join(keys)})"
        raise SpecError(message, (*path, unknown[0]))


def _bounds(obj: Mapping[str, object]) -> tuple[float, float] | None:
    bounds = obj.get("bounds")
    if bounds is None:
        return None
    if (
        not isinstance(bounds, list)
        or len(bounds) != 2
        or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
        or not 0 < bounds[0] <= 1 <= bounds[1] < np.inf
        or bounds[0] == bounds[1]
    ):
        message = "calibration.bounds must be [low, high] with 0 < low ≤ 1 ≤ high"
        raise SpecError(message, (ROOT, "bounds"))
    return float(bounds[0]), float(bounds[1])


@dataclass(frozen=True)
class Category:
    """One margin category: its population total and the calibrated weight sum reached."""

    margin: str
    key: str
    total: float
    achieved: float

    @property
    def variables(self) -> tuple[str, ...]:
        """The margin's variables (its name split at ``|``)."""
        return tuple(self.margin.split(KEY_SEPARATOR))


@dataclass(frozen=True)
class Calibrated:
    """``g`` per calibration cell, with what the variance step needs (the model X and d)."""

    g: FloatArray
    indicators: FloatArray
    d: FloatArray
    categories: tuple[Category, ...]
    iterations: int

    def fitted(self, s: FloatArray) -> FloatArray:
        """Per cell ``x_k'β`` with ``β = (X'DX)⁻ X's``: the d-weighted least-squares fit.

        ``s`` (cells × columns) holds ``Σ d·u`` per cell for each column of scores u.
        """
        x = self.indicators
        return x @ (weighted_gram_inverse(x, self.d) @ (x.T @ s))


def calibrate(
    spec: CalibrationSpec, labels: Mapping[str, Sequence[object] | np.ndarray], d: np.ndarray
) -> Calibrated:
    """g for each calibration cell: ``labels[v][k]`` is cell k's label of v, ``d[k] = Σd``."""
    d = np.asarray(d, dtype=np.float64)
    spec.check_variables(labels)
    if d.ndim != 1 or np.any(~np.isfinite(d)) or np.any(d < 0):
        raise ScoringError("cell weight sums must be finite and ≥ 0")
    x, totals, names = _indicators(spec.margins, labels, d)
    method = spec.method
    if method is CalibrationMethod.POSTSTRATIFY:
        g, iterations = poststratify_g(x, d, totals), 0
    elif method is CalibrationMethod.LINEAR and spec.bounds is None:
        g, iterations = linear_g(x, d, totals), 0
        _check_positive(g, x, names)
    else:
        distance = raking_distance if method is CalibrationMethod.RAKE else linear_distance
        g, iterations = newton_g(x, d, totals, distance, spec.bounds, names)
    achieved = x.T @ (d * g)
    _check_achieved(x, d, totals, achieved, names)
    categories = tuple(
        Category(margin, key, float(t), float(a))
        for (margin, key), t, a in zip(names, totals, achieved, strict=True)
    )
    return Calibrated(g, x, d, categories, iterations)


def _indicators(
    margins: Sequence[Margin], labels: Mapping[str, Sequence[object] | np.ndarray], d: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]]]:
    """The cell × category indicator matrix X, the totals T and each column's (margin, key).

    A numeric margin adds one column, the cells' values of its variable (key ``total``).

    Checks that every category with units has a positive total and every positive total a
    responding unit; categories with a zero total and no unit are dropped (as R does).
    """
    arrays = {v: np.asarray(values) for v, values in labels.items()}
    columns, totals, names = [], [], []
    for margin in margins:
        if margin.numeric:  # the column is the cell's value of the variable
            columns.append(np.asarray(arrays[margin.variables[0]], dtype=np.float64))
            totals.append(margin.total)
            names.append((margin.name, "total"))
            continue
        keys = margin.keys(arrays)
        present = set(keys[d > 0])
        for key in sorted(present):
            if margin.totals.get(key, 0.0) <= 0:
                raise CategoryWithoutTotal(
                    f"margin {margin.name} has no positive total for category {key}, "
                    "which has responding units",
                    margin.name,
                    key,
                )
        for key, total in sorted(margin.totals.items()):
            if total > 0 and key not in present:
                raise TotalWithoutRespondent(
                    f"margin {margin.name} category {key} has a total of {total:g} "
                    "but no responding unit",
                    margin.name,
                    key,
                )
            if key in present:
                columns.append(keys == key)
                totals.append(total)
                names.append((margin.name, key))
    return np.column_stack(columns).astype(np.float64), np.asarray(totals), names


def poststratify_g(x: FloatArray, d: FloatArray, totals: FloatArray) -> FloatArray:
    """R ``postStratify``: ``g_k = T_c / Σ_{k∈c} D_k`` for the post-stratum c of cell k."""
    return x @ (totals / (x.T @ d))


def linear_g(x: FloatArray, d: FloatArray, totals: FloatArray) -> FloatArray:
    """R ``regcalibrate`` (GREG): ``g = 1 + X (X'DX)⁻ (T − X'D)``."""
    return 1.0 + x @ (weighted_gram_inverse(x, d) @ (totals - x.T @ d))


def weighted_gram_inverse(x: FloatArray, d: FloatArray) -> FloatArray:
    """``(X' diag(d) X)⁻``: a generalised inverse, as margins share the intercept (R ``ginv``)."""
    inverse = np.linalg.pinv(x.T @ (d[:, None] * x), rcond=GENERALISED_INVERSE, hermitian=True)
    return cast(FloatArray, inverse)  # numpy's stub types pinv as floating[Any]


@dataclass(frozen=True)
class Distance:
    """A calibration function ``g = clip(h(u), low, high)`` (R ``calfun``: ``Fm1 = g − 1``).

    ``h`` increasing with ``h(0) = 1``, ``slope`` its derivative, ``antiderivative`` H and
    ``inverse`` h⁻¹ give the dual objective that makes Newton's steps safe.
    """

    h: Callable[[FloatArray], FloatArray]
    slope: Callable[[FloatArray], FloatArray]
    antiderivative: Callable[[FloatArray], FloatArray]
    inverse: Callable[[float], float]

    def g(self, u: FloatArray, limits: tuple[float, float]) -> FloatArray:
        """``clip(h(u), low, high)`` (R ``1 + calfun$Fm1``)."""
        with np.errstate(over="ignore"):
            return np.clip(self.h(u), limits[0], limits[1])

    def derivative(self, u: FloatArray, limits: tuple[float, float]) -> FloatArray:
        """``dg/du``: ``h'(u)`` strictly inside the bounds, else 0 (R ``calfun$dF``)."""
        with np.errstate(over="ignore"):
            value = self.h(u)
            return np.where((value > limits[0]) & (value < limits[1]), self.slope(u), 0.0)

    def dual(self, u: FloatArray, limits: tuple[float, float]) -> FloatArray:
        """``ψ(u) = ∫₀ᵘ (g(t) − 1) dt``, convex: g is non-decreasing."""
        with np.errstate(divide="ignore", over="ignore"):
            low, high = self.inverse(limits[0]), self.inverse(limits[1])
            inner = np.clip(u, low, high)
            outside = np.where(u == inner, 0.0, self.g(u, limits) * (u - inner))
            return self.antiderivative(inner) - self.antiderivative(np.zeros(1)) + outside - u


raking_distance = Distance(
    h=np.exp,
    slope=np.exp,
    antiderivative=np.exp,
    inverse=lambda g: float(np.log(g)) if g > 0 else -np.inf,
)
"""R ``cal.raking``: ``g = exp(u)`` clipped to the bounds."""

linear_distance = Distance(
    h=lambda u: 1.0 + u,
    slope=np.ones_like,
    antiderivative=lambda u: u + u * u / 2,
    inverse=lambda g: g - 1.0,
)
"""R ``cal.linear``: ``g = 1 + u`` clipped to the bounds."""

ARMIJO = 1e-4
ROUNDING = 1e-13
MAX_HALVINGS = 40


def newton_g(
    x: np.ndarray,
    d: np.ndarray,
    totals: np.ndarray,
    distance: Distance,
    bounds: tuple[float, float] | None,
    names: Sequence[tuple[str, str]],
) -> tuple[np.ndarray, int]:
    """Deville–Särndal Newton–Raphson (R ``grake``): ``λ ← λ + (X' diag(D·g'(Xλ)) X)⁻ m``.

    ``m = T − X'D·g`` is the misfit. The steps descend the convex dual
    ``Φ(λ) = Σ_k D_k ψ(x_k'λ) − λ'(T − X'D)`` (its gradient is ``−m``), halved until Φ
    decreases, and damped towards the unclipped Hessian ``X'DX`` when clipped cells make
    the Newton step stall; the solution (unique when it exists) is R's.
    """
    limits = bounds if bounds is not None else (-np.inf, np.inf)

    def objective(lam: np.ndarray) -> float:
        return float(d @ distance.dual(x @ lam, limits) - lam @ (totals - x.T @ d))

    def magnitude(lam: np.ndarray) -> float:
        """The size of Φ's summed terms: its rounding error is relative to it, not to Φ."""
        return float(d @ np.abs(distance.dual(x @ lam, limits)) + np.abs(lam) @ np.abs(totals))

    lam, damping = np.zeros(x.shape[1]), 0.0
    for iteration in range(1, MAX_ITERATIONS + 1):
        g = distance.g(x @ lam, limits)
        misfit = totals - x.T @ (d * g)
        if np.all(np.abs(misfit) / (1 + np.abs(totals)) < TOLERANCE):
            return g, iteration - 1
        slopes = d * distance.derivative(x @ lam, limits)
        step = weighted_gram_inverse(x, slopes + damping * d) @ misfit
        slope = float(misfit @ step)
        descends = slope > ROUNDING * np.linalg.norm(misfit) * np.linalg.norm(step)
        accepted = _line_search(objective, lam, step, slope, magnitude(lam)) if descends else None
        if accepted is None:
            damping = max(10 * damping, 1e-3)
        else:
            lam, damping = accepted, damping / 10 if damping > 1e-9 else 0.0
    g = distance.g(x @ lam, limits)
    worst = names[int(np.argmax(np.abs(totals - x.T @ (d * g)) / (1 + np.abs(totals))))]
    if bounds is not None:
        raise InfeasibleBounds(
            f"no weights within bounds [{bounds[0]:g}, {bounds[1]:g}] meet margin {worst[0]} "
            f"(category {worst[1]})",
            worst[0],
            worst[1],
        )
    raise NotConverged(
        f"calibration did not meet margin {worst[0]} (category {worst[1]}) within "
        f"{MAX_ITERATIONS} iterations",
        worst[0],
        worst[1],
    )


def _line_search(
    objective: Callable[[FloatArray], float],
    lam: FloatArray,
    step: FloatArray,
    slope: float,
    magnitude: float,
) -> FloatArray | None:
    """Armijo backtracking along ``step`` (``slope = m·step``); None when nothing decreases.

    Near the solution Φ changes below its rounding error (relative to the `magnitude` of the
    terms it sums, which cancel to a much smaller Φ), which then counts as a decrease; when
    even the whole step's predicted decrease is below it, Φ cannot judge the step and it is
    taken whole, as R ``grake`` takes every step (else the step halves on rounding noise and
    the misfit stalls just above the tolerance).
    """
    start, length = objective(lam), 1.0
    noise = ROUNDING * (1 + max(abs(start), magnitude))
    if slope <= noise:
        return lam + step
    for _ in range(MAX_HALVINGS):
        value = objective(lam + length * step)
        if np.isfinite(value) and value <= start - ARMIJO * length * slope + noise:
            return lam + length * step
        length /= 2
    return None


class InconsistentTotals(CalibrationError):
    """The margins' totals contradict each other on the sample: no weights can meet them all."""


def _check_achieved(
    x: np.ndarray,
    d: np.ndarray,
    totals: np.ndarray,
    achieved: np.ndarray,
    names: Sequence[tuple[str, str]],
) -> None:
    """Refuse weights that miss a total (by more than 1e-6 relative), naming where and why.

    Unbounded linear calibration solves with a generalised inverse: when two margins select
    the same units but give them different totals it returns a least-squares compromise
    that meets neither, so every method's achieved totals are checked.
    """
    misfit = np.abs(achieved - totals) / (1 + np.abs(totals))
    if not np.any(misfit > SUM_TOLERANCE):
        return
    worst = int(np.argmax(misfit))
    margin, key = names[worst]
    units = x[d > 0, worst]
    for other, (other_margin, _) in enumerate(names):
        if other_margin != margin and np.array_equal(x[d > 0, other], units):
            first, second = sorted((other, worst))
            raise InconsistentTotals(
                coinciding_margins(
                    (*names[first], float(totals[first])), (*names[second], float(totals[second]))
                ),
                margin,
                key,
            )
    raise InconsistentTotals(
        f"calibration cannot meet margin {margin} category {key}: it reaches "
        f"{achieved[worst]:g} of its total {totals[worst]:g}, as the margins' totals "
        "contradict each other on the sample",
        margin,
        key,
    )


def _check_positive(g: np.ndarray, x: np.ndarray, names: Sequence[tuple[str, str]]) -> None:
    """Unbounded linear g can be ≤ 0; such weights cannot enter a design."""
    bad = np.flatnonzero(g <= 0)
    if bad.size:
        margin, key = names[int(np.flatnonzero(x[bad[0]])[0])]
        raise InfeasibleBounds(
            f"linear calibration gives g ≤ 0 in margin {margin} category {key}: "
            "set bounds or use rake",
            margin,
            key,
        )


@dataclass(frozen=True)
class CalibrationResidual:
    """R ``svyrecvar``'s calibration step for one estimand, on sufficient statistics.

    ``psu``/``stratum``/``cell``/``d``: one row per PSU × calibration cell with ``Σd`` over
    *all* responding units there (the codes of the estimate's PSU × domain cells);
    ``domain_cell``/``domain``/``sd``/``sdy``/``sdx``: one row per calibration cell × domain
    with the domain's d-weighted sums of the estimand's variables. ``n_rows``: responding
    units in the design (R ``nrow()`` of a subset of a calibrated design).
    """

    calibrated: Calibrated
    psu: np.ndarray
    stratum: np.ndarray
    cell: np.ndarray
    d: np.ndarray
    domain_cell: np.ndarray
    domain: np.ndarray
    sd: np.ndarray
    sdy: np.ndarray
    sdx: np.ndarray
    n_strata: int
    n_rows: int

    def scores(
        self,
        kind: Kind,
        estimate: np.ndarray,
        base: np.ndarray,
        z: np.ndarray,
        z_psu: np.ndarray,
        z_domain: np.ndarray,
    ) -> tuple[np.ndarray, DomainStrata]:
        """PSU × domain totals of ``w·e`` for every PSU and domain, and their pairs.

        ``z`` are the PSU × domain score totals of the in-domain cells. Rows outside a
        domain have ``u = 0`` but a residual ``−x'β``, so every PSU gets a total.
        """
        n_domains = estimate.shape[0]
        n_psus = int(self.psu.max()) + 1
        scores = np.zeros((n_psus, n_domains))
        np.add.at(scores, (z_psu, z_domain), z)
        scores -= self._psu_fits(self._fits(kind, estimate, base), n_psus)
        psu_stratum = np.zeros(n_psus, dtype=np.int64)
        psu_stratum[self.psu] = self.stratum
        psu = np.repeat(np.arange(n_psus), n_domains)
        domain = np.tile(np.arange(n_domains), n_psus)
        pairs = DomainStrata.of(domain, psu_stratum[psu], self.n_strata)
        return scores.ravel(), pairs

    def _fits(self, kind: Kind, estimate: np.ndarray, base: np.ndarray) -> np.ndarray:
        """``x_k'β_d``: the fit of ``u = z/w`` per calibration cell k and domain d."""
        # domains without units (estimate and base 0) have u = 0
        rows = np.flatnonzero(base[self.domain] != 0) if kind is not Kind.TOTAL else slice(None)
        domain = self.domain[rows]
        weighted_u = cell_scores(
            kind, self.sd[rows], self.sdy[rows], self.sdx[rows], estimate[domain], base[domain]
        )
        s = np.zeros((self.calibrated.g.shape[0], estimate.shape[0]))
        np.add.at(s, (self.domain_cell[rows], domain), weighted_u)
        return self.calibrated.fitted(s)

    def _psu_fits(self, fits: FloatArray, n_psus: int) -> FloatArray:
        """``Σ_k g_k · D_jk · x_k'β_d`` per PSU j and domain d."""
        weight = np.zeros((n_psus, fits.shape[0]))
        np.add.at(weight, (self.psu, self.cell), self.calibrated.g[self.cell] * self.d)
        return weight @ fits
