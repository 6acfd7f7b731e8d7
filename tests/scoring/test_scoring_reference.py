"""Golden tests: every reference case equals R ``survey`` 4.1-1 (docs/design.md §6).

``fixtures/reference`` holds the shared cases; ``fixtures/reference_extra`` and
``fixtures/reference_parity`` our own (made by ``make_data.py`` and ``reference.R`` there;
the parity cases run R ``survey``'s own datasets and help-page examples, missing values
under ``na.rm = TRUE``, ratio design effects, large means and 300 random designs).
Tolerance: 1e-6 relative, 1e-9 absolute.
"""

from __future__ import annotations

import csv
import functools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from scoring import Design, Estimand, LonelyPsuError, Result, ScoringError, estimate

FIXTURES = Path(__file__).parents[1] / "fixtures"
FIELDS = ("estimate", "se", "ci_low", "ci_high", "df", "deff", "n", "population")

PROPORTIONS = ("proportion", "member_proportion")
INTERVAL = ("ci_low", "ci_high")


def _r_logit_breaks(df: int, level: float) -> bool:
    """R's confint.svyglm rounds ``1 - 2*pnorm(qt(alpha/2, df))`` to 1 (df = 1; df = 2 at 99 %)."""
    return 1 - 2 * stats.norm.cdf(stats.t.ppf((1 - level) / 2, df)) == 1.0


def _asin_leaves_its_range(p: float, se: float, df: int, level: float) -> bool:
    """The angle interval leaves [0, π/2]: we clamp it, R's ``sin²`` folds it back."""
    theta, t = math.asin(math.sqrt(p)), stats.t.ppf((1 + level) / 2, df)
    half = t * se / (2 * math.sqrt(p * (1 - p)))
    return theta - half < 0 or theta + half > math.pi / 2


def _no_spread(case: dict, domain: object) -> bool:
    """At most one value, or all values equal: R's deff is 0/0 (Inf, 0 or noise), ours None."""
    var = case["estimand"].get("var")
    rows = [r for r in _rows(case) if case["by"] is None or r[case["by"]] == domain]
    values = {r[var] for r in rows if r[var] not in MISSING} if var else set()
    answered = sum(r[var] not in MISSING for r in rows) if var else 2
    return answered <= 1 or len(values) == 1


def departures(case: dict, ours: Result) -> dict[str, str]:
    """Fields where we depart from R on purpose (scoring/intervals.py, docs/statistics.md)."""
    out: dict[str, str] = {}
    method, level = case["ci"], case["level"]
    if case["estimand"]["type"] in PROPORTIONS and ours.ci_low is not None and ours.df > 0:
        p = ours.estimate
        if p in (0.0, 1.0):
            reason = "p = 0 or 1: Korn–Graubard with n_eff = n for every method"
        elif method == "logit" and _r_logit_breaks(ours.df, level):
            reason = f"logit at df = {ours.df}, level {level}: R gives NaN, we the exact interval"
        elif method == "asin" and _asin_leaves_its_range(p, ours.se, ours.df, level):
            reason = "asin bound beyond [0, π/2]: clamped"
        else:
            reason = ""
        out |= dict.fromkeys(INTERVAL, reason) if reason else {}
    if ours.deff is None and _no_spread(case, ours.domain):
        out["deff"] = "no spread in the domain: R's deff is 0/0"
    return out


def _load(folder: str) -> list[dict]:
    cases = json.loads((FIXTURES / folder / "expected.json").read_text())["cases"]
    for case in cases:
        case["folder"] = FIXTURES / folder
    return cases


CASES = _load("reference") + _load("reference_extra") + _load("reference_parity")
ESTIMATED = [c for c in CASES if isinstance(c["expected"], list)]
R_ERRORS = [c for c in CASES if isinstance(c["expected"], dict)]
LONELY = [c for c in R_ERRORS if "has only one PSU" in c["expected"]["error"]]
SINGLE_PSU = [c for c in R_ERRORS if "only one primary sampling unit" in c["expected"]["error"]]
# R survey 4.1-1 fails inside svyrecvar on a design that is a census in every stratum
R_CENSUS_FAILURES = [c for c in R_ERRORS if c["expected"]["error"] == "subscript out of bounds"]
MISSING = ("", "NA")  # what R's read.csv(na.strings = c("", "NA")) reads as NA


