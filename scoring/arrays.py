"""The engine's array types: ``numpy.typing`` aliases named by what the arrays hold."""

from typing import Any, TypeAlias, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray: TypeAlias = NDArray[np.float64]
"""Weights, sums, estimates, variances: one float64 per row, cell, PSU or domain."""

IntArray: TypeAlias = NDArray[np.intp]
"""Integer codes (strata, PSUs, domains, cells; −1 for a missing label) and counts."""

BoolArray: TypeAlias = NDArray[np.bool_]
"""Masks."""

LabelArray: TypeAlias = NDArray[Any]
"""Labels as given: strings, integers, floats or Python objects (``None`` for missing)."""


def weighted_bincount(codes: IntArray, weights: ArrayLike, minlength: int = 0) -> FloatArray:
    """``Σ weights`` per code ``0..`` (``np.bincount`` with weights, always float64).

    numpy's stub types every ``bincount`` as integer counts, the weighted one included.
    """
    return cast(FloatArray, np.bincount(codes, weights=weights, minlength=minlength))
