"""Reliability rules of docs/design.md §6: each branch and each reason code."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.reliability import (
    cv_reliability,
    effective_sizes,
    korn_graubard_widths,
    proportion_reliability,
)


def verdict(p: float, n_eff: float = 500.0, width: float = 0.04, df: int = 30) -> tuple:
    a = proportion_reliability(p, n_eff, width, df)
    return a.status.value, a.reasons


def test_effective_sample_size_below_30_suppresses() -> None:
    assert verdict(0.5, n_eff=29.9) == ("suppress", ("n_eff",))


def test_unknown_effective_sample_size_suppresses() -> None:
    assert verdict(0.5, n_eff=float("nan")) == ("suppress", ("n_eff",))


def test_narrow_interval_is_ok() -> None:
    assert verdict(0.5, width=0.05) == ("ok", ())


def test_interval_width_of_0_30_or_more_suppresses() -> None:
    assert verdict(0.5, width=0.30) == ("suppress", ("ci_width",))


def test_relative_width_above_130_percent_suppresses() -> None:
    assert verdict(0.1, width=0.14) == ("suppress", ("relative_width",))


def test_complement_relative_width_above_130_percent_is_shown_for_review() -> None:
    assert verdict(0.9, width=0.14) == ("review", ("complement_width",))


def test_moderate_width_with_acceptable_relative_widths_is_ok() -> None:
    assert verdict(0.5, width=0.2) == ("ok", ())


def test_fewer_than_8_degrees_of_freedom_flags_a_shown_proportion() -> None:
    assert verdict(0.5, df=7) == ("review", ("df",))


def test_proportion_of_zero_is_shown_with_the_boundary_flag() -> None:
    assert verdict(0.0, n_eff=100, width=0.0) == ("review", ("boundary",))


def test_flags_accumulate_in_rule_order() -> None:
    assert verdict(0.9, width=0.14, df=3) == ("review", ("complement_width", "df"))


def test_suppression_reports_only_the_failed_rule_not_the_df_flag() -> None:
    assert verdict(0.5, n_eff=10, df=2) == ("suppress", ("n_eff",))


def test_effective_size_is_p_q_over_variance_capped_at_n() -> None:
    p, se, n = np.array([0.5, 0.5]), np.array([0.05, 0.001]), np.array([1000, 1000])
    assert effective_sizes(p, se, n).tolist() == pytest.approx([100.0, 1000.0])


def test_effective_size_at_p_zero_or_one_is_n() -> None:
    assert effective_sizes(
        np.array([0.0, 1.0]), np.array([0.0, 0.0]), np.array([40, 50])
    ).tolist() == [40, 50]


def test_korn_graubard_width_counts_as_zero_at_the_boundary() -> None:
    assert (
        korn_graubard_widths(np.array([0.0]), np.array([40.0]), np.array([5]), np.array([40]))[0]
        == 0
    )


def test_korn_graubard_width_is_one_without_degrees_of_freedom() -> None:
    assert (
        korn_graubard_widths(np.array([0.4]), np.array([40.0]), np.array([0]), np.array([40]))[0]
        == 1
    )


def test_mean_with_cv_above_30_percent_suppresses() -> None:
    a = cv_reliability(0.31, 1.0, 30)
    assert (a.status.value, a.reasons) == ("suppress", ("cv",))


def test_mean_with_cv_above_20_percent_is_shown_for_review() -> None:
    a = cv_reliability(0.25, 1.0, 30)
    assert (a.status.value, a.reasons) == ("review", ("cv",))


def test_mean_with_few_degrees_of_freedom_is_shown_for_review() -> None:
    a = cv_reliability(0.1, 1.0, 5)
    assert (a.status.value, a.reasons) == ("review", ("df",))


def test_precise_mean_is_ok() -> None:
    a = cv_reliability(0.1, 1.0, 30)
    assert (a.status.value, a.reasons) == ("ok", ())


def test_mean_without_a_standard_error_suppresses() -> None:
    a = cv_reliability(None, None, 30)
    assert (a.status.value, a.reasons) == ("suppress", ("cv",))


def test_zero_mean_with_zero_standard_error_is_ok() -> None:
    assert cv_reliability(None, 0.0, 30).status.value == "ok"
