"""Reading a CSV file's columns (scoring/csv_input.py): labels coded as ``np.unique`` codes them,
numbers as floats with NaN where missing, whichever way the reader takes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from scoring.csv_input import _hashed_labels, _short_labels, read_columns
from scoring.errors import ScoringError

RNG = np.random.default_rng(11)


@pytest.mark.parametrize(
    "labels",
    [
        np.char.add("p", RNG.integers(0, 300, 5000).astype(str)),  # PSU labels
        np.array(["b", "ab", "abc", "ab", "b ", "~", "A"]),  # lengths and padding
        np.array(["Lào Cai", "Bắc", "Sa Pa", "Bắc", "Lào"]),  # UTF-8 of ≤ 8 bytes
        np.array(["12345678", "1234567", "12345679"]),  # exactly 8 bytes
    ],
    ids=["psu", "padded", "utf-8", "eight-bytes"],
)
def test_short_labels_are_coded_as_numpy_unique_and_as_the_hashing_path(
    labels: np.ndarray,
) -> None:
    array = pa.array(labels.tolist(), pa.string())
    packed = _short_labels(array)
    assert packed is not None
    codes, levels = packed
    expected_levels, expected_codes = np.unique(labels, return_inverse=True)
    assert levels.tolist() == expected_levels.tolist()
    assert codes.tolist() == expected_codes.tolist()
    hashed_codes, hashed_levels = _hashed_labels(array)
    assert hashed_levels.dtype == levels.dtype and hashed_levels.tolist() == levels.tolist()
    assert hashed_codes.tolist() == codes.tolist()


def test_a_slice_of_a_label_column_is_coded_from_its_own_offset() -> None:
    packed = _short_labels(pa.array(["z", "b", "a", "b"], pa.string()).slice(1))
    assert packed is not None
    codes, levels = packed
    assert levels.tolist() == ["a", "b"] and codes.tolist() == [1, 0, 1]


def test_labels_of_more_than_8_bytes_are_coded_by_hashing() -> None:
    labels = ["Mường Khương", "Bắc Hà", "Mường Khương"]  # 14 and 9 bytes
    array = pa.array(labels, pa.string())
    assert _short_labels(array) is None
    codes, levels = _hashed_labels(array)
    assert levels.tolist() == ["Bắc Hà", "Mường Khương"] and codes.tolist() == [1, 0, 1]


def test_a_label_with_a_nul_byte_is_left_to_the_hashing_path() -> None:
    assert _short_labels(pa.array(["a\0", "a"], pa.string())) is None


def test_a_csv_file_s_labels_and_numbers_are_read_with_missing_numbers_as_nan(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("d,y,w\nLào Cai,1,2\nSa Pa,NA,3\nBắc Hà,,4\nSa Pa,0.5,5\n", encoding="utf-8")
    columns = read_columns(str(path), ["y", "w"], ["d"])
    factor = columns.label("d")
    assert factor.labels().tolist() == ["Lào Cai", "Sa Pa", "Bắc Hà", "Sa Pa"]
    assert factor.levels.tolist() == sorted({"Lào Cai", "Sa Pa", "Bắc Hà"})
    assert np.array_equal(columns.number("y"), [1.0, np.nan, np.nan, 0.5], equal_nan=True)
    assert columns.number("w").tolist() == [2.0, 3.0, 4.0, 5.0]


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("1\nNaN\nNA\n", "column 'y' line 3: 'nan' is not a finite number"),
        ("NA\n1\n-inf\n", "column 'y' line 4: '-inf' is not a finite number"),
    ],
    ids=["literal-nan-beside-a-missing-cell", "infinity"],
)
def test_a_number_that_is_not_finite_is_refused_naming_its_line(
    tmp_path: Path, cells: str, message: str
) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("y\n" + cells)
    with pytest.raises(ScoringError, match=message):
        read_columns(str(path), ["y"], [])


@pytest.mark.parametrize(
    ("cell", "what"), [("", "empty value"), ("NA", "missing value (NA)")], ids=["empty", "na"]
)
def test_a_missing_label_is_refused_naming_its_line(tmp_path: Path, cell: str, what: str) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(f"d,y\nb,1\na,1\n{cell},1\na,1\n{cell},1\n")
    with pytest.raises(ScoringError, match=re.escape(f"column 'd' line 4: {what}")):
        read_columns(str(path), ["y"], ["d"])
