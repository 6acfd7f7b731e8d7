"""What is estimated (scoring/estimands.py): each kind's estimator, its variables and refusals."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.errors import ScoringError
from scoring.estimands import Estimand, Kind, point_estimates

# Three households of one district: weights, fibre (0/1), members, members with e-payment
W = np.array([120.0, 80.0, 100.0])
FIBRE = np.array([1.0, 0.0, 1.0])
MEMBERS = np.array([4.0, 2.0, 5.0])
EPAY = np.array([1.0, 0.0, 3.0])


@pytest.mark.parametrize(
    ("kind", "is_proportion", "over_denominator"),
    [
        (Kind.MEAN, False, False),
        (Kind.PROPORTION, True, False),
        (Kind.TOTAL, False, False),
        (Kind.RATIO, False, True),
        (Kind.MEMBER_PROPORTION, True, True),
    ],
)
def test_each_kind_says_its_interval_rules_and_denominator(
    kind: Kind, is_proportion: bool, over_denominator: bool
) -> None:
    assert (kind.is_proportion, kind.over_denominator) == (is_proportion, over_denominator)
    assert Kind.parse(kind.value) is kind


def test_an_unknown_kind_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ScoringError) as refused:
        Kind.parse("median")
    assert str(refused.value) == (
        "kind must be one of mean, proportion, total, ratio, member_proportion, not 'median'"
    )


def test_point_estimates_divide_by_the_weight_or_the_denominator_total() -> None:
    sums = (np.array([300.0]), np.array([220.0]), np.array([1100.0]))  # Σw, Σwy, Σwx
    assert point_estimates(Kind.MEAN, *sums).tolist() == [220 / 300]
    assert point_estimates(Kind.PROPORTION, *sums).tolist() == [220 / 300]
    assert point_estimates(Kind.RATIO, *sums).tolist() == [220 / 1100]
    assert point_estimates(Kind.MEMBER_PROPORTION, *sums).tolist() == [220 / 1100]
    total = point_estimates(Kind.TOTAL, *sums)
    assert total.tolist() == [220.0]
    total[0] = 0.0  # a copy: the domain sums are not the estimates
    assert sums[1].tolist() == [220.0]


@pytest.mark.parametrize("kind", [Kind.MEAN, Kind.RATIO])
def test_a_zero_denominator_total_is_refused(kind: Kind) -> None:
    zeros = np.array([0.0, 5.0])
    with pytest.raises(ScoringError) as refused:
        point_estimates(kind, zeros, np.array([1.0, 1.0]), zeros)
    assert str(refused.value) == "the denominator total is zero in a domain"


def test_a_total_needs_no_denominator() -> None:
    zeros = np.zeros(1)
    assert point_estimates(Kind.TOTAL, zeros, np.array([4.0]), zeros).tolist() == [4.0]


def test_missing_values_are_nan_in_either_variable() -> None:
    ratio = Estimand.ratio([1.0, np.nan, 3.0, 4.0], [2.0, 2.0, np.nan, 1.0])
    assert ratio.missing().tolist() == [False, True, True, False]
    assert Estimand.mean([np.nan, 1.0]).missing().tolist() == [True, False]


def test_each_constructor_sets_its_kind_and_variables() -> None:
    assert Estimand.mean(MEMBERS).kind is Kind.MEAN
    assert Estimand.total(MEMBERS).kind is Kind.TOTAL
    proportion = Estimand.proportion(FIBRE)
    assert (proportion.kind, proportion.x) == (Kind.PROPORTION, None)
    member = Estimand.member_proportion(EPAY, MEMBERS)
    assert member.kind is Kind.MEMBER_PROPORTION
    assert (member.y.tolist(), member.x.tolist()) == (EPAY.tolist(), MEMBERS.tolist())


def test_a_proportion_names_the_first_value_that_is_not_0_or_1() -> None:
    with pytest.raises(ScoringError) as refused:
        Estimand.proportion([0.0, 1.0, np.nan, 0.5, 2.0])
    assert str(refused.value) == "a proportion needs a 0/1 variable, got 0.5"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["a", "b"], "y must be numbers"),
        ([[1.0], [2.0]], "y must be a 1-d array"),
        ([1.0, np.inf], "y must be finite (NaN marks a missing value)"),
    ],
)
def test_a_variable_must_be_finite_numbers_one_per_row(values: object, message: str) -> None:
    with pytest.raises(ScoringError) as refused:
        Estimand.mean(values)
    assert str(refused.value) == message


def test_a_ratio_names_its_variables_and_needs_one_entry_each_per_row() -> None:
    with pytest.raises(ScoringError, match=r"^denominator must be numbers$"):
        Estimand.ratio([1.0], ["x"])
    with pytest.raises(ScoringError) as refused:
        Estimand.ratio([1.0, 2.0], [1.0])
    assert str(refused.value) == "both variables must have one entry per row"


@pytest.mark.parametrize(
    ("count", "size", "message"),
    [
        ([1.0, np.nan], [2.0, 2.0], "member counts and sizes must not be missing"),
        ([1.0, 1.0], [2.0, np.nan], "member counts and sizes must not be missing"),
        ([-1.0, 1.0], [2.0, 2.0], "member counts and sizes must be whole numbers ≥ 0"),
        ([0.5, 1.0], [2.0, 2.0], "member counts and sizes must be whole numbers ≥ 0"),
        ([1.0, 1.0], [2.5, 2.0], "member counts and sizes must be whole numbers ≥ 0"),
        ([3.0, 1.0], [2.0, 2.0], "a member count cannot exceed its unit's size"),
        ([1.0], [2.0, 2.0], "both variables must have one entry per row"),
    ],
)
def test_member_counts_are_whole_members_of_their_household(
    count: list[float], size: list[float], message: str
) -> None:
    with pytest.raises(ScoringError) as refused:
        Estimand.member_proportion(count, size)
    assert str(refused.value) == message


def test_a_household_of_its_size_in_members_is_accepted() -> None:
    member = Estimand.member_proportion([2.0, 0.0], [2.0, 0.0])
    assert member.missing().tolist() == [False, False]


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda bad: Estimand.mean(bad), "y"),
        (lambda bad: Estimand.total(bad), "y"),
        (lambda bad: Estimand.proportion(bad), "y"),
        (lambda bad: Estimand.ratio(bad, [1.0]), "numerator"),
        (lambda bad: Estimand.ratio([1.0], bad), "denominator"),
        (lambda bad: Estimand.member_proportion(bad, [1.0]), "count"),
        (lambda bad: Estimand.member_proportion([1.0], bad), "size"),
    ],
)
def test_a_variable_that_is_not_numbers_is_named(build, name: str) -> None:
    with pytest.raises(ScoringError) as refused:
        build(["many"])
    assert str(refused.value) == f"{name} must be numbers"
