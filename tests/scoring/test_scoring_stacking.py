"""Stacking two rounds' cells into one design (scoring/stacking.py, docs/design.md §10): what it
refuses, each with its message, and how labels meet across rounds."""

from __future__ import annotations

import re

import pytest

from scoring.errors import ScoringError
from scoring.stacking import Pairing, PairingError, RoundTotals, stack_rounds
from scoring.sufficient import PsuTotals


def totals(**changes: object) -> PsuTotals:
    """Two strata of two PSUs, one cell each."""
    columns: dict[str, object] = {
        "stratum": ["a", "a", "b", "b"],
        "psu": ["p1", "p2", "p3", "p4"],
        "domain": [None, None, None, None],
        "n": [3, 4, 2, 5],
        "sw": [30.0, 40.0, 20.0, 50.0],
        "swy": [10.0, 20.0, 5.0, 25.0],
    }
    return PsuTotals(**(columns | changes))  # type: ignore[arg-type]


def refused(message: str, rounds: tuple[RoundTotals, RoundTotals], pairing: str) -> None:
    with pytest.raises(ScoringError, match=f"^{re.escape(message)}$"):
        stack_rounds(rounds, pairing)


def test_an_unknown_pairing_is_refused_naming_the_pairings() -> None:
    with pytest.raises(
        ScoringError, match=r"^pairing must be one of independent, overlapping, not 'paired'$"
    ):
        Pairing.parse("paired")


def test_overlapping_pairing_refuses_an_fpc() -> None:
    rounds = (RoundTotals(totals(), {"a": 10, "b": 10}), RoundTotals(totals()))
    with pytest.raises(PairingError, match=r"^overlapping pairing needs rounds without fpc$"):
        stack_rounds(rounds, "overlapping")


@pytest.mark.parametrize("column", ["stratum", "psu"])
def test_a_cell_without_its_stratum_or_psu_is_refused_naming_the_column(column: str) -> None:
    holed = totals(
        **{column: ["a", None, "b", "b"] if column == "stratum" else ["p1", None, "p3", "p4"]}
    )
    refused(
        f"{column} must be given for every cell",
        (RoundTotals(totals()), RoundTotals(holed)),
        "independent",
    )


@pytest.mark.parametrize("column", ["stratum", "psu", "domain"])
def test_a_label_column_of_the_wrong_length_is_refused_naming_it(column: str) -> None:
    short = totals(**{column: ["x", "y", "z"]})
    with pytest.raises(ScoringError, match=f"^{column} must have one entry per row \\(4\\)"):
        stack_rounds((RoundTotals(totals()), RoundTotals(short)), "independent")


def test_an_fpc_for_one_round_only_is_refused() -> None:
    rounds = (RoundTotals(totals(), {"a": 10, "b": 10}), RoundTotals(totals()))
    refused("an fpc must be given for both rounds or for neither", rounds, "independent")


def test_an_fpc_without_a_stratum_of_its_round_is_refused_naming_the_stratum() -> None:
    rounds = (RoundTotals(totals(), {"a": 10, "b": 10}), RoundTotals(totals(), {"a": 10}))
    refused("fpc has no value for stratum b", rounds, "independent")


def test_a_round_without_cells_is_refused() -> None:
    empty = totals(stratum=[], psu=[], domain=[], n=[], sw=[], swy=[])
    refused(
        "no PSU totals given for a round",
        (RoundTotals(totals()), RoundTotals(empty)),
        "independent",
    )


@pytest.mark.parametrize("column", ["n", "sw"])
def test_a_count_or_sum_that_is_not_numbers_is_refused_naming_it(column: str) -> None:
    rounds = (RoundTotals(totals()), RoundTotals(totals(**{column: ["x", 4, 2, 5]})))
    refused(f"{column} must be numbers", rounds, "independent")


def test_a_sum_of_the_wrong_length_is_refused_naming_it_and_the_cells() -> None:
    rounds = (RoundTotals(totals()), RoundTotals(totals(swy=[1.0, 2.0])))
    refused("swy must have one entry per cell (4)", rounds, "independent")


def test_overlapping_names_the_psu_that_changed_stratum_and_both_strata() -> None:
    moved = totals(stratum=["a", "a", "b", "c"], psu=["p1", "p2", "p3", "p3"])
    rounds = (RoundTotals(totals(stratum=["a", "a", "b", "c"])), RoundTotals(moved))
    message = (
        "overlapping pairing: PSU p3 lies in strata b and c; a PSU must keep its stratum across"
        " rounds"
    )
    refused(message, rounds, "overlapping")


def test_rounds_without_domains_meet_in_the_whole_population_labelled_as_calibrated_rows() -> None:
    stacked = stack_rounds((RoundTotals(totals()), RoundTotals(totals())), "independent")
    assert list(stacked.domain_labels) == [""]


def test_a_round_without_domains_meets_a_round_labelled_whole_population() -> None:
    whole = totals(domain=["", "", "", ""])
    stacked = stack_rounds((RoundTotals(totals()), RoundTotals(whole)), "independent")
    assert list(stacked.domain_labels) == [""]
    assert set(stacked.domain.tolist()) == {0}


def test_independent_pairing_keeps_every_psu_of_both_rounds_apart() -> None:
    """The `to` round's PSUs share a label across its strata and follow a `from` round of one
    stratum: after the renumbering they are still 3 + 2 PSUs in 3 strata (R: df 5 − 3 = 2)."""
    before = totals(stratum=["a", "a", "a"], psu=["p1", "p2", "p3"], domain=[None] * 3,
                    n=[3, 4, 2], sw=[30.0, 40.0, 20.0], swy=[10.0, 20.0, 5.0])  # fmt: skip
    after = totals(stratum=["b", "c"], psu=["q", "q"], domain=[None] * 2,
                   n=[3, 4], sw=[30.0, 40.0], swy=[10.0, 20.0])  # fmt: skip
    stacked = stack_rounds((RoundTotals(before), RoundTotals(after)), "independent")
    assert len(set(stacked.psu.tolist())) == 5
    assert len(set(stacked.stratum.tolist())) == 3
