"""Factor labels into integer codes once, so every later step is a ``bincount``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast, overload

import numpy as np
from numpy.typing import NDArray

from scoring.arrays import BoolArray, IntArray, LabelArray
from scoring.errors import ScoringError

IntegerKeys = NDArray[np.integer[Any]]
"""Integer labels or packed string keys, of any integer width."""

Keys = TypeVar("Keys", bound=IntegerKeys)


@dataclass(frozen=True)
class Factor:
    """Labels already coded, as a columnar reader gives them: ``levels[codes]``.

    ``levels`` are distinct and sorted; a code of −1 is a missing label. Passing a
    ``Factor`` wherever labels are accepted skips the coding step.
    """

    codes: IntArray
    levels: LabelArray

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of the label array it stands for."""
        return self.codes.shape

    def labels(self) -> LabelArray:
        """The label array itself (for code that needs one)."""
        return self.levels[self.codes]


Labels = LabelArray | Factor
LabelsLike = Sequence[object] | Labels
"""Labels in any form the engine takes: a sequence, an array or a :class:`Factor`."""


@overload
def as_label_array(values: Factor, name: str, length: int) -> Factor: ...
@overload
def as_label_array(values: Sequence[object] | LabelArray, name: str, length: int) -> LabelArray: ...
def as_label_array(values: Sequence[object] | Labels, name: str, length: int) -> Labels:
    """``values`` as a 1-d array of ``length`` labels (numbers or strings, ``None`` allowed)."""
    arr = values if isinstance(values, Factor) else np.asarray(values)
    if len(arr.shape) != 1 or arr.shape[0] != length:
        raise ScoringError(f"{name} must have one entry per row ({length}), got shape {arr.shape}")
    return arr


def missing_labels(arr: Labels) -> BoolArray:
    """Mask of missing labels: ``None`` in object arrays, NaN in float arrays."""
    if isinstance(arr, Factor):
        return arr.codes < 0
    if arr.dtype == object:
        is_missing = np.frompyfunc(lambda v: v is None or (isinstance(v, float) and v != v), 1, 1)
        return np.asarray(is_missing(arr), dtype=np.bool_)
    if arr.dtype.kind == "f":
        return np.isnan(arr)
    return np.zeros(arr.shape, dtype=bool)


def factorize(arr: Labels) -> tuple[IntArray, LabelArray]:
    """Integer codes ``0..L-1`` in sorted label order, and the sorted labels; missing → -1.

    Short ASCII strings and integers go through :func:`sorted_distinct` (no full sort when
    there are few distinct labels); other labels are hashed or, failing that, sorted.
    """
    if isinstance(arr, Factor):
        return arr.codes.astype(np.int64, copy=False), arr.levels
    missing = missing_labels(arr)
    codes = np.full(arr.shape[0], -1, dtype=np.int64)
    present = arr[~missing] if missing.any() else arr
    keys = _short_ascii_keys(present)
    if keys is not None:
        distinct, inverse = sorted_distinct(keys.values)
        levels = _decode_ascii(distinct, keys.width)
    elif present.dtype.kind in "iu":
        levels, inverse = sorted_distinct(present)
    elif present.dtype.kind in "OUS":
        levels, inverse = _factorize_hashable(present)
    else:
        levels, inverse = np.unique(present, return_inverse=True)
    codes[~missing] = inverse
    return codes, levels


