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

from scoring.arrays import BoolArray, FloatArray, IntArray
from scoring.codes import Factor
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
    """Codes into the sorted distinct labels (one hashing pass); empty or ``NA`` is refused.

    The chunks are encoded together, so they share one dictionary (the last chunk's).
    """
    encoded = column.dictionary_encode()
    labels = np.array(encoded.chunks[-1].dictionary.to_pylist(), dtype=str)
    indices = np.concatenate([_indices(chunk) for chunk in encoded.chunks])
    empty = np.flatnonzero(np.isin(labels, MISSING))
    if empty.size:
        i = int(np.flatnonzero(np.isin(indices, empty))[0])
        what = "empty value" if labels[indices[i]] == "" else "missing value (NA)"
        raise ScoringError(f"column {name!r} line {i + 2}: {what}")
    order = np.argsort(labels, kind="stable")
    rank = np.empty(order.shape[0], dtype=np.int64)
    rank[order] = np.arange(order.shape[0])
    return Factor(rank[indices], labels[order])


def _indices(chunk: pa.DictionaryArray) -> IntArray:
    """A dictionary chunk's indices as numpy (from the buffer: no pandas, no copy)."""
    indices = chunk.indices
    width = indices.type.bit_width // 8
    return np.frombuffer(
        indices.buffers()[1],
        dtype=f"<i{width}",
        count=len(indices),
        offset=indices.offset * width,
    )
