"""``python -m scoring change FROM.csv TO.csv ...``: the change between two rounds (§10).

Each file is reduced to per-PSU × domain totals (:mod:`scoring.row_totals`), then the engine
of :mod:`scoring.contrasts` runs on them exactly as the service's does. Same one-line errors
and exit status as ``estimate`` (docs/design.md §10).
"""

from __future__ import annotations

import argparse
import csv
import io
import json

from scoring.calibrated_rounds import calibrated_round_from_rows
from scoring.cli import _estimand, _labels, _numbers, read_calibration, read_table
from scoring.contrasts import CHANGE_FIELDS, Change, Round, change_from_totals
from scoring.estimands import Estimand
from scoring.lonely_psu import LonelyPsu
from scoring.row_totals import totals_from_rows
from scoring.stacking import Pairing, RoundTotals


def add_change_command(commands: argparse._SubParsersAction) -> None:
    """Register the ``change`` subcommand."""
    change = commands.add_parser("change", help="change between two rounds (to − from)")
    change.add_argument("from_data", metavar="FROM.csv", help="the earlier round, one row per unit")
    change.add_argument("to_data", metavar="TO.csv", help="the later round, same columns")
    change.add_argument("--weight", required=True, help="sampling weight column (> 0)")
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


def run_change(args: argparse.Namespace) -> list[Change]:
    """Read both files, reduce them to PSU totals and compute the change."""
    tables = [read_table(path) for path in (args.from_data, args.to_data)]
    estimands = [_estimand(args, table) for table in tables]
    calibrations = (args.from_calibration, args.to_calibration)
    rounds = [
        _round(args, t, e, c) for t, e, c in zip(tables, estimands, calibrations, strict=True)
    ]
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
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["domain", *CHANGE_FIELDS])
        for r in results:
            row = r.as_dict()
            writer.writerow(["" if row[k] is None else row[k] for k in ("domain", *CHANGE_FIELDS)])
        return out.getvalue()
    items = []
    for r in results:
        row = r.as_dict()
        item = {"domain": None if by is None else {by: r.domain}}
        item.update({k: row[k] for k in CHANGE_FIELDS})
        items.append(item)
    return json.dumps({"results": items}, allow_nan=False, indent=1) + "\n"


def _round(
    args: argparse.Namespace,
    table: dict[str, list[str]],
    estimand: Estimand,
    calibration: str | None,
) -> Round:
    """One round's cells: PSU × domain totals, or calibrated rows when a spec is given."""
    weights, strata, psu = (
        _numbers(table, args.weight),
        _labels(table, args.strata),
        _labels(table, args.psu),
    )
    domain = None if args.by is None else _labels(table, args.by)
    if calibration is None:
        return RoundTotals(totals_from_rows(weights, strata, psu, estimand, domain))
    spec = read_calibration(calibration)
    variables = {v: _labels(table, v) for v in spec.variables}
    return calibrated_round_from_rows(weights, strata, psu, estimand, spec, variables, domain)
