"""What the command lines' options name, read alike by ``estimate`` (:mod:`scoring.cli`) and
``change`` (:mod:`scoring.change_cli`): an estimand's columns and a calibration file."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from scoring.csv_input import Columns
from scoring.errors import ScoringError
from scoring.estimands import Estimand

if TYPE_CHECKING:
    from scoring.weights import CalibrationSpec


def read_calibration(path: str) -> CalibrationSpec:
    """The ``calibration`` object of docs/design.md §9 from a JSON file."""
    from scoring.weights import CalibrationSpec  # imported only to calibrate

    with open(path, encoding="utf-8") as f:
        try:
            obj = json.load(f)
        except json.JSONDecodeError as err:
            raise ScoringError(f"{path} is not valid JSON: {err}") from None
    return CalibrationSpec.from_json(obj)


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
