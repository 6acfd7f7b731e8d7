"""Read the columns a command needs from a CSV file, whole columns at a time.

pyarrow's multi-threaded C++ CSV reader parses only the named columns straight into float64
or UTF-8 arrays (docs/benchmarks.md: a per-cell Python loop took seconds on 1M rows). The
cells R's ``write.csv`` and ``read.csv`` treat as missing, ``""`` and ``NA``, are missing
numbers; a label column must have no missing value. Any bad cell is reported on one line
with its column and line number: the fast reader only says *that* a cell is bad, so the
file is then scanned row by row with :mod:`csv` to say *where* (the error path only).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from pyarrow import csv as pacsv

from scoring.arrays import BoolArray, FloatArray, IntArray, LabelArray
from scoring.codes import Factor, sorted_distinct
from scoring.errors import ScoringError

MISSING = ("", "NA")
"""Cells read as a missing value (R ``read.csv`` and ``write.csv`` defaults)."""


@dataclass(frozen=True)
class Columns:
    """Numeric columns (NaN where missing) and label columns (coded) of one CSV file."""

    path: str
    numbers: dict[str, FloatArray]
    labels: dict[str, Factor]

    def number(self, name: str, required: bool = False) -> FloatArray:
        """A numeric column; ``required``: a missing cell is an error naming its line."""
        values = self.numbers[name]
        if required:
            missing = np.isnan(values)
            if missing.any():
                line = int(np.flatnonzero(missing)[0]) + 2
                raise ScoringError(f"column {name!r} line {line}: missing value")
        return values

    def label(self, name: str) -> Factor:
        """A label column, coded in sorted label order."""
        return self.labels[name]


def read_columns(path: str, numbers: Iterable[str], labels: Iterable[str]) -> Columns:
    """Read the ``numbers`` and ``labels`` columns of ``path`` (a header row is required)."""
    numbers, labels = list(dict.fromkeys(numbers)), list(dict.fromkeys(labels))
    both = set(numbers) & set(labels)
    if both:
        raise ScoringError(f"column {sorted(both)[0]!r} cannot be both a number and a label")
    header = read_header(path)
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise ScoringError(f"column {repeated[0]!r} appears more than once in the header of {path}")
    for name in (*numbers, *labels):
        if name not in header:
            raise ScoringError(f"no column {name!r} in the data (columns: {', '.join(header)})")
    table = _read_table(path, header, numbers, labels)
    if table.num_rows == 0:
        raise ScoringError(f"{path} has no data rows")
    return Columns(
        path=path,
        numbers={name: _finite(name, table.column(name)) for name in numbers},
        labels={name: _factor(name, table.column(name)) for name in labels},
    )


def read_header(path: str) -> list[str]:
    """The column names of ``path``'s header row."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        header = next(csv.reader(f), None)
    if not header:
        raise ScoringError(f"{path} is empty (a header row is required)")
    return header


def _read_table(path: str, header: list[str], numbers: list[str], labels: list[str]) -> pa.Table:
    """The named columns, parsed in C++; any bad row or cell is then located in Python."""
    bad_rows = []

    def on_bad_row(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row)
        return "skip"

    types = {name: pa.string() for name in labels} | {name: pa.float64() for name in numbers}
    try:
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_bad_row),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(types),
                column_types=types,
                null_values=list(MISSING),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as err:
        _locate_bad_cell(path, header, numbers)
        raise ScoringError(f"{path}: {err}") from None
    if bad_rows:
        _locate_bad_cell(path, header, numbers)
    return table


def _locate_bad_cell(path: str, header: list[str], numbers: list[str]) -> None:
    """Raise the one-line error for the first row of the wrong width or cell not a number."""
    positions = [(name, header.index(name)) for name in numbers]
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        next(reader)
        for line, row in enumerate(reader, start=2):
            if len(row) != len(header):
                raise ScoringError(f"line {line}: {len(row)} fields, the header has {len(header)}")
            for name, j in positions:
                if row[j] not in MISSING and not _is_number(row[j]):
                    raise ScoringError(f"column {name!r} line {line}: {row[j]!r} is not a number")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _finite(name: str, column: pa.ChunkedArray) -> FloatArray:
    """The column as float64, NaN where missing; infinities and a literal NaN are refused."""
    values, missing = _float_values(column)
    bad, nan = np.isinf(values), np.isnan(values)
    if np.count_nonzero(nan) > column.null_count:
        bad |= nan if missing is None else nan & ~missing
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        text = str(float(values[i]))
        raise ScoringError(f"column {name!r} line {i + 2}: {text!r} is not a finite number")
    return values


