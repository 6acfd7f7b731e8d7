"""Label factorisation: every fast path gives exactly ``np.unique``'s codes and levels."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.codes import factorize

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
