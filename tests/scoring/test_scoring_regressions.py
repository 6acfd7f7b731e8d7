"""Behaviours mutation testing found unpinned (issue 16): each one pinned here.

Every test names the rule it guards; the thresholds are tested exactly at their limit.
"""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.special  # noqa: F401  (the loader's path when scipy.special is already imported)

from scoring import (
    Design,
    Estimand,
    PsuTotals,
    ScoringError,
    estimate,
    estimate_from_totals,
    special,
)
from scoring.design_effect import design_effect, residual_squares
from scoring.estimands import Kind
from scoring.fpc import PopulationCorrection, fpc_factor
from scoring.intervals import asin_interval, korn_graubard_interval
from scoring.reliability import (
    MIN_DF,
    MIN_EFFECTIVE_SIZE,
    NARROW_WIDTH,
    RELATIVE_WIDTH,
    REVIEW_CV,
    SUPPRESS_CV,
    WIDE_WIDTH,
    cv_reliability,
    effective_sizes,
    korn_graubard_widths,
    proportion_reliability,
)
from scoring.sufficient import Spread

LAOCAI_DEMO = Path(__file__).parents[1] / "fixtures" / "reference" / "laocai_demo"

T = np.array([2.0])


def _demo_columns() -> dict[str, np.ndarray]:
    with open(LAOCAI_DEMO / "households.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


DEMO = _demo_columns()


def _demo_estimate(level: float) -> list:
    design = Design(DEMO["weight"].astype(float), DEMO["stratum"], DEMO["psu"])
    y = Estimand.proportion(DEMO["fiber_subscribed"].astype(float))
    return estimate(design, y, DEMO["district"], ci="beta", level=level)


def test_reliability_is_judged_on_the_95_percent_korn_graubard_width_whatever_the_level() -> None:
    at_50, at_95 = _demo_estimate(0.5), _demo_estimate(0.95)
    assert [(r.reliability, r.reliability_reasons) for r in at_50] == [
        (r.reliability, r.reliability_reasons) for r in at_95
    ]
    # the rule matters here: these 50 % intervals are narrower than the suppressing width
    wide = [i for i, r in enumerate(at_95) if "ci_width" in r.reliability_reasons]
    assert wide
    assert all(at_50[i].ci_high - at_50[i].ci_low < WIDE_WIDTH for i in wide)


def test_the_width_fed_to_the_rules_is_the_95_percent_korn_graubard_width() -> None:
    (result,) = estimate(
        Design(DEMO["weight"].astype(float), DEMO["stratum"], DEMO["psu"]),
        Estimand.proportion(DEMO["fiber_subscribed"].astype(float)),
        ci="beta",
        level=0.95,
    )
    width = korn_graubard_widths(
        np.array([result.estimate]),
        np.array([result.n_eff]),
        np.array([result.df]),
        np.array([result.n]),
    )[0]
    assert width == pytest.approx(result.ci_high - result.ci_low, rel=1e-12)


def test_asin_upper_bound_is_clamped_at_half_pi_so_it_reaches_one() -> None:
    low, high = asin_interval(np.array([0.95]), np.array([0.2]), T)
    assert high[0] == 1.0  # R's sin² of an angle beyond π/2 folds back below 1
    assert 0.0 < low[0] < 0.95


def test_a_proportion_of_one_is_shown_with_the_boundary_flag() -> None:
    design = Design(np.ones(40), strata=np.repeat(["a", "b"], 20), psu=np.arange(40) % 10)
    (result,) = estimate(design, Estimand.proportion(np.ones(40)))
    assert result.estimate == 1.0
    assert "boundary" in result.reliability_reasons


def test_a_mean_at_zero_df_has_no_interval() -> None:
    design = Design(np.ones(4), strata=np.zeros(4), psu=np.zeros(4))
    (result,) = estimate(design, Estimand.mean([1.0, 2.0, 3.0, 5.0]))
    assert result.df == 0
    assert (result.ci_low, result.ci_high) == (None, None)


def test_a_census_stratum_counts_as_having_a_variance_under_average() -> None:
    # a: two PSUs; b: one PSU, a census (N = 1); c: one lonely PSU out of N = 5
    strata = np.array(["a", "a", "a", "a", "b", "b", "c", "c"])
    psu = np.array([1, 1, 2, 2, 1, 1, 1, 1])
    fpc = np.array([9, 9, 9, 9, 1, 1, 5, 5], dtype=float)
    w = np.array([1.0, 2.0, 1.5, 1.0, 2.0, 1.0, 3.0, 1.0])
    y = Estimand.mean([1.0, 4.0, 2.0, 7.0, 3.0, 5.0, 2.0, 6.0])
    (average,) = estimate(Design(w, strata, psu, fpc, lonely_psu="average"), y)
    (remove,) = estimate(Design(w, strata, psu, fpc, lonely_psu="remove"), y)
    # three strata hold the domain, two of them (a and the census b) have a variance
    assert average.se**2 == pytest.approx(remove.se**2 * 3 / 2, rel=1e-12)


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_fpc_of_zero_or_less_is_refused(bad: float) -> None:
    with pytest.raises(ScoringError, match="fpc must be finite and > 0"):
        PopulationCorrection.from_values(np.array([bad, 4.0]))


def test_fpc_counts_between_one_and_two_are_population_counts_not_fractions() -> None:
    correction = PopulationCorrection.from_values(np.array([1.5, 2.0]))
    assert not correction.is_fraction
    factor = fpc_factor(correction, np.array([1, 2]), np.array(["a", "b"]))
    assert factor == pytest.approx([1 - 1 / 1.5, 0.0])


def test_a_domain_sorting_last_with_every_value_missing_is_left_out() -> None:
    domain = np.array(["a", "a", "b", "b", "z", "z"])
    y = np.array([1.0, 0.0, 1.0, 1.0, np.nan, np.nan])
    design = Design(np.ones(6), strata=np.zeros(6), psu=np.arange(6))
    results = estimate(design, Estimand.proportion(y), domain)
    assert [r.domain for r in results] == ["a", "b"]


def test_under_average_a_last_domain_with_every_value_missing_leaves_the_others_variance() -> None:
    domain = np.array(["a", "a", "a", "b", "b", "b", "z", "z"])
    y = Estimand.mean([1.0, 4.0, 2.0, 3.0, 7.0, 5.0, np.nan, np.nan])
    strata = np.array(["s", "s", "t", "t", "t", "u", "u", "u"])
    psu = np.arange(8)
    w = np.array([1.0, 2.0, 1.5, 1.0, 2.0, 1.0, 3.0, 1.0])
    average = estimate(Design(w, strata, psu, lonely_psu="average"), y, domain)
    remove = estimate(Design(w, strata, psu, lonely_psu="remove"), y, domain)
    # no stratum is lonely, so averaging over strata changes nothing
    assert [r.domain for r in average] == ["a", "b"]
    assert [r.se for r in average] == pytest.approx([r.se for r in remove], rel=1e-12)


def test_a_last_stratum_with_no_unit_yet_leaves_the_fpc_of_the_others() -> None:
    visited = {
        "stratum": ["a", "a", "b", "b"],
        "psu": ["1", "2", "1", "2"],
        "domain": [None] * 4,
        "n": [2, 2, 2, 2],
        "sw": [2.0, 3.0, 4.0, 5.0],
        "swy": [1.0, 2.0, 1.0, 4.0],
        "swyy": [1.0, 2.0, 1.0, 4.0],
    }
    # stratum c's PSU is stored before any of its units arrived (rows = 0): not in the design
    waiting = {key: [*values, 0] for key, values in visited.items()}
    waiting |= {"stratum": [*visited["stratum"], "c"], "psu": [*visited["psu"], "1"]}
    waiting["domain"] = [None] * 5
    fpc = {"a": 10, "b": 8, "c": 5}
    (with_c,) = estimate_from_totals(PsuTotals(**waiting), "proportion", fpc=fpc)
    (without_c,) = estimate_from_totals(PsuTotals(**visited), "proportion", fpc=fpc)
    assert (with_c.estimate, with_c.se) == pytest.approx(
        (without_c.estimate, without_c.se), rel=1e-12
    )


def test_the_srs_variance_of_a_two_row_domain_is_n_over_n_minus_1_times_the_spread() -> None:
    domain = np.array(["x", "x", "y", "y", "y", "y"])
    w = np.array([1.0, 3.0, 1.0, 2.0, 1.0, 1.0])
    y = np.array([2.0, 6.0, 1.0, 1.0, 4.0, 2.0])
    design = Design(w, strata=np.zeros(6), psu=np.arange(6))
    x, _ = estimate(design, Estimand.mean(y), domain)
    mean = (1 * 2 + 3 * 6) / 4
    s2 = 2 / (2 - 1) * (1 * (2 - mean) ** 2 + 3 * (6 - mean) ** 2) / 4
    assert x.deff == pytest.approx(x.se**2 / (s2 / 2), rel=1e-12)


def test_the_design_effect_is_exact_for_a_large_mean_next_to_a_small_spread() -> None:
    rng = np.random.default_rng(3)
    y = 1e7 + rng.normal(0, 1, 60)
    w = rng.uniform(1, 5, 60)
    design = Design(w, strata=np.repeat(["a", "b"], 30), psu=np.arange(60) % 6)
    (big,) = estimate(design, Estimand.mean(y))
    (small,) = estimate(design, Estimand.mean(y - 1e7))
    assert big.deff == pytest.approx(small.deff, rel=1e-9)


def test_ratio_residual_squares_use_the_cross_products() -> None:
    spread = Spread(np.array([2.0]), np.array([1.0]), np.array([3.0]))
    sums = (np.array([1.0]), np.array([2.0]), np.array([4.0]))
    squares = residual_squares(Kind.RATIO, np.array([0.5]), sums, spread, np.array([0]), 1)
    assert squares[0] == pytest.approx(2 - 2 * 0.5 * 1 + 0.25 * 3)


def test_a_total_design_effect_scales_the_srs_variance_by_the_squared_weight_sum() -> None:
    deff = design_effect(
        Kind.TOTAL, np.array([8.0]), np.array([3.0]), np.array([2.0]), None, np.array([4.0])
    )
    s2 = 3 / 2 * 4 / 2
    assert deff[0] == pytest.approx(8 / (s2 * 2**2 / 3))


def verdict(p: float, n_eff: float = 500.0, width: float = 0.04, df: int = 30) -> tuple:
    a = proportion_reliability(p, n_eff, width, df)
    return a.status.value, a.reasons


def test_an_effective_size_of_exactly_30_is_enough() -> None:
    assert verdict(0.5, n_eff=MIN_EFFECTIVE_SIZE) == ("ok", ())
    assert verdict(0.5, n_eff=math.nextafter(MIN_EFFECTIVE_SIZE, 0)) == ("suppress", ("n_eff",))


def test_a_width_of_exactly_0_05_is_narrow() -> None:
    assert verdict(0.02, width=NARROW_WIDTH) == ("ok", ())  # relative width 2.5 not looked at
    assert verdict(0.02, width=math.nextafter(NARROW_WIDTH, 1))[0] == "suppress"


def test_a_width_of_exactly_0_30_suppresses() -> None:
    assert verdict(0.5, width=WIDE_WIDTH) == ("suppress", ("ci_width",))
    assert verdict(0.5, width=math.nextafter(WIDE_WIDTH, 0)) == ("ok", ())


def test_a_relative_width_of_exactly_1_30_is_shown() -> None:
    p = 0.2
    width = RELATIVE_WIDTH * p
    assert width / p == RELATIVE_WIDTH
    assert verdict(p, width=width) == ("ok", ())
    assert verdict(p, width=math.nextafter(width, 1)) == ("suppress", ("relative_width",))


def test_a_complement_relative_width_of_exactly_1_30_is_not_flagged() -> None:
    q = 0.125
    width = RELATIVE_WIDTH * q
    assert width / (1 - (1 - q)) == RELATIVE_WIDTH
    assert verdict(1 - q, width=width) == ("ok", ())
    assert verdict(1 - q, width=math.nextafter(width, 1)) == ("review", ("complement_width",))


def test_df_of_exactly_8_is_not_flagged() -> None:
    assert verdict(0.5, df=MIN_DF) == ("ok", ())
    assert verdict(0.5, df=MIN_DF - 1) == ("review", ("df",))
    assert cv_reliability(0.1, 1.0, MIN_DF).reasons == ()
    assert cv_reliability(0.1, 1.0, MIN_DF - 1).reasons == ("df",)


def test_a_cv_of_exactly_0_30_is_shown_for_review_not_suppressed() -> None:
    assert cv_reliability(SUPPRESS_CV, 1.0, 30).status.value == "review"
    assert cv_reliability(math.nextafter(SUPPRESS_CV, 1), 1.0, 30).status.value == "suppress"


def test_a_cv_of_exactly_0_20_is_ok() -> None:
    assert cv_reliability(REVIEW_CV, 1.0, 30).status.value == "ok"
    assert cv_reliability(math.nextafter(REVIEW_CV, 1), 1.0, 30).reasons == ("cv",)


@pytest.mark.parametrize(
    ("count", "size"),
    [([1.0, np.nan], [2.0, 2.0]), ([1.0, 1.0], [2.0, np.nan])],
    ids=["count missing", "size missing"],
)
def test_a_member_count_or_size_alone_missing_is_refused(count: list, size: list) -> None:
    with pytest.raises(ScoringError, match="must not be missing"):
        Estimand.member_proportion(count, size)


@pytest.mark.parametrize(
    ("count", "size"),
    [([-1.0, 1.0], [2.0, 2.0]), ([0.5, 1.0], [2.0, 2.0]), ([1.0, 1.0], [2.5, 2.0])],
    ids=["negative count", "fractional count", "fractional size"],
)
def test_member_counts_and_sizes_must_be_whole_numbers_of_at_least_zero(
    count: list, size: list
) -> None:
    with pytest.raises(ScoringError, match="whole numbers"):
        Estimand.member_proportion(count, size)


def test_the_nchs_width_at_one_df_is_the_interval_not_the_df_0_limit() -> None:
    p, n_eff, n = np.array([0.5]), np.array([100.0]), np.array([200.0])
    width = korn_graubard_widths(p, n_eff, np.array([1]), n)[0]
    low, high = korn_graubard_interval(p, n_eff, np.array([1]), n, 0.95)
    assert width == pytest.approx(high[0] - low[0])
    assert width < 1.0


def test_an_unknown_standard_error_gives_an_unknown_effective_size() -> None:
    sizes = effective_sizes(np.array([0.3, 0.0]), np.array([np.nan, np.nan]), np.array([50, 50]))
    assert np.isnan(sizes).all()


def test_korn_graubard_without_an_effective_size_has_no_interval_even_at_the_boundary() -> None:
    low, high = korn_graubard_interval(
        np.array([0.0, 1.0]), np.array([np.nan] * 2), np.array([5] * 2), np.array([20] * 2), 0.95
    )
    assert np.isnan(low).all() and np.isnan(high).all()


def test_a_second_stage_without_its_fpc_is_refused_with_what_to_give() -> None:
    design = Design(np.ones(4), strata=np.zeros(4), psu=np.array([1, 1, 2, 2]))
    with pytest.raises(
        ScoringError,
        match=r"^a second stage needs its fpc \(M_j SSUs in the PSU, or a fraction\)$",
    ):
        estimate(design, Estimand.mean([1.0, 2.0, 3.0, 5.0]), ssu=np.array([1, 2, 1, 2]))


def test_the_cv_is_the_standard_error_over_the_absolute_estimate() -> None:
    design = Design(DEMO["weight"].astype(float), DEMO["stratum"], DEMO["psu"])
    for result in estimate(
        design, Estimand.mean(DEMO["smartphones"].astype(float)), DEMO["district"]
    ):
        assert result.cv == pytest.approx(result.se / abs(result.estimate), rel=1e-12)


def test_a_proportion_reports_the_level_of_its_interval() -> None:
    assert {result.level for result in _demo_estimate(0.9)} == {0.9}


def test_a_mean_reports_the_level_of_its_interval() -> None:
    design = Design(DEMO["weight"].astype(float), DEMO["stratum"], DEMO["psu"])
    (mean,) = estimate(design, Estimand.mean(DEMO["smartphones"].astype(float)), level=0.9)
    assert mean.level == 0.9


def test_a_variable_with_every_value_missing_is_refused() -> None:
    design = Design(np.ones(4), strata=np.zeros(4), psu=np.arange(4))
    with pytest.raises(ScoringError, match=r"^no rows with a value: every domain is empty$"):
        estimate(design, Estimand.mean([np.nan] * 4))


def test_a_mean_is_held_back_above_the_suppress_cv_and_flagged_above_the_review_cv() -> None:
    design = Design(DEMO["weight"].astype(float), DEMO["stratum"], DEMO["psu"])
    y = Estimand.mean(DEMO["fiber_subscribed"].astype(float))
    by_stratum = {r.domain: r for r in estimate(design, y, DEMO["stratum"])}
    held_back, flagged = by_stratum["082-R"], by_stratum["084-R"]
    assert held_back.cv > SUPPRESS_CV
    assert (held_back.reliability, held_back.reliability_reasons) == ("suppress", ("cv",))
    assert REVIEW_CV < flagged.cv <= SUPPRESS_CV
    assert (flagged.reliability, flagged.reliability_reasons) == ("review", ("cv", "df"))


def _mean_squares(sw: list[float], mean: float, syy: list[float]) -> float:
    """``Σw(y − ȳ)²`` of one domain whose cells all have the mean ``mean``."""
    weights = np.array(sw)
    zeros = np.zeros(len(sw))
    spread = Spread(np.array(syy), zeros, zeros)
    sums = (weights, weights * mean, zeros)
    cells = np.zeros(len(sw), dtype=np.int64)
    return float(residual_squares(Kind.MEAN, np.array([mean]), sums, spread, cells, 1)[0])


def test_a_cell_of_weight_zero_adds_nothing_to_the_residual_squares() -> None:
    with_empty = _mean_squares([2.0, 0.0, 3.0], 4.0, [1.5, 0.0, 2.5])
    assert with_empty == _mean_squares([2.0, 3.0], 4.0, [1.5, 2.5])


def test_a_spread_far_below_a_large_mean_is_no_rounding_noise_whatever_the_weights() -> None:
    # Σw(y − ȳ)² = 1e-5 next to Σwȳ² = 3e17: 3e-23 of it, above the 1e-24 of rounding noise
    assert _mean_squares([1e3, 2e3], 1e7, [1e-5, 0.0]) == pytest.approx(1e-5, rel=1e-12)


def test_rounding_noise_next_to_a_large_mean_is_no_spread_even_with_weights_below_one() -> None:
    # 1e-15 next to Σwȳ² = 1.25e14: 8e-30 of it, rounding noise (a constant y)
    assert _mean_squares([0.5, 0.75], 1e7, [1e-15, 0.0]) == 0.0


def test_a_compiled_module_loads_without_running_its_package_and_leaves_no_stand_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "probe_package"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('the package ran')\n")
    (package / "compiled.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        loaded = special._without_package("probe_package", "compiled")
        assert (loaded.__name__, loaded.VALUE) == ("probe_package.compiled", 42)
        assert "probe_package" not in sys.modules
    finally:
        sys.modules.pop("probe_package.compiled", None)


def test_a_package_that_cannot_be_found_is_an_import_error() -> None:
    with pytest.raises(ImportError, match=r"^no_such_package_here$"):
        special._without_package("no_such_package_here", "compiled")


def test_once_scipy_special_is_imported_its_functions_come_from_it_unchanged() -> None:
    imported = sys.modules["scipy.special"]
    assert special._compiled_functions() is imported
    assert sys.modules["scipy.special"] is imported


def test_the_engine_loads_scipy_specials_functions_without_importing_the_package() -> None:
    special._compiled_functions()  # maps this test to the loader for mutation testing
    probe = (
        "import sys, scoring.special as s\n"
        "assert 'scipy.special' not in sys.modules, 'scipy.special imported'\n"
        "import scipy.special as full\n"
        "assert (s.ndtri, s.stdtrit, s.betaincinv) == (full.ndtri, full.stdtrit, full.betaincinv)\n"
        "print('ok')\n"
    )
    root = Path(__file__).parents[2]
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.stdout == "ok\n", done.stderr