@functools.cache
def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _rows(case: dict) -> list[dict[str, str]]:
    rows = _read(case["folder"] / case["data"])
    where = case.get("where")
    if where:
        ((column, value),) = where.items()
        rows = [r for r in rows if r[column] == value]
    return rows


def _run(case: dict) -> list[Result]:
    rows = _rows(case)

    def labels(col: str | None) -> np.ndarray | None:
        return None if col is None else np.array([r[col] for r in rows])

    def numbers(col: str) -> np.ndarray:
        return np.array([np.nan if r[col] in MISSING else float(r[col]) for r in rows])

    g, e = case["design"], case["estimand"]
    design = Design(
        numbers(g["weight"]),
        strata=labels(g.get("strata")),
        psu=labels(g.get("psu")),
        fpc=None if g.get("fpc") is None else numbers(g["fpc"]),
        lonely_psu=g.get("lonely_psu") or "fail",
    )
    if e["type"] == "ratio":
        estimand = Estimand.ratio(numbers(e["num"]), numbers(e["den"]))
    elif e["type"] == "member_proportion":
        estimand = Estimand.member_proportion(numbers(e["count"]), numbers(e["size"]))
    else:
        estimand = getattr(Estimand, e["type"])(numbers(e["var"]))
    return estimate(design, estimand, domain=labels(case["by"]), ci=case["ci"], level=case["level"])


def _close(ours: float | None, r: float | None) -> bool:
    if r is None or ours is None:
        return ours is None and r is None
    return math.isclose(ours, r, rel_tol=1e-6, abs_tol=1e-9)


def _fields(case: dict) -> tuple[str, ...]:
    """The shared script asks R for no ratio deff (``svyratio`` gives one only on request)."""
    shared_ratio = case["folder"].name == "reference" and case["estimand"]["type"] == "ratio"
    return tuple(f for f in FIELDS if not (shared_ratio and f == "deff"))


@pytest.mark.parametrize("case", ESTIMATED, ids=[c["name"] for c in ESTIMATED])
def test_estimates_equal_r_survey(case: dict) -> None:
    results = _run(case)
    assert [r.domain for r in results] == [x["domain"] for x in case["expected"]]
    for ours, expected in zip(results, case["expected"], strict=True):
        documented = departures(case, ours)
        for field in _fields(case):
            if not _close(getattr(ours, field), expected[field]):
                assert field in documented, (field, expected["domain"])


PROPORTION_CASES = [c for c in ESTIMATED if c["estimand"]["type"] in PROPORTIONS]


@pytest.mark.parametrize("case", PROPORTION_CASES, ids=[c["name"] for c in PROPORTION_CASES])
def test_where_we_depart_from_r_the_interval_is_defined_and_holds_the_estimate(case: dict) -> None:
    for ours in _run(case):
        if "ci_low" in departures(case, ours):
            assert 0 <= ours.ci_low <= ours.estimate <= ours.ci_high <= 1, ours.domain


def test_the_departures_include_r_s_logit_at_df_2_and_the_asin_clamp() -> None:
    reasons = {
        reason
        for case in PROPORTION_CASES
        if case["ci"] in ("logit", "asin")
        for ours in _run(case)
        for reason in departures(case, ours).values()
    }
    assert any(reason.startswith("logit at df = 2") for reason in reasons)
    assert any(reason.startswith("asin") for reason in reasons)


@pytest.mark.parametrize("case", LONELY, ids=[c["name"] for c in LONELY])
def test_lonely_psu_fail_raises_naming_the_stratum_r_names(case: dict) -> None:
    with pytest.raises(LonelyPsuError) as err:
        _run(case)
    assert f"Stratum ({err.value.stratum})" in case["expected"]["error"]


@pytest.mark.parametrize("case", SINGLE_PSU, ids=[c["name"] for c in SINGLE_PSU])
def test_one_psu_without_strata_is_refused_as_r_refuses_it(case: dict) -> None:
    with pytest.raises(ScoringError, match="only one primary sampling unit"):
        _run(case)


@pytest.mark.parametrize("case", R_CENSUS_FAILURES, ids=[c["name"] for c in R_CENSUS_FAILURES])
def test_where_r_fails_on_a_census_every_domain_has_zero_standard_error(case: dict) -> None:
    results = _run(case)
    assert results
    assert all(r.se == 0.0 for r in results)


def test_every_r_error_is_one_of_the_known_kinds() -> None:
    assert len(R_ERRORS) == len(LONELY) + len(SINGLE_PSU) + len(R_CENSUS_FAILURES)
