"""Non-response adjustment in two steps within weighting classes (docs/design.md §9).

Works on per-PSU sums of the input weight ``d`` by outcome (:class:`OutcomeSums`). Within a
class c (DHS / UN household-survey practice; R has no function for it, the goldens compute
it with ``ave()``):

1. unknown eligibility: ``A_c = Σ_{c} d / Σ_{known in c} d`` (``not_found`` is unknown);
2. non-response: ``B_c = Σ_{eligible in c} d₁ / Σ_{completed in c} d₁ = Σ_{eligible} d /
   Σ_{completed} d`` (``d₁ = A_c·d`` cancels);

so every completed unit gets ``w_nr = d · A_c · B_c`` and ineligible units drop out.
Classes ``psu`` collapse to the whole stratum when any PSU class of the stratum has fewer
than ``min_respondents`` completed units or ``B_c > max_factor``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from catalogue.outcomes import Outcome
from scoring.codes import as_label_array, compact, factorize, missing_labels, python_label
from scoring.errors import ScoringError
from scoring.weights.spec_error import SpecError

ArrayLike = Sequence[object] | np.ndarray


ROOT = "nonresponse"
KEYS = ("classes", "min_respondents", "max_factor")


class ClassKind(StrEnum):
    """``nonresponse.classes``: the weighting classes."""

    PSU = "psu"
    STRATUM = "stratum"
    NONE = "none"


@dataclass(frozen=True)
class NonresponseSpec:
    """The ``nonresponse`` object of docs/design.md §9; its defaults are stated here only."""

    classes: ClassKind = ClassKind.PSU
    min_respondents: int = 2
    max_factor: float = 3.0

    @classmethod
    def from_json(cls, obj: object) -> NonresponseSpec:
        """Parse ``{"classes", "min_respondents", "max_factor"}`` (all optional)."""
        if not isinstance(obj, Mapping):
            raise SpecError("nonresponse must be an object", (ROOT,))
        unknown = sorted(str(k) for k in obj if k not in KEYS)
        if unknown:
            message = f"nonresponse has an unknown key {unknown[0]!r} (keys: {', '.join(KEYS)})"
            raise SpecError(message, (ROOT, unknown[0]))
        default = cls()
        try:
            classes = ClassKind(obj.get("classes", default.classes))
        except ValueError:
            names = ", ".join(kind.value for kind in ClassKind)
            message = f"nonresponse.classes must be one of {names}"
            raise SpecError(message, (ROOT, "classes")) from None
        least = obj.get("min_respondents", default.min_respondents)
        most = obj.get("max_factor", default.max_factor)
        if not isinstance(least, int) or isinstance(least, bool) or least < 1:
            message = "nonresponse.min_respondents must be an integer ≥ 1"
            raise SpecError(message, (ROOT, "min_respondents"))
        if not isinstance(most, int | float) or isinstance(most, bool) or not 1 <= most < np.inf:
            raise SpecError("nonresponse.max_factor must be a number ≥ 1", (ROOT, "max_factor"))
        return cls(classes, least, float(most))

    def to_json(self) -> dict[str, object]:
        """The object :meth:`from_json` reads, every default filled in (as rounds store it)."""
        return {
            "classes": self.classes.value,
            "min_respondents": self.min_respondents,
            "max_factor": self.max_factor,
        }


@dataclass(frozen=True)
class OutcomeSums:
    """Per PSU × outcome: ``count`` units and their ``sd = Σd`` (arrays of equal length)."""

    stratum: ArrayLike
    psu: ArrayLike
    outcome: ArrayLike
    count: ArrayLike
    sd: ArrayLike


@dataclass(frozen=True)
class WeightingClass:
    """One class: its label, eligible/completed counts and factors (``factor = A·B``)."""

    label: str
    eligible: int
    completed: int
    unknown_factor: float
    response_factor: float

    @property
    def factor(self) -> float:
        """``A_c · B_c``: what a completed unit's d is multiplied by."""
        return self.unknown_factor * self.response_factor


