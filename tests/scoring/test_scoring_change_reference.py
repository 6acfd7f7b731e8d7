"""Golden tests: the change between rounds equals R ``survey`` 4.1-1 (docs/design.md §10).

``fixtures/reference_change`` holds the two rounds (``make_data.py``), the cases and R's
answers (``reference.R``: stacked ``svyby(covmat = TRUE)`` + ``svycontrast``). Each round
is reduced to per-PSU × domain totals first, as the service keeps them. Tolerance: 1e-6
relative, 1e-9 absolute.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from scoring import Estimand, LonelyPsuError
from scoring.calibrated_rounds import CalibratedRound, calibrated_round_from_rows
from scoring.contrasts import Change, change_from_totals
from scoring.row_totals import totals_from_rows
from scoring.stacking import RoundTotals
from scoring.weights.calibration import CalibrationSpec

FOLDER = Path(__file__).parents[1] / "fixtures" / "reference_change"
FIELDS = (
    "from_estimate",
    "to_estimate",
    "difference",
    "se",
    "df",
    "ci_low",
    "ci_high",
    "p_value",
)
CASES = json.loads((FOLDER / "expected.json").read_text())["cases"]
ESTIMATED = [c for c in CASES if isinstance(c["expected"], list)]
R_ERRORS = [c for c in CASES if isinstance(c["expected"], dict)]


def _columns(path: str) -> dict[str, np.ndarray]:
    with open(FOLDER / path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {name: np.array([r[name] for r in rows]) for name in rows[0]}


def _estimand(columns: dict[str, np.ndarray], e: dict) -> Estimand:
    def numbers(name: str) -> np.ndarray:
        return columns[name].astype(float)

    match e["type"]:
        case "ratio":
            return Estimand.ratio(numbers(e["num"]), numbers(e["den"]))
        case "member_proportion":
            return Estimand.member_proportion(numbers(e["count"]), numbers(e["size"]))
        case kind:
            return getattr(Estimand, kind)(numbers(e["var"]))


def _round(case: dict, which: str) -> RoundTotals | CalibratedRound:
    columns = _columns(case[which]["data"])
    g, estimand = case["design"], _estimand(columns, case["estimand"])
    weights, strata, psu = (
        columns[g["weight"]].astype(float),
        columns[g["strata"]],
        columns[g["psu"]],
    )
    domain = None if case["by"] is None else columns[case["by"]]
    if case["calibration"] is None:
        return RoundTotals(totals_from_rows(weights, strata, psu, estimand, domain))
    calibration = case["calibration"]
    spec = CalibrationSpec.from_json(
        {
            "method": calibration["method"],
            "bounds": calibration.get("bounds"),
            "margins": calibration[which],
        }
    )
    return calibrated_round_from_rows(weights, strata, psu, estimand, spec, columns, domain)


def _run(case: dict) -> list[Change]:
    kind = case["estimand"]["type"]
    return change_from_totals(
        _round(case, "from"),
        _round(case, "to"),
        kind,
        pairing=case["pairing"],
        lonely_psu=case["design"]["lonely_psu"],
        level=case["level"],
    )


def _close(ours: float | None, r: float | None) -> bool:
    if r is None or ours is None:
        return ours is None and r is None
    return math.isclose(ours, r, rel_tol=1e-6, abs_tol=1e-9)


@pytest.mark.parametrize("case", ESTIMATED, ids=[c["name"] for c in ESTIMATED])
def test_change_equals_r_stacked_svycontrast(case: dict) -> None:
    results = _run(case)
    assert [r.domain for r in results] == [x["domain"] for x in case["expected"]]
    for ours, expected in zip(results, case["expected"], strict=True):
        for field in FIELDS:
            assert _close(getattr(ours, field), expected.get(field)), (field, expected["domain"])
        assert ours.reason == expected.get("reason")


@pytest.mark.parametrize("case", R_ERRORS, ids=[c["name"] for c in R_ERRORS])
def test_lonely_psu_fail_raises_naming_the_stratum(case: dict) -> None:
    with pytest.raises(LonelyPsuError) as err:
        _run(case)
    stratum = str(err.value.stratum)
    assert stratum.split(" ")[0] in case["expected"]["error"]


CALIBRATED_BY_DOMAIN = [
    c for c in ESTIMATED if c["calibration"] is not None and c["by"] is not None
][:3]


@pytest.mark.parametrize(
    "case", CALIBRATED_BY_DOMAIN, ids=[c["name"] for c in CALIBRATED_BY_DOMAIN]
)
def test_rows_outside_every_domain_leave_the_other_domains_calibrated_change_alone(
    case: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A domain's rows labelled with no domain (None) instead of their own: every other
    domain's change is the same, as R's zero scores outside a domain make it."""
    results = {r.domain: r for r in _run(case)}
    dropped = sorted(d for d in results if d is not None)[0]
    real = _columns

    def without_dropped(path: str) -> dict[str, np.ndarray]:
        columns = real(path)
        labels = columns[case["by"]].astype(object)
        labels[labels == dropped] = None
        return {**columns, "domain_without": labels}

    monkeypatch.setattr(f"{__name__}._columns", without_dropped)
    kept = {r.domain: r for r in _run({**case, "by": "domain_without"})}
    assert dropped not in kept
    for domain, change in kept.items():
        for field in FIELDS:
            assert _close(getattr(change, field), getattr(results[domain], field)), (domain, field)
