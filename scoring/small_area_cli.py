"""``python -m scoring small-area AREAS.csv ...``: Fay–Herriot estimates from a CSV of areas.

One row per area: its label, the direct estimate (empty for an area without interviews: it
gets the synthetic estimate), the direct estimate's sampling variance (``--psi``, or ``--se``
squared, or smoothed from ``--n`` and the province's se and n) and the covariates. An
intercept is added. Prints the fitted model and, per area, the EBLUP or synthetic estimate
with its MSE (docs/statistics.md "Small-area estimation").
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from typing import TYPE_CHECKING

import numpy as np

from scoring.csv_input import read_columns
from scoring.errors import ScoringError
from scoring.small_area import FitMethod, estimate_areas
from scoring.small_area.areas import finite_or_none
from scoring.small_area.fitting import DEFAULT_MAX_ITER, DEFAULT_PRECISION
from scoring.small_area.sampling_variance import direct_variances, smoothed_variances

if TYPE_CHECKING:
    from scoring.cli_options import _Parser

AREA_FIELDS = ("area", "direct", "psi", "in_fit", "estimate", "mse", "rmse", "cv", "shrinkage")


def add_small_area_command(commands: argparse._SubParsersAction[_Parser]) -> None:
    """Register the ``small-area`` subcommand."""
    sae = commands.add_parser("small-area", help="Fay–Herriot estimates for small areas")
    sae.add_argument("data", metavar="AREAS.csv", help="one row per area")
    sae.add_argument("--area", required=True, help="area label column (each area once)")
    sae.add_argument("--direct", required=True, help="direct estimate column (empty: none)")
    psi = sae.add_mutually_exclusive_group(required=True)
    psi.add_argument("--psi", metavar="COL", help="sampling variance of the direct estimate")
    psi.add_argument("--se", metavar="COL", help="standard error of the direct estimate")
    psi.add_argument(
        "--n",
        metavar="COL",
        help="interviews per area: smoothed ψ = province_se² · province_n / n (GVF)",
    )
    sae.add_argument("--province-se", type=float, help="with --n: the province estimate's se")
    sae.add_argument("--province-n", type=int, help="with --n: the province's interviews")
    sae.add_argument("--covariates", required=True, help="comma list of covariate columns")
    sae.add_argument("--method", default="reml", choices=[m.value for m in FitMethod])
    sae.add_argument("--max-iter", type=int, default=DEFAULT_MAX_ITER)
    sae.add_argument("--precision", type=float, default=DEFAULT_PRECISION)
    sae.add_argument("--format", default="json", choices=["json", "csv"])
    sae.set_defaults(run=run_small_area)


def run_small_area(args: argparse.Namespace) -> str:
    covariates = [c.strip() for c in args.covariates.split(",") if c.strip()]
    if not covariates:
        raise ScoringError("--covariates names no column")
    variance_column = args.psi or args.se or args.n
    columns = read_columns(args.data, [args.direct, variance_column, *covariates], [args.area])
    areas = columns.label(args.area).labels()
    if len(set(areas)) != len(areas):
        raise ScoringError(f"column {args.area!r}: an area appears more than once")
    direct = columns.number(args.direct)
    X = np.column_stack([np.ones(len(areas))] + [columns.number(c, True) for c in covariates])
    if args.psi:
        psi = columns.number(args.psi)
        psi = np.where(psi > 0, psi, np.nan)
    elif args.se:
        psi = direct_variances(columns.number(args.se))
    else:
        if args.province_se is None or args.province_n is None:
            raise ScoringError("--n needs --province-se and --province-n")
        n = columns.number(args.n, required=True)
        psi = smoothed_variances(args.province_se, args.province_n, n)
    result = estimate_areas(direct, psi, X, args.method, args.max_iter, args.precision)
    rows = [
        {
            "area": str(area),
            "direct": finite_or_none(direct[i]),
            "psi": finite_or_none(psi[i]),
            "in_fit": bool(result.in_fit[i]),
            "estimate": finite_or_none(result.estimate[i]),
            "mse": finite_or_none(result.mse[i]),
            "rmse": finite_or_none(result.rmse[i]),
            "cv": finite_or_none(result.cv[i]),
            "shrinkage": finite_or_none(result.shrinkage[i]),
        }
        for i, area in enumerate(areas)
    ]
    if args.format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, AREA_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
        return out.getvalue()
    model = result.model_dict(["(intercept)", *covariates])
    return json.dumps({"model": model, "areas": rows}, allow_nan=False, indent=1) + "\n"
