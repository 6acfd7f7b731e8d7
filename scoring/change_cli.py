"""``python -m scoring change FROM.csv TO.csv ...``: the change between two rounds (§10).

Each file is reduced to per-PSU × domain totals (:mod:`scoring.row_totals`), then the engine
of :mod:`scoring.contrasts` runs on them exactly as the service's does. Same one-line errors
and exit status as ``estimate`` (docs/design.md §10).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from scoring.cli_options import _estimand, _variables, read_calibration
from scoring.csv_input import Columns, read_columns
from scoring.design import check_calibration_weights
from scoring.estimands import Estimand
from scoring.lonely_psu import LonelyPsu
from scoring.row_totals import totals_from_rows
from scoring.stacking import Pairing, RoundTotals

if TYPE_CHECKING:
    from scoring.cli_options import _Parser
    from scoring.contrasts import Change, Round
    from scoring.weights import CalibrationSpec


def add_change_command(commands: argparse._SubParsersAction[_Parser]) -> None:
    """Register the ``change`` subcommand."""
    change = commands.add_parser("change", help="change between two rounds (to − from)")
    change.add_argument("from_data", metavar="FROM.csv", help="the earlier round, one row per unit")
    change.add_argument("to_data", metavar="TO.csv", help="the later round, same columns")
    change.add_argument("--weight", required=True, help="sampling weight column (≥ 0)")
    change.add_argument("--strata", required=True, help="stratum column")
    change.add_argument("--psu", required=True, help="PSU column")
    what = change.add_mutually_exclusive_group(required=True)
    what.add_argument("--mean", metavar="V")
    what.add_argument("--proportion", metavar="V", help="a 0/1 column")
    what.add_argument("--ratio", metavar="NUM/DEN")
    what.add_argument("--member-proportion", metavar="COUNT/SIZE")
    change.set_defaults(total=None)
    change.add_argument("--by", metavar="COL", help="domain column (matched by value)")
    change.add_argument("--pairing", default="independent", choices=[p.value for p in Pairing])
    change.add_argument("--level", type=float, default=0.95)
    change.add_argument(
        "--lonely-psu",
        default="adjust",
        choices=[p.value for p in LonelyPsu],
        help="the policy of the TO round, which applies to the stack",
    )
    change.add_argument("--format", default="json", choices=["json", "csv"])
    for which in ("from", "to"):
        change.add_argument(
            f"--{which}-calibration",
            metavar="CALIBRATION.json",
            help=f"calibrate the {which.upper()} round: the round's `calibration` object (§9)",
        )
    change.set_defaults(run=lambda args: format_changes(run_change(args), args.by, args.format))


def run_change(args: argparse.Namespace) -> list[Change]:
    """Read both files, reduce them to PSU totals and compute the change."""
    from scoring.contrasts import change_from_totals  # scipy.stats: only for this command

    specs = [
        None if path is None else read_calibration(path, data)
        for path, data in (
            (args.from_calibration, args.from_data),
            (args.to_calibration, args.to_data),
        )
    ]
    tables = [
        _columns(args, path, spec)
        for path, spec in zip((args.from_data, args.to_data), specs, strict=True)
    ]
    estimands = [_estimand(args, _variables(args), table) for table in tables]
    rounds = [_round(args, t, e, c) for t, e, c in zip(tables, estimands, specs, strict=True)]
    return change_from_totals(
        rounds[0],
        rounds[1],
        estimands[0].kind,
        pairing=args.pairing,
        lonely_psu=args.lonely_psu,
        level=args.level,
    )


def format_changes(results: list[Change], by: str | None, fmt: str) -> str:
    """JSON ``{"results": [...]}`` (``domain`` null or ``{COL: value}``) or CSV rows."""
    from scoring.contrasts import CHANGE_FIELDS

    if fmt == "csv":  # the service's CSV writer: `significant` is `true`/`false` there too
        from outputs.csv_table import csv_lines

        return "".join(csv_lines(["domain", *CHANGE_FIELDS], (r.as_dict() for r in results)))
    items = []
    for r in results:
        row = r.as_dict()
        item = {"domain": None if by is None else {by: r.domain}}
        item.update({k: row[k] for k in CHANGE_FIELDS})
        items.append(item)
    return json.dumps({"results": items}, allow_nan=False, indent=1) + "\n"


def _columns(args: argparse.Namespace, path: str, spec: CalibrationSpec | None) -> Columns:
    """The columns one round's file needs (scoring.csv_input)."""
    numbers = [args.weight] + [name for name, _ in _variables(args)]
    labels = [args.strata, args.psu] + ([args.by] if args.by else [])
    if spec is not None:
        numbers += list(spec.numeric_variables)
        labels += [v for v in spec.variables if v not in spec.numeric_variables]
    return read_columns(path, numbers, labels)


def _round(
    args: argparse.Namespace,
    table: Columns,
    estimand: Estimand,
    spec: CalibrationSpec | None,
) -> Round:
    """One round's cells: PSU × domain totals, or calibrated rows when a spec is given."""
    weights = table.number(args.weight, required=True)
    strata, psu = table.label(args.strata).labels(), table.label(args.psu).labels()
    domain = None if args.by is None else table.label(args.by).labels()
    if spec is None:
        return RoundTotals(totals_from_rows(weights, strata, psu, estimand, domain))
    check_calibration_weights(weights, args.weight)
    from scoring.calibrated_rounds import calibrated_round_from_rows  # only to calibrate

    variables = {
        v: table.number(v, required=True)
        if v in spec.numeric_variables
        else table.label(v).labels()
        for v in spec.variables
    }
    return calibrated_round_from_rows(weights, strata, psu, estimand, spec, variables, domain)