@dataclass(frozen=True)
class Adjustment:
    """The factor of every PSU's completed units (0: no weight), classes and warnings."""

    stratum: np.ndarray
    psu: np.ndarray
    factor: np.ndarray
    classes: tuple[WeightingClass, ...]
    warnings: tuple[str, ...]

    def factors(self) -> dict[tuple[object, object], float]:
        """``{(stratum, psu): factor}``."""
        return {
            (python_label(s), python_label(p)): float(f)
            for s, p, f in zip(self.stratum, self.psu, self.factor, strict=True)
        }


@dataclass(frozen=True)
class _PsuSums:
    """Per PSU: ``Σd`` of all, known, eligible, completed units and completed count."""

    stratum: np.ndarray
    psu: np.ndarray
    stratum_code: np.ndarray
    all: np.ndarray
    known: np.ndarray
    eligible: np.ndarray
    completed: np.ndarray
    n_eligible: np.ndarray
    n_completed: np.ndarray


def adjust(spec: NonresponseSpec, sums: OutcomeSums) -> Adjustment:
    """The two-step factors per PSU for ``spec`` (module docstring)."""
    psus = _psu_sums(sums)
    warnings: list[str] = []
    cls = _classes(spec, psus, warnings)
    classes, factor = _class_factors(spec, psus, cls, _class_labels(spec, psus, cls), warnings)
    return Adjustment(psus.stratum, psus.psu, factor[cls], classes, tuple(warnings))


def _class_factors(
    spec: NonresponseSpec,
    psus: _PsuSums,
    cls: np.ndarray,
    labels: list[str],
    warnings: list[str],
) -> tuple[tuple[WeightingClass, ...], np.ndarray]:
    """``A_c``, ``B_c`` per class; factor 0 where nothing was visited or completed."""
    columns = (
        psus.all,
        psus.known,
        psus.eligible,
        psus.completed,
        psus.n_eligible,
        psus.n_completed,
    )
    per_class = [np.bincount(cls, weights=v) for v in columns]
    psus_in_class = np.bincount(cls)
    classes, factor = [], np.zeros(per_class[0].shape[0])
    for c, (all_d, known, eligible, completed, n_eligible, n_completed) in enumerate(
        zip(*per_class, strict=True)
    ):
        if psus_in_class[c] == 0:  # a class code no PSU uses
            continue
        if known == 0:
            warnings.append(f"{labels[c]} has no visited unit: it forms no class")
            continue
        if n_completed == 0:
            warnings.append(f"{labels[c]} has no completed unit: it carries no weight")
            continue
        item = WeightingClass(
            labels[c], round(n_eligible), round(n_completed), all_d / known, eligible / completed
        )
        if item.response_factor > spec.max_factor:
            warnings.append(
                f"{labels[c]} has a non-response factor {item.response_factor:.3g} "
                f"above max_factor {spec.max_factor:g}"
            )
        classes.append(item)
        factor[c] = item.factor
    return tuple(classes), factor


def _classes(spec: NonresponseSpec, psus: _PsuSums, warnings: list[str]) -> np.ndarray:
    """Each PSU's class code: itself, its stratum, or 0 (``none``)."""
    n = psus.psu.shape[0]
    match spec.classes:
        case ClassKind.NONE:
            return np.zeros(n, dtype=np.int64)
        case ClassKind.STRATUM:
            return psus.stratum_code
        case ClassKind.PSU:
            collapse = _collapsed_strata(spec, psus)
            for s in np.unique(psus.stratum[collapse[psus.stratum_code]]):
                warnings.append(f"stratum {s}: PSU classes collapsed to the stratum")
            n_strata = collapse.shape[0]
            own = n_strata + np.arange(n)
            return np.where(collapse[psus.stratum_code], psus.stratum_code, own)