def _float_values(column: pa.ChunkedArray) -> tuple[FloatArray, BoolArray | None]:
    """The values (NaN where missing) and the missing mask (``None``: none missing), read
    from the Arrow buffers: ``to_numpy`` of a column with nulls imports pandas (≈ 0.3 s)."""
    array = column.combine_chunks()
    validity, data = array.buffers()
    start, length = array.offset, len(array)
    values: FloatArray = np.frombuffer(data, dtype=np.float64, count=length, offset=start * 8)
    if array.null_count == 0:
        return values, None
    bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
    missing: BoolArray = bits[start : start + length] == 0
    return np.where(missing, np.nan, values), missing


def _factor(name: str, column: pa.ChunkedArray) -> Factor:
    """Codes into the sorted distinct labels; an empty or ``NA`` label is refused."""
    array = column.combine_chunks()
    codes, levels = _short_labels(array) or _hashed_labels(array)
    missing = np.flatnonzero(np.isin(levels, MISSING))
    if missing.size:
        i = int(np.flatnonzero(np.isin(codes, missing))[0])
        what = "empty value" if levels[codes[i]] == "" else "missing value (NA)"
        raise ScoringError(f"column {name!r} line {i + 2}: {what}")
    return Factor(codes, levels)


PACKED_BYTES = 8
_LEADING_BYTES = np.array(
    [((1 << (8 * n)) - 1) << (8 * (PACKED_BYTES - n)) for n in range(PACKED_BYTES + 1)],
    dtype=np.uint64,
)
"""``_LEADING_BYTES[n]`` keeps the first ``n`` bytes of a big-endian ``uint64``."""


def _short_labels(array: pa.StringArray) -> tuple[IntArray, LabelArray] | None:
    """Labels of ≤ 8 UTF-8 bytes coded from Arrow's buffers, without a string per row.

    Each label's bytes, read as one big-endian ``uint64`` and zero-padded, make a key whose
    order is the labels' code-point order (UTF-8 keeps it), so :func:`sorted_distinct` gives
    the codes. ``None`` for a longer label or a NUL byte (whose key would not be unique).
    """
    _, offset_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(
        offset_buffer, dtype=np.int32, count=len(array) + 1, offset=array.offset * 4
    )
    lengths = np.diff(offsets)
    if lengths.max() > PACKED_BYTES:
        return None
    data = np.zeros(0, np.uint8) if data_buffer is None else np.frombuffer(data_buffer, np.uint8)
    if not data[offsets[0] : offsets[-1]].all():
        return None
    padded = np.zeros(data.shape[0] + PACKED_BYTES, dtype=np.uint8)
    padded[: data.shape[0]] = data
    windows = np.ndarray((data.shape[0] + 1,), dtype=">u8", buffer=padded, strides=(1,))
    keys = windows[offsets[:-1]].astype(np.uint64) & _LEADING_BYTES[lengths]
    distinct, codes = sorted_distinct(keys)
    labels = [int(k).to_bytes(PACKED_BYTES, "big").rstrip(b"\0").decode() for k in distinct]
    return codes, np.array(labels, dtype=str)


def _hashed_labels(array: pa.StringArray) -> tuple[IntArray, LabelArray]:
    """Any labels, coded by Arrow's hashing ``dictionary_encode`` and ranked in sorted order."""
    encoded = array.dictionary_encode()
    labels = np.array(encoded.dictionary.to_pylist(), dtype=str)
    order = np.argsort(labels, kind="stable")
    rank = np.empty(order.shape[0], dtype=np.int64)
    rank[order] = np.arange(order.shape[0])
    indices = encoded.indices
    width = indices.type.bit_width // 8
    codes = np.frombuffer(
        indices.buffers()[1], dtype=f"<i{width}", count=len(indices), offset=indices.offset * width
    )
    return rank[codes], labels[order]
