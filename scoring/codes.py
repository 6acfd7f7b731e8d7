"""Factor labels into integer codes once, so every later step is a ``bincount``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def as_label_array(values: Sequence[object] | np.ndarray, name: str, length: int) -> np.ndarray:
    """``values`` as a 1-d array of ``length`` labels (numbers or strings, ``None`` allowed)."""
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != length:
        from scoring.errors import ScoringError

        raise ScoringError(f"{name} must have one entry per row ({length}), got shape {arr.shape}")
    return arr


def missing_labels(arr: np.ndarray) -> np.ndarray:
    """Mask of missing labels: ``None`` in object arrays, NaN in float arrays."""
    if arr.dtype == object:
        return np.frompyfunc(lambda v: v is None or (isinstance(v, float) and v != v), 1, 1)(
            arr
        ).astype(bool)
    if arr.dtype.kind == "f":
        return np.isnan(arr)
    return np.zeros(arr.shape, dtype=bool)


def factorize(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes ``0..L-1`` in sorted label order, and the sorted labels; missing → -1.

    Numbers are factored by sorting (``np.unique``); strings by hashing, which is several
    times faster than sorting a million strings when there are few distinct labels.
    """
    missing = missing_labels(arr)
    codes = np.full(arr.shape[0], -1, dtype=np.int64)
    present = arr[~missing] if missing.any() else arr
    if present.dtype.kind in "OUS":
        levels, inverse = _factorize_hashable(present)
    else:
        levels, inverse = np.unique(present, return_inverse=True)
    codes[~missing] = inverse
    return codes, levels


def _factorize_hashable(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values = arr.tolist()
    labels = sorted(dict.fromkeys(values))
    index = {label: i for i, label in enumerate(labels)}
    inverse = np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))
    levels = np.empty(len(labels), dtype=arr.dtype if arr.dtype.kind != "O" else object)
    levels[:] = labels
    return levels, inverse


def python_label(label: object) -> object:
    """A numpy scalar label as the plain Python value (``np.str_('080')`` → ``'080'``)."""
    return label.item() if isinstance(label, np.generic) else label
