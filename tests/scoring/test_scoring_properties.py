"""Properties every estimate must have, on random designs (hypothesis)."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import Design, Estimand, PsuTotals, Result, estimate, estimate_from_totals

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COMPARED = ("estimate", "se", "ci_low", "ci_high", "df", "deff", "n", "n_eff", "population", "cv")


@st.composite
def designs(draw: st.DrawFn, binary: bool = True) -> dict:
    """A stratified cluster sample: 1-4 strata of 2-5 PSUs, 1-6 rows per PSU, 1-3 domains."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_strata = draw(st.integers(1, 4))
    psus = rng.integers(2, 6, size=n_strata)
    stratum = np.repeat(np.arange(n_strata), psus)
    rows = rng.integers(1, 7, size=stratum.shape[0])
    row_stratum = np.repeat(stratum, rows)
    row_psu = np.repeat(np.arange(stratum.shape[0]) % 3, rows)
    n = row_stratum.shape[0]
    y = rng.integers(0, 2, n).astype(float) if binary else rng.normal(50, 10, n).round(2)
    return {
        "weights": rng.uniform(0.5, 20, n),
        "strata": np.array([f"s{h}" for h in row_stratum]),
        "psu": np.array([f"p{j}" for j in row_psu]),
        "y": y,
        "domain": np.array(["a", "b", "c"])[rng.integers(0, draw(st.integers(1, 3)), n)],
        "size": rng.integers(0, 5, n).astype(float),
        "rng": rng,
    }


def _same(
    a: list[Result], b: list[Result], fields: tuple[str, ...] = COMPARED, domains: bool = True
) -> None:
    assert len(a) == len(b)
    if domains:
        assert [r.domain for r in a] == [r.domain for r in b]
    for x, y in zip(a, b, strict=True):
        for field in fields:
            u, v = getattr(x, field), getattr(y, field)
            assert (u is None and v is None) or math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-12), (
                field
            )


@FAST
@given(designs(), st.floats(0.01, 1000), st.sampled_from(["logit", "beta", "asin", "wald"]))
def test_scaling_all_weights_leaves_proportions_and_their_intervals_unchanged(d, c, ci) -> None:
    est = Estimand.proportion(d["y"])
    base = estimate(Design(d["weights"], d["strata"], d["psu"]), est, d["domain"], ci=ci)
    scaled = estimate(Design(d["weights"] * c, d["strata"], d["psu"]), est, d["domain"], ci=ci)
    _same(base, scaled, ("estimate", "se", "ci_low", "ci_high", "df", "deff", "n"))


@FAST
@given(designs(binary=False), st.floats(0.01, 1000))
def test_scaling_all_weights_leaves_means_and_their_intervals_unchanged(d, c) -> None:
    est = Estimand.mean(d["y"])
    base = estimate(Design(d["weights"], d["strata"], d["psu"]), est, d["domain"])
    scaled = estimate(Design(d["weights"] * c, d["strata"], d["psu"]), est, d["domain"])
    _same(base, scaled, ("estimate", "se", "ci_low", "ci_high", "df", "deff", "n"))


