"""The sampling design: weights, strata, PSUs nested in strata, fpc and lonely-PSU policy.

Ultimate-cluster, with-replacement design unless an fpc is given (R ``svydesign(ids=~psu,
strata=~stratum, weights=~w, fpc=~fpc, nest=TRUE)``). Labels are factored into integer
codes once here; every estimate then works on the codes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scoring.arrays import FloatArray, IntArray, LabelArray
from scoring.codes import LabelsLike, as_label_array, compact, factorize, missing_labels
from scoring.errors import ScoringError
from scoring.fpc import PopulationCorrection
from scoring.lonely_psu import LonelyPsu

ArrayLike = Sequence[object] | LabelArray


class Design:
    """A one-stage (ultimate-cluster) stratified design over ``len(weights)`` rows.

    ``strata=None``: one stratum. ``psu=None``: every row is its own PSU. PSU labels are
    nested in strata (the same label in two strata names two PSUs). ``fpc`` is per row as
    in R: the population PSU count ``N_h`` of the row's stratum, or the sampling fraction
    (all values ≤ 1); it must be constant within a stratum. A weight of 0 keeps its row in
    the design, as R's does: its PSU counts in ``n_h`` and the row in ``nrow``, but a PSU
    counts in the df only with a row of positive weight (R ``degf``).
    """

    __slots__ = (
        "fpc",
        "lonely_psu",
        "n_rows",
        "psu_codes",
        "psu_stratum",
        "stratum_codes",
        "stratum_labels",
        "weights",
    )

    def __init__(
        self,
        weights: ArrayLike,
        strata: LabelsLike | None = None,
        psu: LabelsLike | None = None,
        fpc: ArrayLike | None = None,
        lonely_psu: str | LonelyPsu = "adjust",
    ) -> None:
        self.weights = _weights(weights)
        self.n_rows = n = self.weights.shape[0]
        self.lonely_psu = LonelyPsu.parse(lonely_psu)
        self.stratum_codes, self.stratum_labels = _strata(strata, n)
        self.psu_codes, self.psu_stratum = _nested_psus(psu, self.stratum_codes, n)
        check_not_single_psu(self.stratum_labels, self.n_psus)
        self.fpc = None if fpc is None else _stratum_fpc(fpc, self.stratum_codes, n)

    @property
    def n_strata(self) -> int:
        """Number of strata ``H``."""
        return int(self.stratum_labels.shape[0])

    @property
    def n_psus(self) -> int:
        """Number of PSUs in the whole design."""
        return int(self.psu_stratum.shape[0])


def check_not_single_psu(stratum_labels: LabelArray, n_psus: int) -> None:
    """R ``svydesign`` refuses a design of one PSU without strata (no variance estimable)."""
    if n_psus == 1 and stratum_labels.shape[0] == 1 and stratum_labels[0] is None:
        raise ScoringError(
            "the design has only one primary sampling unit and no strata: no variance can be"
            " estimated (R svydesign refuses it too)"
        )


def _weights(weights: ArrayLike) -> FloatArray:
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise ScoringError("weights must be numbers") from None
    if w.ndim != 1 or w.shape[0] == 0:
        raise ScoringError("weights must be a non-empty 1-d array")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ScoringError(f"weight {float(w[i]):g} in row {i + 1}: weights must be finite and ≥ 0")
    return w


def check_weight_column(w: FloatArray, column: str) -> None:
    """Refuse a missing or negative weight naming its column and file line (the header is
    line 1); a weight of 0 is accepted as R ``svydesign`` accepts it (:class:`Design`)."""
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        i = int(bad[0])
        raise ScoringError(
            f"weight {float(w[i]):g} in column {column}, line {i + 2}: weights must be finite"
            " and ≥ 0"
        )


def check_calibration_weights(w: FloatArray, column: str) -> None:
    """Refuse a weight of 0 in a design to be calibrated, naming its column and file line.

    R ``calibrate()`` keeps such a row, then every estimate on the design stops ("NA/NaN/Inf
    in foreign function call"): there is no R answer to equal.
    """
    zero = np.flatnonzero(w == 0)
    if zero.size:
        raise ScoringError(
            f"weight 0 in column {column}, line {int(zero[0]) + 2}: a calibrated design needs"
            " weights > 0 (R survey stops on a weight of 0 after calibrate())"
        )


def _strata(strata: LabelsLike | None, n: int) -> tuple[IntArray, LabelArray]:
    if strata is None:
        return np.zeros(n, dtype=np.int64), np.array([None], dtype=object)
    labels = as_label_array(strata, "strata", n)
    if missing_labels(labels).any():
        raise ScoringError("strata must not have missing values")
    return factorize(labels)


def _nested_psus(
    psu: LabelsLike | None, stratum_codes: IntArray, n: int
) -> tuple[IntArray, IntArray]:
    """Global PSU codes for (stratum, psu) pairs (R ``nest=TRUE``) and each PSU's stratum."""
    if psu is None:
        return np.arange(n, dtype=np.int64), stratum_codes.copy()
    labels = as_label_array(psu, "psu", n)
    if missing_labels(labels).any():
        raise ScoringError("psu must not have missing values")
    local, levels = factorize(labels)
    n_strata = int(stratum_codes.max()) + 1
    pairs, codes = compact(
        stratum_codes * np.int64(levels.shape[0]) + local, n_strata * levels.shape[0]
    )
    return codes.astype(np.int64), pairs // levels.shape[0]


def _stratum_fpc(fpc: ArrayLike, stratum_codes: IntArray, n: int) -> PopulationCorrection:
    try:
        values = np.asarray(fpc, dtype=np.float64)
    except (TypeError, ValueError):
        raise ScoringError("fpc must be numbers") from None
    if values.shape != (n,):
        raise ScoringError(f"fpc must have one entry per row ({n}), got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ScoringError("fpc must be finite numbers")
    per_stratum = np.zeros(int(stratum_codes.max()) + 1)
    per_stratum[stratum_codes] = values
    if np.any(per_stratum[stratum_codes] != values):
        raise ScoringError("fpc must be constant within each stratum")
    return PopulationCorrection.from_values(per_stratum)
