"""The finite population correction and the lonely-PSU policies: their factors and refusals."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.errors import LonelyPsuError, ScoringError
from scoring.fpc import PopulationCorrection, fpc_factor
from scoring.lonely_psu import (
    CENSUS_TOLERANCE,
    LonelyPsu,
    average_over_strata,
    check_fail_policy,
    lonely_contribution,
)

STRATA = np.array(["080-U", "080-R", "082-U"], dtype=object)


def test_population_counts_give_one_minus_the_sampling_fraction() -> None:
    correction = PopulationCorrection.from_values(np.array([10, 4, 3]))
    assert correction.is_fraction is False
    assert correction.values.dtype == np.float64
    factor = fpc_factor(correction, np.array([2, 4, 1]), STRATA)
    assert factor.tolist() == pytest.approx([0.8, 0.0, 2 / 3])


def test_fractions_are_the_sampling_fraction_itself() -> None:
    correction = PopulationCorrection.from_values(np.array([0.2, 1.0, 0.5]))
    assert correction.is_fraction is True
    assert fpc_factor(correction, np.array([2, 4, 1]), STRATA).tolist() == [0.8, 0.0, 0.5]


def test_all_counts_of_one_are_a_census_by_fraction() -> None:
    correction = PopulationCorrection.from_values(np.array([1.0, 1.0]))
    assert correction.is_fraction is True
    assert fpc_factor(correction, np.array([1, 1]), STRATA[:2]).tolist() == [0.0, 0.0]


def test_without_an_fpc_every_factor_is_one() -> None:
    assert fpc_factor(None, np.array([2, 3, 0]), STRATA).tolist() == [1.0, 1.0, 1.0]


def test_more_psus_than_the_population_is_refused_naming_the_stratum() -> None:
    correction = PopulationCorrection.from_values(np.array([10.0, 3.0, 3.0]))
    with pytest.raises(ScoringError) as refused:
        fpc_factor(correction, np.array([2, 4, 5]), STRATA)
    assert str(refused.value) == (
        "fpc implies more than 100% sampling: N_h=3 < n_h=4 in stratum 080-R"
    )


def test_a_stratum_without_psus_is_not_checked_against_its_population() -> None:
    correction = PopulationCorrection.from_values(np.array([10.0, 3.0]))
    assert fpc_factor(correction, np.array([2, 0]), STRATA[:2]).tolist() == [0.8, 1.0]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([0.5, np.nan], "fpc must be finite and > 0 (a PSU count N_h or a fraction ≤ 1)"),
        ([0.5, 0.0], "fpc must be finite and > 0 (a PSU count N_h or a fraction ≤ 1)"),
        ([12.0, 0.5], "fpc must be all population counts (≥ 1) or all fractions (≤ 1)"),
    ],
)
def test_bad_fpc_values_are_refused(values: list[float], message: str) -> None:
    with pytest.raises(ScoringError) as refused:
        PopulationCorrection.from_values(np.array(values))
    assert str(refused.value) == message


def test_the_fail_policy_names_the_first_lonely_stratum_the_estimate_touches() -> None:
    n_h, factor = np.array([2, 1, 1]), np.ones(3)
    with pytest.raises(LonelyPsuError) as refused:
        check_fail_policy(LonelyPsu.FAIL, np.array([2, 1, 0]), n_h, factor, STRATA)
    assert str(refused.value) == "stratum 080-R has only one PSU (lonely_psu='fail')"
    assert refused.value.stratum == "080-R"
    check_fail_policy(LonelyPsu.FAIL, np.array([0]), n_h, factor, STRATA)
    check_fail_policy(LonelyPsu.ADJUST, np.array([1]), n_h, factor, STRATA)


def test_the_fail_policy_passes_a_lonely_stratum_that_is_a_census() -> None:
    n_h, census = np.array([2, 1, 2]), np.array([1.0, 0.0, 1.0])
    check_fail_policy(LonelyPsu.FAIL, np.array([1]), n_h, census, STRATA)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (LonelyPsu.ADJUST, [0.5 * 4.0, 1.0 * 9.0]),
        (LonelyPsu.REMOVE, [0.0, 0.0]),
        (LonelyPsu.CERTAINTY, [0.0, 0.0]),
        (LonelyPsu.FAIL, [0.0, 0.0]),
    ],
)
def test_each_policy_adds_its_lonely_contribution(policy: LonelyPsu, expected: list[float]) -> None:
    contribution = lonely_contribution(policy, np.array([0.5, 1.0]), np.array([4.0, 9.0]))
    assert contribution.tolist() == expected


def test_average_leaves_the_lonely_contribution_to_be_filled_in() -> None:
    contribution = lonely_contribution(LonelyPsu.AVERAGE, np.ones(2), np.array([4.0, 9.0]))
    assert np.isnan(contribution).all()


def test_average_scales_by_strata_over_strata_with_a_variance() -> None:
    variance = average_over_strata(
        np.array([6.0, 6.0, 6.0, 6.0]), np.array([3, 2, 2, 2]), np.array([2.0, 2.0, 0.0, 1.0])
    )
    assert variance[[0, 1, 3]].tolist() == [9.0, 6.0, 12.0]
    assert np.isnan(variance[2])


def test_an_unknown_policy_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ScoringError) as refused:
        LonelyPsu.parse("collapse")
    assert str(refused.value) == (
        "lonely_psu must be one of fail, remove, adjust, certainty, average, not 'collapse'"
    )


def test_the_stratum_named_is_the_one_sampled_beyond_its_population() -> None:
    correction = PopulationCorrection.from_values(np.array([2.0, 3.0]))  # 080-U is a census
    with pytest.raises(ScoringError, match=r"N_h=3 < n_h=4 in stratum 080-R$"):
        fpc_factor(correction, np.array([2, 4]), STRATA[:2])


def test_a_lonely_stratum_just_at_the_census_tolerance_is_not_a_census() -> None:
    at_tolerance = np.array([CENSUS_TOLERANCE])
    with pytest.raises(LonelyPsuError):
        check_fail_policy(LonelyPsu.FAIL, np.array([0]), np.array([1]), at_tolerance, STRATA)
