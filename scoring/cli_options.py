"""What the command lines' options name, read alike by ``estimate`` (:mod:`scoring.cli`) and
``change`` (:mod:`scoring.change_cli`): an estimand's columns and a calibration file."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, NoReturn

from scoring.csv_input import Columns, read_header
from scoring.errors import ScoringError
from scoring.estimands import Estimand

if TYPE_CHECKING:
    from scoring.weights import CalibrationSpec

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"error: {message}\n")
        raise SystemExit(EXIT_BAD_INPUT)


def read_calibration(path: str, *data: str) -> CalibrationSpec:
    """The ``calibration`` object of docs/design.md §9 from a JSON file, its variables
    columns of each ``data`` file (the engine's rules and messages, as the service's)."""
    from scoring.weights import CalibrationSpec  # imported only to calibrate

    with open(path, encoding="utf-8") as f:
        try:
            obj = json.load(f)
        except json.JSONDecodeError as err:
            raise ScoringError(f"{path} is not valid JSON: {err}") from None
    spec = CalibrationSpec.from_json(obj)
    for name in data:
        spec.check_variables(read_header(name))
    return spec


def _variables(args: argparse.Namespace) -> list[tuple[str, bool]]:
    """The estimand's columns in order, each with whether a missing value is an error."""
    for option in ("mean", "total", "proportion"):
        if getattr(args, option, None) is not None:
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
