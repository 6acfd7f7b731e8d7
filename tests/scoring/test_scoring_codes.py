"""Label factorisation: every fast path gives exactly ``np.unique``'s codes and levels."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.codes import (
    Factor,
    as_label_array,
    compact,
    factorize,
    missing_labels,
    python_label,
    sorted_distinct,
    sorted_unique,
)
from scoring.errors import ScoringError

RNG = np.random.default_rng(7)


@pytest.mark.parametrize(
    "labels",
    [
        RNG.integers(0, 300, 5000).astype(str),  # short ASCII strings, packed
        np.char.add("commune-", RNG.integers(0, 50, 5000).astype(str)),  # long strings, hashed
        np.array(["b", "ab", "", "abc", "ab"], dtype="<U30"),  # padding and the empty label
        RNG.integers(-5, 10_000, 5000),  # integers, sampled then completed
        np.array(["Lào Cai", "Bắc Hà", "Lào Cai"]),  # non-ASCII strings
        np.array([["s1", "p1"], ["s0", "p2"]])[:, 0],  # a non-contiguous column
    ],
    ids=["short-ascii", "long-strings", "padded", "integers", "unicode", "strided"],
)
def test_factorize_equals_numpy_unique(labels: np.ndarray) -> None:
    codes, levels = factorize(labels)
    expected_levels, expected_codes = np.unique(labels, return_inverse=True)
    assert levels.tolist() == expected_levels.tolist()
    assert codes.tolist() == expected_codes.tolist()


def test_missing_labels_get_code_minus_one() -> None:
    codes, levels = factorize(np.array(["b", None, "a"], dtype=object))
    assert codes.tolist() == [1, -1, 0]
    assert levels.tolist() == ["a", "b"]


@pytest.mark.parametrize(
    "labels",
    [
        np.array([2.5, np.nan, 1.0, 2.5]),  # float labels: NaN is missing
        np.array(["x", None, float("nan"), "a"], dtype=object),  # both missing markers
        np.array([7, 3, 7, 100_000]),  # integers: nothing is missing
    ],
    ids=["floats", "objects", "integers"],
)
def test_missing_labels_are_none_or_nan_and_coded_minus_one(labels: np.ndarray) -> None:
    present = [v for v in labels.tolist() if v is not None and v == v]
    codes, levels = factorize(labels)
    assert levels.tolist() == sorted(set(present))
    assert [levels[c] if c >= 0 else None for c in codes] == [
        v if v is not None and v == v else None for v in labels.tolist()
    ]
    assert missing_labels(labels).tolist() == [v is None or v != v for v in labels.tolist()]


def test_a_factor_is_taken_as_coded() -> None:
    factor = Factor(codes=np.array([1, -1, 0, 1]), levels=np.array(["080", "082"]))
    assert factor.shape == (4,)
    assert factor.labels().tolist() == ["082", "082", "080", "082"]  # −1 reads the last level
    assert missing_labels(factor).tolist() == [False, True, False, False]
    codes, levels = factorize(factor)
    assert codes.tolist() == [1, -1, 0, 1]
    assert codes.dtype == np.int64
    assert levels is factor.levels
    assert as_label_array(factor, "domain", 4) is factor


@pytest.mark.parametrize("labels", [[["a"], ["b"]], ["a", "b", "c"]])
def test_labels_must_be_one_per_row(labels: list[object]) -> None:
    with pytest.raises(ScoringError) as refused:
        as_label_array(labels, "district", 2)
    shape = np.asarray(labels).shape
    assert str(refused.value) == f"district must have one entry per row (2), got shape {shape}"


def test_labels_that_are_all_empty_strings_are_one_level() -> None:
    codes, levels = factorize(np.array(["", "", ""]))
    assert codes.tolist() == [0, 0, 0]
    assert levels.tolist() == [""]


def test_no_labels_give_no_levels() -> None:
    codes, levels = factorize(np.array([], dtype="<U3"))
    assert codes.tolist() == [] and levels.tolist() == []


def test_eight_character_labels_are_packed_and_nine_are_hashed() -> None:
    eight = np.array(["commune8", "commune1", "commune8"])
    nine = np.array(["commune10", "commune01", "commune10"])
    for labels in (eight, nine):
        codes, levels = factorize(labels)
        assert levels.tolist() == sorted(set(labels.tolist()))
        assert codes.tolist() == [1, 0, 1]


def test_latin_1_labels_are_packed_in_code_point_order() -> None:
    labels = np.array(["Lào", "Lao", "Làng", "ÿ", "La"])
    codes, levels = factorize(labels)
    assert levels.tolist() == sorted(labels.tolist())
    assert [levels[c] for c in codes] == labels.tolist()


def test_many_distinct_integers_are_found_by_binary_search() -> None:
    keys = RNG.permutation(np.arange(70_000) * 3)
    distinct, index = sorted_distinct(keys)
    assert distinct.tolist() == sorted(keys.tolist())
    assert (distinct[index] == keys).all()


def test_keys_missing_from_the_sample_are_added() -> None:
    keys = np.repeat(np.arange(5000), 2)  # every 4096th key samples only 0 and 2048
    distinct, index = sorted_distinct(keys)
    assert distinct.tolist() == list(range(5000))
    assert index.tolist() == keys.tolist()
    assert index.dtype == np.int64


@pytest.mark.parametrize("size", [10, 10**9])  # a presence count, then a sort
def test_compact_numbers_the_distinct_keys_in_order(size: int) -> None:
    keys = np.array([7, 3, 7, 9, 3])
    distinct, index = compact(keys, size)
    assert distinct.tolist() == [3, 7, 9]
    assert index.tolist() == [1, 0, 1, 2, 0]


def test_python_label_unwraps_numpy_scalars_only() -> None:
    assert type(python_label(np.str_("080"))) is str
    assert type(python_label(np.int64(4))) is int
    marker = object()
    assert python_label(marker) is marker


def test_long_string_columns_of_empty_labels_are_one_empty_level() -> None:
    codes, levels = factorize(np.array(["", "", ""], dtype="<U30"))
    assert codes.tolist() == [0, 0, 0]
    assert levels.tolist() == [""]


def test_float_labels_in_an_object_column_are_present() -> None:
    labels = np.array([2.5, None, 1.0, 2.5], dtype=object)
    assert missing_labels(labels).tolist() == [False, True, False, False]
    codes, levels = factorize(labels)
    assert (codes.tolist(), levels.tolist()) == ([1, -1, 0, 1], [1.0, 2.5])


def test_object_labels_keep_object_levels_and_string_labels_their_dtype() -> None:
    assert factorize(np.array(["b", None, "a"], dtype=object))[1].dtype == object
    assert factorize(np.array(["district-b", "district-a"]))[1].dtype == np.dtype("<U10")


def test_a_label_beyond_latin_1_is_not_packed_into_a_byte() -> None:
    labels = np.array(["Ā", "", "Ā"])  # U+0100 would wrap to 0, the empty label's key
    codes, levels = factorize(labels)
    assert levels.tolist() == ["", "Ā"]
    assert codes.tolist() == [1, 0, 1]


@pytest.mark.parametrize(
    "values",
    [
        RNG.integers(-50, 50, 1000),
        np.array([], dtype=np.int64),
        np.array([7], dtype=np.int64),
        np.array([3, 3, 3], dtype=np.uint64),
    ],
    ids=["many", "none", "one", "repeated"],
)
def test_sorted_unique_equals_numpy_unique(values: np.ndarray) -> None:
    distinct = sorted_unique(values)
    assert distinct.dtype == values.dtype
    assert distinct.tolist() == np.unique(values).tolist()
