"""``python -m scoring estimate DATA.csv ...``: estimates from a CSV file (docs/design.md §6).

With ``scoring.csv_input`` the only modules of ``scoring`` that do I/O. Bad input prints one
line ``error: ...`` on stderr and exits with status 2. Each subcommand registers its
arguments and its ``run`` function in :data:`COMMANDS`; options shared by every command
that reads a design from a CSV file are added by :func:`add_design_arguments`.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from scoring.csv_input import Columns, read_columns
from scoring.design import Design
from scoring.errors import ScoringError
from scoring.estimands import Estimand
from scoring.estimation import estimate
from scoring.intervals import CiMethod
from scoring.lonely_psu import LonelyPsu
from scoring.results import RESULT_FIELDS, Result

if TYPE_CHECKING:
    from scoring.weights import CalibrationSpec

EXIT_BAD_INPUT = 2
CSV_FIELDS = RESULT_FIELDS


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"error: {message}\n")
        raise SystemExit(EXIT_BAD_INPUT)


def add_design_arguments(parser: argparse.ArgumentParser) -> None:
    """The CSV file and the design columns (``--weight``, ``--strata``, ``--psu``, ``--fpc``)."""
    parser.add_argument("data", help="CSV file with a header row (NA or empty: missing)")
    parser.add_argument("--weight", required=True, help="sampling weight column (> 0)")
    parser.add_argument("--strata", help="stratum column")
    parser.add_argument("--psu", help="PSU column (labels nested in strata)")
    parser.add_argument("--fpc", help="fpc column: population PSU count N_h or fraction ≤ 1")
    parser.add_argument("--lonely-psu", default="adjust", choices=[p.value for p in LonelyPsu])


def design_columns(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The numeric and the label columns :func:`add_design_arguments` names."""
    numbers = [args.weight] + ([args.fpc] if args.fpc else [])
    labels = [c for c in (args.strata, args.psu) if c]
    return numbers, labels


def design_from(args: argparse.Namespace, columns: Columns) -> Design:
    """The design the arguments of :func:`add_design_arguments` describe."""
    return Design(
        weights=columns.number(args.weight, required=True),
        strata=None if args.strata is None else columns.label(args.strata),
        psu=None if args.psu is None else columns.label(args.psu),
        fpc=None if args.fpc is None else columns.number(args.fpc, required=True),
        lonely_psu=args.lonely_psu,
    )


def add_estimate_arguments(est: argparse.ArgumentParser) -> None:
    """``estimate``: one estimand, optionally by domain."""
    add_design_arguments(est)
    what = est.add_mutually_exclusive_group(required=True)
    what.add_argument("--mean", metavar="V")
    what.add_argument("--proportion", metavar="V", help="a 0/1 column")
    what.add_argument("--total", metavar="V")
    what.add_argument("--ratio", metavar="NUM/DEN")
    what.add_argument("--member-proportion", metavar="COUNT/SIZE")
    est.add_argument("--by", metavar="COL", help="domain column")
    est.add_argument("--ci", default="logit", choices=[m.value for m in CiMethod])
    est.add_argument("--level", type=float, default=0.95)
    est.add_argument("--format", default="json", choices=["json", "csv"])
    est.add_argument(
        "--calibration",
        metavar="CALIBRATION.json",
        help="calibrate the weights to these margins (docs/design.md §9; variables are columns)",
    )


def run_estimate(args: argparse.Namespace) -> str:
    """Read the columns, estimate (calibrated when asked), and format the results."""
    numbers, labels = design_columns(args)
    variables = _variables(args)
    spec = None if args.calibration is None else read_calibration(args.calibration)
    margins = [] if spec is None else list(spec.variables)
    columns = read_columns(
        args.data,
        numbers + [name for name, _ in variables],
        labels + ([args.by] if args.by else []) + margins,
    )
    design = design_from(args, columns)
    domain = None if args.by is None else columns.label(args.by)
    estimand = _estimand(args, variables, columns)
    if spec is None:
        results = estimate(design, estimand, domain=domain, ci=args.ci, level=args.level)
    else:
        from scoring.weights import estimate_calibrated_rows  # imported only to calibrate

        results = estimate_calibrated_rows(
            design,
            estimand,
            spec,
            {name: columns.label(name) for name in margins},
            domain=None if domain is None else domain.labels(),
            ci=args.ci,
            level=args.level,
        )
    return format_results(results, args.by, args.format)


def read_calibration(path: str) -> CalibrationSpec:
    """The ``calibration`` object of docs/design.md §9 from a JSON file."""
    from scoring.weights import CalibrationSpec  # imported only to calibrate

    with open(path, encoding="utf-8") as f:
        try:
            obj = json.load(f)
        except json.JSONDecodeError as err:
            raise ScoringError(f"{path} is not valid JSON: {err}") from None
    return CalibrationSpec.from_json(obj)


Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[..., str]]
COMMANDS: list[Command] = [
    ("estimate", add_estimate_arguments, run_estimate),
]
"""``(name, add_arguments, run)`` per subcommand; ``run(args)`` returns what to print."""


def build_parser() -> argparse.ArgumentParser:
    """The ``scoring`` command line."""
    parser = _Parser(prog="python -m scoring", description="Design-based survey estimates.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    helps = {"estimate": "estimate from a CSV file (one row per unit)"}
    for name, add_arguments, run in COMMANDS:
        sub = commands.add_parser(name, help=helps.get(name))
        add_arguments(sub)
        sub.set_defaults(run=run)
    # Imported here: change_cli reads its files with this module's column readers.
    from scoring.change_cli import add_change_command
    from scoring.small_area_cli import add_small_area_command

    add_change_command(commands)
    add_small_area_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        output = args.run(args)
    except (ScoringError, OSError, UnicodeDecodeError) as err:
        sys.stderr.write(f"error: {_one_line(err)}\n")
        return EXIT_BAD_INPUT
    sys.stdout.write(output)
    return 0


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


def _variables(args: argparse.Namespace) -> list[tuple[str, bool]]:
    """The estimand's columns in order, each with whether a missing value is an error."""
    for option in ("mean", "total", "proportion"):
        if getattr(args, option) is not None:
            return [(getattr(args, option), False)]
    if args.ratio is not None:
        return [(name, False) for name in _pair(args.ratio, "--ratio NUM/DEN")]
    pair = _pair(args.member_proportion, "--member-proportion COUNT/SIZE")
    return [(name, True) for name in pair]


def _estimand(
    args: argparse.Namespace, variables: list[tuple[str, bool]], columns: Columns
) -> Estimand:
    values = [columns.number(name, required) for name, required in variables]
    if args.mean is not None:
        return Estimand.mean(values[0])
    if args.total is not None:
        return Estimand.total(values[0])
    if args.proportion is not None:
        return Estimand.proportion(values[0])
    if args.ratio is not None:
        return Estimand.ratio(*values)
    return Estimand.member_proportion(*values)


def _pair(text: str, usage: str) -> tuple[str, str]:
    parts = text.split("/")
    if len(parts) != 2 or not all(parts):
        raise ScoringError(f"expected {usage}, got {text!r}")
    return parts[0], parts[1]


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())
