"""The Fay–Herriot engine equals R `sae` 1.3 (eblupFH + mseFH) on sae's `milk` data and 219
random cases (tests/fixtures/small_area/generate.R): σ²_v, β̂, se(β̂), EBLUP, MSE, goodness of
fit, iterations and convergence, for reml, ml and fh."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from scoring.small_area import diagnose, eblup, eblup_mse, fit_fay_herriot

CASES = json.loads((Path(__file__).parents[1] / "fixtures/small_area/expected.json").read_text())[
    "cases"
]
RTOL = 1e-6


def close(ours: object, r: object) -> None:
    np.testing.assert_allclose(np.asarray(ours, float), np.asarray(r, float), rtol=RTOL, atol=1e-9)


def test_the_goldens_cover_what_the_issue_asks() -> None:
    kinds = {case["kind"] for case in CASES}
    assert {"milk", "zero", "one", "many", "psi100"} <= kinds
    assert len(CASES) >= 200
    assert any(case.get("sigma2_v") == 0 for case in CASES)
    assert any(not case["converged"] for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_equals_sae(case: dict) -> None:
    fit = fit_fay_herriot(
        np.array(case["y"]),
        np.array(case["X"]),
        np.array(case["vardir"]),
        case["method"],
        max_iter=case["maxiter"],
    )
    assert fit.converged == case["converged"]
    assert fit.iterations == case["iterations"]
    if not case["converged"]:
        assert np.isnan(fit.sigma2_v)
        return
    close(fit.sigma2_v, case["sigma2_v"])
    close(fit.beta, case["beta"])
    close(fit.beta_se, case["beta_se"])
    close(eblup(fit), case["eblup"])
    close(eblup_mse(fit), case["mse"])
    goodness = diagnose(fit)
    ours = [goodness.loglike, goodness.aic, goodness.bic]
    close(ours, [case["loglike"], case["aic"], case["bic"]])
