"""``python -m scoring estimate DATA.csv ...``: estimates from a CSV file (docs/design.md §6).

The one module of ``scoring`` that does I/O. Bad input prints one line ``error: ...`` on
stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from typing import NoReturn

import numpy as np

from scoring.design import Design
from scoring.errors import ScoringError
from scoring.estimands import Estimand
from scoring.estimation import estimate
from scoring.intervals import CiMethod
from scoring.lonely_psu import LonelyPsu
from scoring.results import RESULT_FIELDS, Result
from scoring.weights import CalibrationSpec, estimate_calibrated_rows

EXIT_BAD_INPUT = 2
CSV_FIELDS = RESULT_FIELDS


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"error: {message}\n")
        raise SystemExit(EXIT_BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    """The ``scoring`` command line."""
    parser = _Parser(prog="python -m scoring", description="Design-based survey estimates.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    est = commands.add_parser("estimate", help="estimate from a CSV file (one row per unit)")
    est.add_argument("data", help="CSV file with a header row")
    est.add_argument("--weight", required=True, help="sampling weight column (> 0)")
    est.add_argument("--strata", help="stratum column")
    est.add_argument("--psu", help="PSU column (labels nested in strata)")
    est.add_argument("--fpc", help="fpc column: population PSU count N_h or fraction ≤ 1")
    what = est.add_mutually_exclusive_group(required=True)
    what.add_argument("--mean", metavar="V")
    what.add_argument("--proportion", metavar="V", help="a 0/1 column")
    what.add_argument("--total", metavar="V")
    what.add_argument("--ratio", metavar="NUM/DEN")
    what.add_argument("--member-proportion", metavar="COUNT/SIZE")
    est.add_argument("--by", metavar="COL", help="domain column")
    est.add_argument("--ci", default="logit", choices=[m.value for m in CiMethod])
    est.add_argument("--level", type=float, default=0.95)
    est.add_argument("--lonely-psu", default="adjust", choices=[p.value for p in LonelyPsu])
    est.add_argument("--format", default="json", choices=["json", "csv"])
    est.add_argument(
        "--calibration",
        metavar="CALIBRATION.json",
        help="calibrate the weights to these margins (docs/design.md §9; variables are columns)",
    )
    # Imported here: change_cli reads its files with this module's column readers.
    from scoring.change_cli import add_change_command

    add_change_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    from scoring.change_cli import format_changes, run_change

    args = build_parser().parse_args(argv)
    try:
        if args.command == "change":
            output = format_changes(run_change(args), args.by, args.format)
        else:
            output = format_results(run_estimate(args, read_table(args.data)), args.by, args.format)
    except (ScoringError, OSError, UnicodeDecodeError) as err:
        sys.stderr.write(f"error: {_one_line(err)}\n")
        return EXIT_BAD_INPUT
    sys.stdout.write(output)
    return 0


def read_table(path: str) -> dict[str, list[str]]:
    """The CSV file as columns of strings (header row required)."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header:
            raise ScoringError(f"{path} is empty (a header row is required)")
        rows = list(reader)
    if not rows:
        raise ScoringError(f"{path} has no data rows")
    width = len(header)
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ScoringError(f"line {i + 2}: {len(row)} fields, the header has {width}")
    return {name: [row[j] for row in rows] for j, name in enumerate(header)}


def run_estimate(args: argparse.Namespace, table: dict[str, list[str]]) -> list[Result]:
    """Build the design and estimand from the columns named in ``args`` and estimate."""
    design = Design(
        weights=_numbers(table, args.weight),
        strata=None if args.strata is None else _labels(table, args.strata),
        psu=None if args.psu is None else _labels(table, args.psu),
        fpc=None if args.fpc is None else _numbers(table, args.fpc),
        lonely_psu=args.lonely_psu,
    )
    domain = None if args.by is None else _labels(table, args.by)
    estimand = _estimand(args, table)
    if args.calibration is None:
        return estimate(design, estimand, domain=domain, ci=args.ci, level=args.level)
    spec = read_calibration(args.calibration)
    variables = {name: _labels(table, name) for name in spec.variables}
    return estimate_calibrated_rows(
        design, estimand, spec, variables, domain=domain, ci=args.ci, level=args.level
    )


def read_calibration(path: str) -> CalibrationSpec:
    """The ``calibration`` object of docs/design.md §9 from a JSON file."""
    with open(path, encoding="utf-8") as f:
        try:
            obj = json.load(f)
        except json.JSONDecodeError as err:
            raise ScoringError(f"{path} is not valid JSON: {err}") from None
    return CalibrationSpec.from_json(obj)


def format_results(results: list[Result], by: str | None, fmt: str) -> str:
    """JSON ``{"results": [...]}`` with ``domain`` null or ``{COL: value}``, or CSV rows."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_FIELDS)
        for r in results:
            row = r.as_dict()
            row["reliability_reasons"] = ";".join(r.reliability_reasons)
            writer.writerow(["" if row[k] is None else row[k] for k in CSV_FIELDS])
        return out.getvalue()
    items = []
    for r in results:
        item = r.as_dict()
        item["domain"] = None if by is None else {by: r.domain}
        items.append(item)
    return json.dumps({"results": items}, allow_nan=False, indent=1) + "\n"


def _estimand(args: argparse.Namespace, table: dict[str, list[str]]) -> Estimand:
    if args.mean is not None:
        return Estimand.mean(_numbers(table, args.mean, missing_ok=True))
    if args.total is not None:
        return Estimand.total(_numbers(table, args.total, missing_ok=True))
    if args.proportion is not None:
        return Estimand.proportion(_numbers(table, args.proportion, missing_ok=True))
    if args.ratio is not None:
        num, den = _pair(args.ratio, "--ratio NUM/DEN")
        return Estimand.ratio(
            _numbers(table, num, missing_ok=True), _numbers(table, den, missing_ok=True)
        )
    count, size = _pair(args.member_proportion, "--member-proportion COUNT/SIZE")
    return Estimand.member_proportion(_numbers(table, count), _numbers(table, size))


def _pair(text: str, usage: str) -> tuple[str, str]:
    parts = text.split("/")
    if len(parts) != 2 or not all(parts):
        raise ScoringError(f"expected {usage}, got {text!r}")
    return parts[0], parts[1]


def _column(table: dict[str, list[str]], name: str) -> list[str]:
    if name not in table:
        raise ScoringError(f"no column {name!r} in the data (columns: {', '.join(table)})")
    return table[name]


def _labels(table: dict[str, list[str]], name: str) -> np.ndarray:
    values = _column(table, name)
    for i, v in enumerate(values):
        if v == "":
            raise ScoringError(f"column {name!r} line {i + 2}: empty value")
    return np.array(values)


def _numbers(table: dict[str, list[str]], name: str, missing_ok: bool = False) -> np.ndarray:
    """The column as floats; an empty cell is missing (NaN) where ``missing_ok``."""
    values = _column(table, name)
    out = np.empty(len(values))
    for i, v in enumerate(values):
        if v == "" and missing_ok:
            out[i] = np.nan
            continue
        try:
            out[i] = float(v)
        except ValueError:
            raise ScoringError(f"column {name!r} line {i + 2}: {v!r} is not a number") from None
        if not np.isfinite(out[i]):
            raise ScoringError(f"column {name!r} line {i + 2}: {v!r} is not a finite number")
    return out


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())