def _collapsed_strata(spec: NonresponseSpec, psus: _PsuSums) -> np.ndarray:
    """Strata where a visited PSU has < min_respondents completed or ``B > max_factor``."""
    visited = psus.known > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        response = psus.eligible / psus.completed
    bad = visited & ((psus.n_completed < spec.min_respondents) | (response > spec.max_factor))
    n_strata = int(psus.stratum_code.max()) + 1
    return np.bincount(psus.stratum_code, weights=bad, minlength=n_strata) > 0


def _class_labels(spec: NonresponseSpec, psus: _PsuSums, cls: np.ndarray) -> list[str]:
    """Readable labels: ``all``, ``stratum S`` or ``PSU P (stratum S)``."""
    labels = [""] * (int(cls.max()) + 1)
    n_strata = int(psus.stratum_code.max()) + 1
    for c, s, p in zip(cls, psus.stratum, psus.psu, strict=True):
        if spec.classes is ClassKind.NONE:
            labels[c] = "all"
        elif spec.classes is ClassKind.STRATUM or c < n_strata:
            labels[c] = f"stratum {s}"
        else:
            labels[c] = f"PSU {p} (stratum {s})"
    return labels


def _psu_sums(sums: OutcomeSums) -> _PsuSums:
    """Sum the per PSU × outcome rows to per-PSU sums by outcome group."""
    count = np.asarray(sums.count, dtype=np.float64)
    length = count.shape[0]
    if length == 0:
        raise ScoringError("no units to adjust")
    sd = np.asarray(sums.sd, dtype=np.float64)
    if sd.shape != (length,) or np.any(~np.isfinite(sd)) or np.any(sd < 0):
        raise ScoringError("sd must be one finite number ≥ 0 per row")
    outcomes = [_outcome(o) for o in as_label_array(sums.outcome, "outcome", length)]
    strata, psus = (
        as_label_array(v, k, length) for k, v in (("stratum", sums.stratum), ("psu", sums.psu))
    )
    if missing_labels(strata).any() or missing_labels(psus).any():
        raise ScoringError("every unit needs a stratum and a psu")
    stratum_codes, stratum_labels = factorize(strata)
    psu_local, psu_labels = factorize(psus)
    width = np.int64(psu_labels.shape[0])
    keys, psu = compact(stratum_codes * width + psu_local, int(stratum_labels.shape[0] * width))

    def by_psu(mask: list[bool], values: np.ndarray) -> np.ndarray:
        return np.bincount(psu, weights=np.where(mask, values, 0.0), minlength=keys.shape[0])

    known = [o.known_eligibility for o in outcomes]
    eligible = [o.eligible for o in outcomes]
    completed = [o is Outcome.COMPLETED for o in outcomes]
    return _PsuSums(
        stratum=stratum_labels[keys // width],
        psu=psu_labels[keys % width],
        stratum_code=keys // width,
        all=by_psu([True] * length, sd),
        known=by_psu(known, sd),
        eligible=by_psu(eligible, sd),
        completed=by_psu(completed, sd),
        n_eligible=by_psu(eligible, count),
        n_completed=by_psu(completed, count),
    )


def _outcome(value: object) -> Outcome:
    try:
        return Outcome(str(value))
    except ValueError:
        names = ", ".join(o.value for o in Outcome)
        raise ScoringError(f"outcome must be one of {names}, not {python_label(value)!r}") from None


def adjusted_weights(
    spec: NonresponseSpec, stratum: ArrayLike, psu: ArrayLike, outcome: ArrayLike, d: ArrayLike
) -> tuple[np.ndarray, Adjustment]:
    """Row path: ``w_nr`` per unit (0 unless completed and its class has weight)."""
    d = np.asarray(d, dtype=np.float64)
    adjustment = adjust(spec, OutcomeSums(stratum, psu, outcome, np.ones(d.shape[0]), d))
    factors = adjustment.factors()
    completed = np.asarray(outcome, dtype=object) == Outcome.COMPLETED.value
    factor = np.array(
        [factors[(python_label(s), python_label(p))] for s, p in zip(stratum, psu, strict=True)]
    )
    return np.where(completed, d * factor, 0.0), adjustment