@FAST
@given(st.lists(st.floats(-100, 100), min_size=2, max_size=80), st.booleans())
def test_simple_random_sample_equals_the_textbook_formula(values, with_fpc) -> None:
    y = np.array(values).round(3)
    n = y.shape[0]
    population = 3 * n
    fpc = np.full(n, float(population)) if with_fpc else None
    (result,) = estimate(Design(np.full(n, population / n), fpc=fpc), Estimand.mean(y))
    finite = 1 - n / population if with_fpc else 1.0
    textbook_se = math.sqrt(finite * np.var(y, ddof=1) / n)
    assert math.isclose(result.estimate, y.mean(), rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(result.se, textbook_se, rel_tol=1e-9, abs_tol=1e-9)
    assert result.df == n - 1


@FAST
@given(designs(binary=False))
def test_a_domain_covering_everything_equals_the_overall_estimate(d) -> None:
    design = Design(d["weights"], d["strata"], d["psu"])
    overall = estimate(design, Estimand.mean(d["y"]))
    everything = estimate(design, Estimand.mean(d["y"]), domain=np.full(d["y"].shape[0], "all"))
    assert [r.domain for r in everything] == ["all"]
    _same(overall, everything, domains=False)


def _naive_psu_totals(d: dict, y: np.ndarray, x: np.ndarray, n_per_row: np.ndarray) -> PsuTotals:
    """Cell sums with a dict: an implementation independent of the library's bincount."""
    cells: dict[tuple, np.ndarray] = defaultdict(lambda: np.zeros(7))
    for i, w in enumerate(d["weights"]):
        key = (d["strata"][i], d["psu"][i], d["domain"][i])
        cells[key] += (
            n_per_row[i],
            w,
            w * y[i],
            w * x[i],
            w * y[i] ** 2,
            w * x[i] * y[i],
            w * x[i] ** 2,
        )
    keys = list(cells)
    sums = np.array([cells[k] for k in keys])
    return PsuTotals(
        stratum=[k[0] for k in keys],
        psu=[k[1] for k in keys],
        domain=[k[2] for k in keys],
        n=sums[:, 0],
        sw=sums[:, 1],
        swy=sums[:, 2],
        swx=sums[:, 3],
        swyy=sums[:, 4],
        swxy=sums[:, 5],
        swxx=sums[:, 6],
    )


@FAST
@given(
    designs(), st.sampled_from(["adjust", "average", "remove"]), st.sampled_from(["logit", "beta"])
)
def test_sufficient_statistics_path_equals_raw_rows_for_proportions(d, policy, ci) -> None:
    design = Design(d["weights"], d["strata"], d["psu"], lonely_psu=policy)
    raw = estimate(design, Estimand.proportion(d["y"]), d["domain"], ci=ci)
    assert [r.domain for r in raw] == sorted(set(d["domain"]))
    totals = _naive_psu_totals(d, d["y"], np.zeros_like(d["y"]), np.ones_like(d["y"]))
    _same(raw, estimate_from_totals(totals, "proportion", lonely_psu=policy, ci=ci))


@FAST
@given(designs(binary=False), st.sampled_from(["mean", "total", "ratio"]))
def test_sufficient_statistics_path_equals_raw_rows_for_means_totals_ratios(d, kind) -> None:
    x = d["rng"].uniform(1, 5, d["y"].shape[0])
    est = Estimand.ratio(d["y"], x) if kind == "ratio" else getattr(Estimand, kind)(d["y"])
    raw = estimate(Design(d["weights"], d["strata"], d["psu"]), est, d["domain"])
    totals = _naive_psu_totals(d, d["y"], x, np.ones_like(x))
    _same(raw, estimate_from_totals(totals, kind))


@FAST
@given(
    designs(),
    st.sampled_from(["adjust", "average", "certainty"]),
    st.sampled_from(["logit", "beta", "asin"]),
)
def test_member_proportion_equals_proportion_on_the_member_expanded_rows(d, policy, ci) -> None:
    size = d["size"]
    count = np.floor(size * d["rng"].uniform(0, 1, size.shape[0]))
    if size.sum() == 0:
        size[0] = 1.0
    households = Design(d["weights"], d["strata"], d["psu"], lonely_psu=policy)
    member = estimate(households, Estimand.member_proportion(count, size), d["domain"], ci=ci)
    rows = np.repeat(np.arange(size.shape[0]), size.astype(int))
    first = np.repeat(np.cumsum(size) - size, size.astype(int))
    has_trait = (np.arange(rows.shape[0]) - first < count[rows]).astype(float)
    persons = Design(d["weights"][rows], d["strata"][rows], d["psu"][rows], lonely_psu=policy)
    _same(member, estimate(persons, Estimand.proportion(has_trait), d["domain"][rows], ci=ci))


@FAST
@given(designs())
def test_member_proportion_totals_path_equals_raw_rows(d) -> None:
    size = d["size"]
    size[0] = max(size[0], 1.0)
    count = np.floor(size / 2)
    raw = estimate(
        Design(d["weights"], d["strata"], d["psu"]),
        Estimand.member_proportion(count, size),
        d["domain"],
    )
    totals = _naive_psu_totals(d, count, size, size)
    totals = PsuTotals(**{**totals.__dict__, "swyy": totals.swy})
    _same(raw, estimate_from_totals(totals, "member_proportion"))
