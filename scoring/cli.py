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
from typing import TYPE_CHECKING

from scoring.arrays import LabelArray
from scoring.change_cli import add_change_command
from scoring.cli_options import EXIT_BAD_INPUT, _estimand, _Parser, _variables, read_calibration
from scoring.codes import python_label
from scoring.csv_input import Columns, read_columns
from scoring.design import Design, check_calibration_weights, check_weight_column
from scoring.errors import ScoringError
from scoring.estimands import Estimand
from scoring.estimation import estimate
from scoring.intervals import CiMethod
from scoring.lonely_psu import LonelyPsu
from scoring.results import RESULT_FIELDS, NoEstimate, Result, with_empty_domains
from scoring.small_area_cli import add_small_area_command

if TYPE_CHECKING:
    import numpy as np

    from scoring.weights import Calibrated, CalibrationSpec

CSV_FIELDS = RESULT_FIELDS


def add_design_arguments(parser: argparse.ArgumentParser) -> None:
    """The CSV file and the design columns (``--weight``, ``--strata``, ``--psu``, ``--fpc``)."""
    parser.add_argument("data", help="CSV file with a header row (NA or empty: missing)")
    parser.add_argument("--weight", required=True, help="sampling weight column (≥ 0)")
    parser.add_argument("--strata", help="stratum column")
    parser.add_argument("--psu", help="PSU column (labels nested in strata)")
    parser.add_argument("--fpc", help="fpc column: population PSU count N_h or fraction ≤ 1")
    parser.add_argument(
        "--ssu", help="second-stage unit column (two-stage design; needs --fpc and --ssu-fpc)"
    )
    parser.add_argument(
        "--ssu-fpc", help="second-stage fpc column: SSUs M_j in the row's PSU, or fraction ≤ 1"
    )
    parser.add_argument(
        "--lonely-psu",
        default="adjust",
        choices=[p.value for p in LonelyPsu],
        help="single-PSU strata (default: adjust; R's default is fail)",
    )


