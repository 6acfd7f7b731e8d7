"""Golden tests: weighted estimates equal R ``survey`` 4.1-1 (docs/design.md §9).

``fixtures/reference_weighting`` holds the cases, the sample (``make_data.py``) and R's
answers (``reference.R``, whose non-response steps are base R arithmetic written apart from
the engine). Each case runs the engine's row path: non-response factors, the certainty-PSU
variance design, calibration on cells, then the estimate. Tolerance: 1e-6 relative.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from scoring import Design, Estimand, Result, estimate
from scoring.weights import (
    CalibrationSpec,
    InfeasibleBounds,
    NonresponseSpec,
    adjusted_weights,
    estimate_calibrated_rows,
    variance_design,
)

FOLDER = Path(__file__).parents[1] / "fixtures" / "reference_weighting"
CASES = json.loads((FOLDER / "expected.json").read_text())["cases"]
ESTIMATED = [c for c in CASES if isinstance(c["expected"], list)]
R_ERRORS = [c for c in CASES if isinstance(c["expected"], dict)]
FIELDS = ("estimate", "se", "ci_low", "ci_high", "df", "deff", "n", "population")


def _read(name: str) -> dict[str, np.ndarray]:
    with open(FOLDER / name, newline="") as f:
        rows = list(csv.DictReader(f))
    return {col: np.array([r[col] for r in rows], dtype=object) for col in rows[0]}


def _numbers(values: np.ndarray) -> np.ndarray:
    return np.array([float(v) if v != "" else np.nan for v in values])


def _weighted_rows(case: dict) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """The responding rows with their design weight, variance stratum and variance PSU."""
    data, g = _read(case["data"]), case["design"]
    if "weight" in g:
        return data, _numbers(data[g["weight"]]), data[g["strata"]], data[g["psu"]]
    d = 1 / (_numbers(data[g["psu_prob"]]) * _numbers(data[g["unit_prob"]]))
    outcome = data[g["outcome"]]
    nonresponse = case["weighting"]["nonresponse"]
    if nonresponse is None:
        w = np.where(outcome == "completed", d, 0.0)
    else:
        spec = NonresponseSpec.from_json(nonresponse)
        w, _ = adjusted_weights(spec, data[g["strata"]], data[g["psu"]], outcome, d)
    strata, psus = variance_design(
        data[g["strata"]], data[g["psu"]], data[g["unit"]], _numbers(data[g["psu_prob"]])
    )
    keep = w > 0
    return {k: v[keep] for k, v in data.items()}, w[keep], strata[keep], psus[keep]


def _run(case: dict) -> list[Result]:
    data, w, strata, psus = _weighted_rows(case)
    design = Design(w, strata=strata, psu=psus, lonely_psu=case["design"]["lonely_psu"])
    e = case["estimand"]
    if e["type"] == "member_proportion":
        estimand = Estimand.member_proportion(_numbers(data[e["count"]]), _numbers(data[e["size"]]))
    else:
        estimand = getattr(Estimand, e["type"])(_numbers(data[e["var"]]))
    domain = None if case["by"] is None else data[case["by"]]
    calibration = case["weighting"]["calibration"]
    if calibration is None:
        return estimate(design, estimand, domain=domain, ci=case["ci"], level=case["level"])
    spec = CalibrationSpec.from_json(calibration)
    return estimate_calibrated_rows(
        design, estimand, spec, data, domain=domain, ci=case["ci"], level=case["level"]
    )


@pytest.mark.parametrize("case", ESTIMATED, ids=[c["name"] for c in ESTIMATED])
def test_weighted_estimates_equal_r_survey(case: dict) -> None:
    results = _run(case)
    assert [r.domain for r in results] == [x["domain"] for x in case["expected"]]
    for ours, expected in zip(results, case["expected"], strict=True):
        for field in FIELDS:
            if expected[field] is None:  # R gives no deff for svyratio
                continue
            value = getattr(ours, field)
            assert value is not None and math.isclose(
                value, expected[field], rel_tol=1e-6, abs_tol=1e-9
            ), (field, expected["domain"], value, expected[field])


@pytest.mark.parametrize("case", R_ERRORS, ids=[c["name"] for c in R_ERRORS])
def test_bounds_r_cannot_meet_raise_naming_the_margin_and_category(case: dict) -> None:
    assert case["expected"]["error"] == "Calibration failed"
    with pytest.raises(InfeasibleBounds) as err:
        _run(case)
    assert (err.value.margin, err.value.category) == ("district", "083")
