"""Properties of calibration on random designs (hypothesis, docs/design.md §9)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import Design, Estimand, Result
from scoring.weights import (
    CalibrationSpec,
    CellTotals,
    calibrate,
    estimate_calibrated,
    estimate_calibrated_rows,
)
from scoring.weights.rows import calibration_cells, row_totals

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COMPARED = ("estimate", "se", "ci_low", "ci_high", "df", "deff", "n", "population")


@st.composite
def samples(draw: st.DrawFn) -> dict:
    """2-3 strata of 2-4 PSUs; variables a (2-3 categories) and b (2), every a×b present."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_a = draw(st.integers(2, 3))
    n_strata = int(rng.integers(2, 4))
    n_psus = rng.integers(2, 5, size=n_strata)
    psu_stratum = np.repeat(np.arange(n_strata), n_psus)
    n = int(draw(st.integers(3 * n_a * 2, 60)))
    a = np.concatenate([np.repeat(np.arange(n_a), 2), rng.integers(0, n_a, n - 2 * n_a)])
    b = np.concatenate([np.tile([0, 1], n_a), rng.integers(0, 2, n - 2 * n_a)])
    psu = np.concatenate(
        [
            np.arange(psu_stratum.shape[0]),
            rng.integers(0, psu_stratum.shape[0], n - psu_stratum.shape[0]),
        ]
    )
    return {
        "weights": rng.uniform(1, 10, n),
        "strata": np.array([f"s{h}" for h in psu_stratum[psu]]),
        "psu": np.array([f"p{j}" for j in psu]),
        "a": np.array([f"a{i}" for i in a]),
        "b": np.array(["rural", "urban"])[b],
        "y": rng.integers(0, 2, n).astype(float),
        "factor_a": rng.uniform(0.8, 1.25, n_a),
        "factor_b": rng.uniform(0.8, 1.25, 2),
    }


def _totals(d: dict, variable: str, factors: np.ndarray, population: float | None = None):
    keys = sorted(set(d[variable]))
    sums = np.array([d["weights"][d[variable] == k].sum() for k in keys]) * factors
    if population is not None:
        sums *= population / sums.sum()
    return {"variables": [variable], "totals": dict(zip(keys, sums.tolist(), strict=True))}


def _spec(d: dict, method: str, variables: tuple[str, ...] = ("a", "b")) -> CalibrationSpec:
    first = _totals(d, variables[0], d[f"factor_{variables[0]}"])
    margins = [first]
    population = sum(first["totals"].values())
    margins += [_totals(d, v, d[f"factor_{v}"], population) for v in variables[1:]]
    return CalibrationSpec.from_json({"method": method, "margins": margins, "bounds": None})


def _estimate(
    d: dict,
    spec: CalibrationSpec,
    y: np.ndarray,
    kind: str = "proportion",
    weights: np.ndarray | None = None,
) -> list[Result]:
    design = Design(d["weights"] if weights is None else weights, d["strata"], d["psu"])
    estimand = getattr(Estimand, kind)(y)
    return estimate_calibrated_rows(design, estimand, spec, d, domain=d["b"], ci="logit")


def _same(a: list[Result], b: list[Result], rel: float = 1e-8) -> None:
    assert [r.domain for r in a] == [r.domain for r in b]
    for x, y in zip(a, b, strict=True):
        for field in COMPARED:
            u, v = getattr(x, field), getattr(y, field)
            assert (u is None and v is None) or math.isclose(u, v, rel_tol=rel, abs_tol=1e-10), (
                field,
                u,
                v,
            )


@FAST
@given(samples(), st.sampled_from(["rake", "linear"]))
def test_calibrated_weights_sum_to_every_margin_total(d, method) -> None:
    spec = _spec(d, method)
    cell, labels = calibration_cells(d, spec.variables, d["weights"].shape[0])
    calibrated = calibrate(spec, labels, np.bincount(cell, weights=d["weights"]))
    for category in calibrated.categories:
        assert math.isclose(category.achieved, category.total, rel_tol=1e-9)


@FAST
@given(samples(), st.sampled_from(["rake", "linear"]))
def test_the_total_of_a_calibration_variable_has_zero_standard_error(d, method) -> None:
    spec = _spec(d, method)
    category = sorted(set(d["a"]))[0]
    indicator = (d["a"] == category).astype(float)
    design = Design(d["weights"], d["strata"], d["psu"])
    [result] = estimate_calibrated_rows(design, Estimand.total(indicator), spec, d)
    assert math.isclose(result.estimate, spec.margins[0].totals[category], rel_tol=1e-9)
    assert result.se is not None and result.se <= 1e-7 * result.estimate


@FAST
@given(samples())
def test_one_margin_poststratify_rake_and_linear_agree(d) -> None:
    results = [
        _estimate(d, _spec(d, m, ("a",)), d["y"]) for m in ("poststratify", "rake", "linear")
    ]
    _same(results[0], results[1])
    _same(results[0], results[2])


@FAST
@given(samples(), st.sampled_from(["rake", "linear"]), st.floats(0.01, 100))
def test_scaling_the_input_weights_changes_nothing_after_calibration(d, method, c) -> None:
    spec = _spec(d, method)
    _same(_estimate(d, spec, d["y"]), _estimate(d, spec, d["y"], weights=c * d["weights"]))


@FAST
@given(samples(), st.sampled_from(["rake", "linear", "poststratify"]))
def test_cells_summed_per_psu_class_and_domain_give_the_row_answers(d, method) -> None:
    spec = _spec(d, method, ("a",) if method == "poststratify" else ("a", "b"))
    design = Design(d["weights"], d["strata"], d["psu"])
    n = d["weights"].shape[0]
    cell, labels = calibration_cells(d, spec.variables, n)
    calibrated = calibrate(spec, labels, np.bincount(cell, weights=d["weights"]))
    rows = row_totals(design, Estimand.proportion(d["y"]), cell, d["b"])
    keys = sorted(
        {(s, p, c, dom) for s, p, c, dom in zip(rows.stratum, rows.psu, cell, d["b"], strict=True)}
    )
    index = {k: i for i, k in enumerate(keys)}
    at = np.array([index[k] for k in zip(rows.stratum, rows.psu, cell, d["b"], strict=True)])

    def summed(values: np.ndarray) -> np.ndarray:
        return np.bincount(at, weights=values, minlength=len(keys))

    totals = CellTotals(
        stratum=[k[0] for k in keys],
        psu=[k[1] for k in keys],
        cell=[k[2] for k in keys],
        domain=[k[3] for k in keys],
        n=summed(rows.n),
        sd=summed(rows.sd),
        sdy=summed(rows.sdy),
        sdyy=summed(rows.sdyy),
    )
    _same(estimate_calibrated(totals, calibrated, "proportion"), _estimate(d, spec, d["y"]))