def design_columns(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The numeric and the label columns :func:`add_design_arguments` names."""
    numbers = [args.weight] + [c for c in (args.fpc, getattr(args, "ssu_fpc", None)) if c]
    labels = [c for c in (args.strata, args.psu, getattr(args, "ssu", None)) if c]
    return numbers, labels


def design_from(args: argparse.Namespace, columns: Columns) -> Design:
    """The design the arguments of :func:`add_design_arguments` describe."""
    weights = columns.number(args.weight, required=True)
    check_weight_column(weights, args.weight)
    return Design(
        weights=weights,
        strata=None if args.strata is None else columns.label(args.strata),
        psu=None if args.psu is None else columns.label(args.psu),
        fpc=None if args.fpc is None else columns.number(args.fpc, required=True),
        lonely_psu=args.lonely_psu,
    )


ESTIMAND_OPTIONS = ("mean", "proportion", "total", "ratio", "member_proportion")


def add_estimate_arguments(est: argparse.ArgumentParser) -> None:
    """``estimate``: one or more estimands, each over one or more domain columns."""
    add_design_arguments(est)
    what = est.add_argument_group("what to estimate (each may repeat; at least one)")
    what.add_argument("--mean", metavar="V", action="append")
    what.add_argument("--proportion", metavar="V", action="append", help="a 0/1 column")
    what.add_argument("--total", metavar="V", action="append")
    what.add_argument("--ratio", metavar="NUM/DEN", action="append")
    what.add_argument("--member-proportion", metavar="COUNT/SIZE", action="append")
    est.add_argument(
        "--by",
        metavar="COL",
        action="append",
        help="domain column; repeat for several tables, '' for the whole population",
    )
    est.add_argument(
        "--ci",
        choices=[m.value for m in CiMethod],
        help="interval of a proportion (default logit); means, totals and ratios use wald",
    )
    est.add_argument("--level", type=float, default=0.95)
    est.add_argument("--format", default="json", choices=["json", "csv"])
    est.add_argument(
        "--calibration",
        metavar="CALIBRATION.json",
        help="calibrate the weights to these margins (docs/design.md §9; variables are columns)",
    )
    est.add_argument(
        "--write-weights",
        metavar="FILE",
        help="with --calibration: write each row's line, input weight, g and final weight",
    )


def run_estimate(args: argparse.Namespace) -> str:
    """Read the columns once, build the design once, then estimate every estimand × by."""
    requests = _requests(args)
    bys = [b or None for b in args.by] if args.by else [None]
    numbers, labels = design_columns(args)
    spec = None if args.calibration is None else read_calibration(args.calibration, args.data)
    if args.write_weights is not None and spec is None:
        raise ScoringError("--write-weights writes calibrated weights: give --calibration")
    numeric = [] if spec is None else list(spec.numeric_variables)
    margins = [] if spec is None else [v for v in spec.variables if v not in numeric]
    variables = [v for r in requests for v in _variables(r)]
    columns = read_columns(
        args.data,
        numbers + [name for name, _ in variables] + numeric,
        labels + [b for b in bys if b] + margins,
    )
    design = design_from(args, columns)
    estimands = [_estimand(r, _variables(r), columns) for r in requests]
    ci = _ci_method(args, estimands)
    run = _estimator(args, design, columns, spec, margins, numeric)
    tables = [
        (request, by, _listed(run, estimand, columns, by, ci))
        for request, estimand in zip(requests, estimands, strict=True)
        for by in bys
    ]
    if len(tables) == 1:
        return format_results(tables[0][2], bys[0], args.format)
    return format_tables([(_label(r), by, results) for r, by, results in tables], args.format)


def _listed(
    run: Callable[..., list[Result]], estimand: Estimand, columns: Columns, by: str | None, ci: str
) -> list[Result | NoEstimate]:
    """One table: every domain of the ``by`` column, those without a value as NoEstimate."""
    if by is None:
        return list(run(estimand, None, ci))
    domain = columns.label(by)
    levels = [python_label(v) for v in domain.levels]
    return with_empty_domains(run(estimand, domain, ci), levels)


def _estimator(
    args: argparse.Namespace,
    design: Design,
    columns: Columns,
    spec: CalibrationSpec | None,
    margins: list[str],
    numeric: list[str],
) -> Callable[..., list[Result]]:
    """``run(estimand, domain, ci)`` for this design: plain, two-stage or calibrated."""
    if spec is None:
        stage2: dict[str, LabelArray] = {}
        if args.ssu is not None or args.ssu_fpc is not None:
            if args.ssu is None or args.ssu_fpc is None or args.psu is None or args.fpc is None:
                raise ScoringError("a two-stage design needs --psu, --fpc, --ssu and --ssu-fpc")
            stage2 = {
                "ssu": columns.label(args.ssu).labels(),
                "ssu_fpc": columns.number(args.ssu_fpc, required=True),
            }
        return lambda estimand, domain, ci: estimate(
            design, estimand, domain=domain, ci=ci, level=args.level, **stage2
        )
    if args.ssu is not None:
        raise ScoringError("a two-stage design with --calibration is not supported")
    check_calibration_weights(design.weights, args.weight)
    from scoring.weights import calibrate_rows, estimate_calibrated_rows  # only to calibrate

    variables = {name: columns.label(name) for name in margins} | {
        name: columns.number(name, required=True) for name in numeric
    }
    calibration = calibrate_rows(design, spec, variables)
    if args.write_weights is not None:
        write_weights(args.write_weights, design, *calibration)
    return lambda estimand, domain, ci: estimate_calibrated_rows(
        design,
        estimand,
        spec,
        variables,
        None if domain is None else domain.labels(),
        ci,
        args.level,
        calibration,
    )


def write_weights(path: str, design: Design, cell: np.ndarray, calibrated: Calibrated) -> None:
    """Each row's file line, input weight d, g and final weight ``d·g``, then the achieved
    totals (``# margin,category,total,achieved`` rows) so that they can be checked."""
    g = calibrated.g[cell]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["line", "input_weight", "g", "weight"])
        for i, (d, factor) in enumerate(zip(design.weights, g, strict=True)):
            writer.writerow([i + 2, repr(float(d)), repr(float(factor)), repr(float(d * factor))])
        writer.writerow(["# margin", "category", "total", "achieved"])
        for c in calibrated.categories:
            writer.writerow([f"# {c.margin}", c.key, repr(c.total), repr(c.achieved)])


def format_tables(tables: list[tuple[str, str | None, list[Result | NoEstimate]]], fmt: str) -> str:
    """Several estimands or domain columns: each row names its ``estimand`` and ``by``."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["estimand", "by", *CSV_FIELDS])
        for label, by, results in tables:
            for r in results:
                row = r.as_dict()
                row["reliability_reasons"] = ";".join(r.reliability_reasons)
                values = ["" if row[k] is None else row[k] for k in CSV_FIELDS]
                writer.writerow([label, by or "", *values])
        return out.getvalue()
    items = []
    for label, by, results in tables:
        for r in results:
            item = {"estimand": label, "by": by} | r.as_dict()
            item["domain"] = None if by is None else {by: r.domain}
            items.append(item)
    return json.dumps({"results": items}, allow_nan=False, indent=1) + "\n"


def _requests(args: argparse.Namespace) -> list[argparse.Namespace]:
    """One namespace per requested estimand, with that one option set (as ``change`` has)."""
    requests = []
    for option in ESTIMAND_OPTIONS:
        for value in getattr(args, option) or []:
            request = argparse.Namespace(**dict.fromkeys(ESTIMAND_OPTIONS))
            setattr(request, option, value)
            requests.append(request)
    if not requests:
        raise ScoringError(
            "name what to estimate: --mean, --proportion, --total, --ratio or --member-proportion"
        )
    return requests


def _label(request: argparse.Namespace) -> str:
    option = next(o for o in ESTIMAND_OPTIONS if getattr(request, o) is not None)
    return f"{option.replace('_', '-')} {getattr(request, option)}"


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


def format_results(results: list[Result | NoEstimate], by: str | None, fmt: str) -> str:
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


def _ci_method(args: argparse.Namespace, estimands: list[Estimand]) -> str:
    """``--ci`` chooses a proportion's interval; a mean, total or ratio has Wald's only."""
    if args.ci is None:
        return "logit"
    if not any(e.kind.is_proportion for e in estimands):
        kind = estimands[0].kind.value
        raise ScoringError(f"--ci applies to proportions; a {kind} has a wald interval")
    return str(args.ci)


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())