def sorted_distinct(keys: IntegerKeys) -> tuple[IntegerKeys, IntArray]:
    """``np.unique(keys, return_inverse=True)``, found from a sample and a table look-up.

    The distinct values of every 4096th key are completed with any key the look-up does not
    find, so the answer is exact; with few distinct labels no full sort is needed.
    """
    distinct = sorted_unique(keys[:: max(1, keys.shape[0] // 4096)])
    index = _index_in(distinct, keys)
    found = distinct[index] == keys
    if not found.all():
        distinct = np.union1d(distinct, keys[~found])
        index = np.searchsorted(distinct, keys)
    return distinct, index.astype(np.int64, copy=False)


def sorted_unique(values: Keys) -> Keys:
    """``np.unique(values)`` of integers, by sorting: without the masked-array check of
    ``np.unique``, whose ``import numpy.ma`` is ≈ 25 ms of the CLI's start-up."""
    ordered = values.copy()
    ordered.sort()
    new = np.empty(ordered.shape[0], dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    return cast(Keys, ordered[new])


def _index_in(distinct: IntegerKeys, keys: IntegerKeys) -> IntArray:
    """Where each key would sit in ``distinct``: a table indexed by ``key % size`` when some
    small ``size`` gives every distinct key its own slot (one pass), else a binary search."""
    m = distinct.shape[0]
    if keys.dtype.kind in "iu" and m < 65536:
        for size in range(4 * m + 1, 12 * m + 64, 2 * m + 1):
            slots = distinct % size
            if sorted_unique(slots).shape[0] == m:
                table = np.zeros(size, dtype=np.int64)
                table[slots] = np.arange(m)
                return table[keys % size]
    return np.searchsorted(distinct, keys).clip(max=m - 1)


MAX_PACKED_CHARS = 8


@dataclass(frozen=True)
class PackedKeys:
    """Labels packed into ``uint64`` keys, and the characters each key holds."""

    values: NDArray[np.uint64]
    width: int


def _short_ascii_keys(arr: LabelArray) -> PackedKeys | None:
    """Strings of ≤ 8 characters below U+0100 packed a byte a character into one ``uint64``.

    Big-endian packing keeps code-point order (shorter strings are NUL-padded), so sorting
    the keys sorts the labels; ``None`` for other arrays. The width is read from the dtype
    when it is short enough, which saves a pass over the strings.
    """
    if arr.dtype.kind != "U" or arr.shape[0] == 0:
        return None
    width = arr.dtype.itemsize // 4
    if width > MAX_PACKED_CHARS:
        width = int(np.strings.str_len(arr).max())
        if width > MAX_PACKED_CHARS:
            return None
    points = np.ascontiguousarray(arr).view(np.uint32).reshape(arr.shape[0], -1)[:, :width]
    if width and points.max() >= 256:
        return None
    octets = np.zeros((arr.shape[0], 8), dtype=np.uint8)
    octets[:, :width] = points
    return PackedKeys(octets.view(">u8").reshape(-1).astype(np.uint64), width)


def _decode_ascii(keys: IntegerKeys, width: int) -> LabelArray:
    """The strings whose packed keys are ``keys`` (inverse of :func:`_short_ascii_keys`)."""
    if width == 0:
        return np.full(keys.shape[0], "", dtype="<U1")
    octets = np.asarray(keys, dtype=np.uint64).astype(">u8").view(np.uint8).reshape(-1, 8)
    points = np.ascontiguousarray(octets[:, :width].astype(np.uint32))
    return points.view(f"<U{width}").reshape(-1)


def _factorize_hashable(arr: LabelArray) -> tuple[LabelArray, IntArray]:
    values = arr.tolist()
    labels = sorted(dict.fromkeys(values))
    index = {label: i for i, label in enumerate(labels)}
    inverse = np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))
    levels = np.empty(len(labels), dtype=arr.dtype if arr.dtype.kind != "O" else object)
    levels[:] = labels
    return levels, inverse


def compact(keys: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """The distinct non-negative integer ``keys`` (sorted) and each key's index among them.

    A presence ``bincount`` when the key space is small, else ``np.unique`` (a sort).
    """
    if size <= 4 * keys.shape[0] + 1024:
        present = np.bincount(keys, minlength=size) > 0
        return np.flatnonzero(present), (np.cumsum(present) - 1)[keys]
    distinct, inverse = np.unique(keys, return_inverse=True)
    return distinct, inverse


def python_label(label: object) -> object:
    """A numpy scalar label as the plain Python value (``np.str_('080')`` → ``'080'``)."""
    return label.item() if isinstance(label, np.generic) else label
