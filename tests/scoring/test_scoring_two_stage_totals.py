"""A second stage from stored cell sums (each unit its own SSU) equals R's two-stage design
(``svydesign(ids = ~psu + unit, fpc = ~psu_prob + unit_prob)``, tests/fixtures/two_stage_round)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from scoring import (
    Design,
    Estimand,
    PsuTotals,
    Result,
    SecondStageTotals,
    estimate_from_totals,
)
from scoring.errors import LonelyPsuError, ScoringError
from scoring.estimands import Kind
from scoring.estimation import estimate
from scoring.sufficient import cells_from_totals
from scoring.two_stage_totals import PsuSquares

FIXTURE = Path(__file__).parents[1] / "fixtures" / "two_stage_round"
GOLDEN = json.loads((FIXTURE / "golden.json").read_text())
with (FIXTURE / "units.csv").open(encoding="utf-8") as handle:
    UNITS = list(csv.DictReader(handle))

# unit → (y, x) of each estimand; the person-level rate's n counts persons (x)
VALUES: dict[str, Callable[[dict[str, str]], tuple[float, float]]] = {
    "fiber_available": lambda u: (float(u["fiber_available"]), 1.0),
    "smartphones_mean": lambda u: (float(u["smartphones"]), 1.0),
    "epay_account": lambda u: (float(u["members_15plus_with_epay"]), float(u["members_15plus"])),
}
KINDS = {
    "fiber_available": "proportion",
    "smartphones_mean": "mean",
    "epay_account": "member_proportion",
}
FIRST_STAGE = {
    (u["psu"] if float(u["psu_prob"]) == 1 else u["stratum"]): float(u["psu_prob"]) for u in UNITS
}


def cell_totals(
    estimand: str, by: str | None, units: list[dict[str, str]] = UNITS
) -> tuple[PsuTotals, SecondStageTotals]:
    """The units summed into stratum × PSU × domain cells, as the service stores them."""
    sums: dict[tuple[str, str, str | None], list[float]] = defaultdict(lambda: [0.0] * 9)
    fraction: dict[tuple[str, str, str | None], float] = {}
    for unit in units:
        psu_prob, unit_prob = float(unit["psu_prob"]), float(unit["unit_prob"])
        w = 1.0 / (psu_prob * unit_prob)
        stratum = unit["psu"] if psu_prob == 1 else unit["stratum"]
        key = (stratum, unit["psu"], None if by is None else unit[by])
        y, x = VALUES[estimand](unit)
        persons = x if KINDS[estimand] == "member_proportion" else 1.0
        added = (
            persons,
            w,
            w * y,
            w * x,
            w * y * y,
            1.0,
            w * w * y * y,
            w * w * x * y,
            w * w * x * x,
        )
        sums[key] = [a + b for a, b in zip(sums[key], added, strict=True)]
        fraction[key] = unit_prob
    keys = sorted(sums, key=lambda k: (k[0], k[1], k[2] or ""))
    column = [[sums[k][i] for k in keys] for i in range(9)]
    totals = PsuTotals(
        stratum=[k[0] for k in keys],
        psu=[k[1] for k in keys],
        domain=[k[2] for k in keys],
        n=column[0],
        sw=column[1],
        swy=column[2],
        swx=column[3],
        swyy=column[4],
    )
    second = SecondStageTotals(
        units=column[5],
        swwyy=column[6],
        swwxy=column[7],
        swwxx=column[8],
        fraction=[fraction[k] for k in keys],
    )
    return totals, second


def two_stage(estimand: str, by: str | None, lonely_psu: str = "adjust") -> list[Result]:
    totals, second = cell_totals(estimand, by)
    return estimate_from_totals(
        totals, KINDS[estimand], fpc=FIRST_STAGE, lonely_psu=lonely_psu, second_stage=second
    )


def assert_equal_to_r(results: list[Result], expected: list[dict]) -> None:
    assert len(results) == len(expected)
    for ours, r in zip(results, expected, strict=True):
        assert ours.domain == r["domain"]
        assert ours.estimate == pytest.approx(r["estimate"], rel=1e-9)
        assert ours.se == pytest.approx(r["se"], rel=1e-6)
        assert ours.df == r["df"]


@pytest.mark.parametrize("estimand", ["fiber_available", "smartphones_mean", "epay_account"])
def test_the_province_equals_r(estimand: str) -> None:
    [province, *_] = GOLDEN["adjust"][estimand]["district"]
    assert_equal_to_r(two_stage(estimand, None), [province])


@pytest.mark.parametrize("estimand", ["fiber_available", "smartphones_mean", "epay_account"])
@pytest.mark.parametrize("by", ["district", "area"])
def test_domains_equal_r(estimand: str, by: str) -> None:
    _, *domains = GOLDEN["adjust"][estimand][by]
    assert_equal_to_r(two_stage(estimand, by), domains)


@pytest.mark.parametrize("estimand", ["fiber_available", "smartphones_mean", "epay_account"])
def test_a_lonely_ssu_under_remove_equals_r(estimand: str) -> None:
    assert_equal_to_r(two_stage(estimand, "district"), GOLDEN["adjust"][estimand]["district"][1:])
    assert_equal_to_r(
        two_stage(estimand, "district", "remove"), GOLDEN["remove"][estimand]["district"][1:]
    )


def test_a_lonely_ssu_under_fail_is_refused_naming_its_stratum() -> None:
    with pytest.raises(
        LonelyPsuError, match=r"^a PSU of stratum 080-U has only one SSU at stage 2$"
    ):
        two_stage("fiber_available", None, "fail")


def test_a_lonely_ssu_under_average_has_no_se() -> None:
    [province] = two_stage("fiber_available", None, "average")
    assert province.se is None


def test_a_census_psu_adds_nothing_at_stage_two() -> None:
    census = [u for u in UNITS if u["psu"] == "082001"]
    assert {u["unit_prob"] for u in census} == {"1.0"}
    totals, second = cell_totals("fiber_available", None, census)
    [alone] = estimate_from_totals(
        totals, "proportion", fpc={"082-R": 0.6}, lonely_psu="remove", second_stage=second
    )
    assert alone.se == 0.0


def test_a_second_stage_needs_the_first_stage_fpc() -> None:
    totals, second = cell_totals("fiber_available", None)
    with pytest.raises(ScoringError, match="needs the first stage's fpc"):
        estimate_from_totals(totals, "proportion", second_stage=second)


def test_a_psu_with_two_second_stage_fractions_is_refused() -> None:
    totals, second = cell_totals("fiber_available", "assignment_id")  # a cell per unit
    fractions = list(second.fraction)
    fractions[0] = fractions[0] / 2  # the first unit of PSU 080001
    uneven = SecondStageTotals(second.units, second.swwyy, second.swwxy, second.swwxx, fractions)
    with pytest.raises(ScoringError, match="share one second-stage sampling fraction"):
        estimate_from_totals(totals, "proportion", fpc=FIRST_STAGE, second_stage=uneven)


def _from_rows(units: list[dict[str, str]], estimand: Estimand) -> list[Result]:
    """The same design estimated from its rows (scoring.two_stage), each unit its own SSU."""
    first = [float(u["psu_prob"]) for u in units]
    design = Design(
        [1.0 / (p * float(u["unit_prob"])) for p, u in zip(first, units, strict=True)],
        strata=[u["psu"] if float(u["psu_prob"]) == 1 else u["stratum"] for u in units],
        psu=[u["psu"] for u in units],
        fpc=first,
    )
    ssu = [u["assignment_id"] for u in units]
    return estimate(design, estimand, ssu=ssu, ssu_fpc=[float(u["unit_prob"]) for u in units])


def _column(units: list[dict[str, str]], name: str) -> np.ndarray:
    return np.array([float(u[name]) for u in units])


def test_a_psu_with_two_ssus_has_the_usual_second_stage_term_as_its_rows_have() -> None:
    first_psu = [u for u in UNITS if u["psu"] == "080001"]
    units = [u for u in UNITS if u["psu"] != "080001"] + first_psu[:2]
    totals, second = cell_totals("fiber_available", None, units)
    [ours] = estimate_from_totals(totals, "proportion", fpc=FIRST_STAGE, second_stage=second)
    [rows] = _from_rows(units, Estimand.proportion(_column(units, "fiber_available")))
    assert ours.se == pytest.approx(rows.se, rel=1e-9)


def test_a_total_over_two_stages_equals_its_rows_estimate() -> None:
    totals, second = cell_totals("smartphones_mean", None)
    [ours] = estimate_from_totals(totals, "total", fpc=FIRST_STAGE, second_stage=second)
    [rows] = _from_rows(UNITS, Estimand.total(_column(UNITS, "smartphones")))
    assert ours.se == pytest.approx(rows.se, rel=1e-9)


def test_a_census_psu_with_one_ssu_adds_nothing_at_stage_two_under_average() -> None:
    # PSU 080004 has one SSU; here it is the PSU's only unit (m_j = M_j = 1)
    units = [{**u, "unit_prob": "1.0"} if u["psu"] == "080004" else u for u in UNITS]
    totals, second = cell_totals("fiber_available", None, units)
    [ours] = estimate_from_totals(
        totals, "proportion", fpc=FIRST_STAGE, lonely_psu="average", second_stage=second
    )
    assert ours.se is not None
    [rows] = _from_rows(units, Estimand.proportion(_column(units, "fiber_available")))
    assert ours.se == pytest.approx(rows.se, rel=1e-9)


def test_a_domain_sorting_last_without_any_value_is_left_out_at_stage_two() -> None:
    totals, second = cell_totals("fiber_available", "district")
    # one more unit in the first PSU, in district 999, without a value
    first = {name: getattr(totals, name)[0] for name in ("stratum", "psu")}
    extended = replace(
        totals,
        stratum=[*totals.stratum, first["stratum"]],
        psu=[*totals.psu, first["psu"]],
        domain=[*totals.domain, "999"],
        **{name: [*getattr(totals, name), 0.0] for name in ("n", "sw", "swy", "swx", "swyy")},
        rows=[*totals.n, 1],
    )
    one_more = SecondStageTotals(
        [*second.units, 1.0],
        [*second.swwyy, 0.0],
        [*second.swwxy, 0.0],
        [*second.swwxx, 0.0],
        [*second.fraction, second.fraction[0]],
    )
    results = estimate_from_totals(extended, "proportion", fpc=FIRST_STAGE, second_stage=one_more)
    assert [r.domain for r in results] == ["080", "082", "083", "086"]
    assert all(r.se is not None for r in results)


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (
            lambda s: replace(s, units=s.units[:-1]),
            r"^the second stage needs one entry per cell \(\d+\)$",
        ),
        (
            lambda s: replace(s, fraction=[0.0, *s.fraction[1:]]),
            r"^a second-stage sampling fraction must be in \(0, 1\]$",
        ),
        (
            lambda s: replace(s, fraction=[1.5, *s.fraction[1:]]),
            r"^a second-stage sampling fraction must be in \(0, 1\]$",
        ),
        (lambda s: replace(s, swwxy=["many", *s.swwxy[1:]]), r"^swwxy must be numbers$"),
    ],
)
def test_each_malformed_second_stage_is_refused_saying_what_is_wrong(
    second: Callable[[SecondStageTotals], SecondStageTotals], message: str
) -> None:
    totals, stored = cell_totals("fiber_available", None)
    with pytest.raises(ScoringError, match=message):
        estimate_from_totals(totals, "proportion", fpc=FIRST_STAGE, second_stage=second(stored))


def test_the_refusal_of_two_fractions_in_a_psu_names_the_rule() -> None:
    totals, second = cell_totals("fiber_available", "assignment_id")
    fractions = [second.fraction[0] / 2, *second.fraction[1:]]
    with pytest.raises(ScoringError) as refused:
        estimate_from_totals(
            totals, "proportion", fpc=FIRST_STAGE, second_stage=replace(second, fraction=fractions)
        )
    assert str(refused.value) == "a PSU's units must share one second-stage sampling fraction"


def test_the_second_stage_needs_cells_that_say_which_entries_they_sum() -> None:
    totals, second = cell_totals("fiber_available", None)
    cells = replace(cells_from_totals(totals, FIRST_STAGE, Kind.PROPORTION), row_cell=None)
    with pytest.raises(ScoringError) as refused:
        PsuSquares.of(cells, second)
    assert str(refused.value) == "the cells do not say which entries they sum"


def test_the_refusal_of_a_lonely_ssu_carries_its_stratum() -> None:
    with pytest.raises(LonelyPsuError) as refused:
        two_stage("fiber_available", None, "fail")
    assert refused.value.stratum == "080-U"
