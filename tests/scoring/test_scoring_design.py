"""The sampling design (scoring/design.py): labels coded once, PSUs nested, inputs refused."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.design import Design, check_calibration_weights, check_weight_column
from scoring.errors import ScoringError

# Six households: two districts as strata, communes as PSUs (commune "01" in both districts)
WEIGHTS = [110.0, 90.0, 100.0, 80.0, 120.0, 95.0]
DISTRICT = ["080", "080", "080", "082", "082", "082"]
COMMUNE = ["01", "01", "02", "01", "03", "03"]


def _refusal(**arguments: object) -> str:
    with pytest.raises(ScoringError) as refused:
        Design(**{"weights": WEIGHTS, **arguments})
    return str(refused.value)


def test_psu_labels_are_nested_in_strata() -> None:
    design = Design(WEIGHTS, strata=DISTRICT, psu=COMMUNE)
    assert (design.n_strata, design.n_psus, design.n_rows) == (2, 4, 6)
    assert design.stratum_codes.tolist() == [0, 0, 0, 1, 1, 1]
    assert design.psu_codes.tolist() == [0, 0, 1, 2, 3, 3]
    assert design.psu_stratum.tolist() == [0, 0, 1, 1]
    assert design.stratum_labels.tolist() == ["080", "082"]


def test_without_psu_every_row_is_its_own_psu() -> None:
    design = Design(WEIGHTS, strata=DISTRICT)
    assert design.psu_codes.tolist() == [0, 1, 2, 3, 4, 5]
    assert design.psu_stratum.tolist() == [0, 0, 0, 1, 1, 1]


def test_without_strata_the_design_is_one_stratum() -> None:
    design = Design(WEIGHTS, psu=COMMUNE)
    assert (design.n_strata, design.n_psus) == (1, 3)
    assert design.stratum_labels.tolist() == [None]
    assert design.fpc is None and design.lonely_psu.value == "adjust"


def test_fpc_is_kept_per_stratum() -> None:
    design = Design(WEIGHTS, strata=DISTRICT, psu=COMMUNE, fpc=[9, 9, 9, 12, 12, 12])
    assert design.fpc is not None
    assert design.fpc.values.tolist() == [9.0, 12.0]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"weights": ["a"] * 6}, "weights must be numbers"),
        ({"weights": []}, "weights must be a non-empty 1-d array"),
        ({"weights": [WEIGHTS]}, "weights must be a non-empty 1-d array"),
        (
            {"strata": ["080", None, "080", "082", "082", "082"]},
            "strata must not have missing values",
        ),
        ({"psu": ["01", "01", None, "01", "03", "03"]}, "psu must not have missing values"),
        ({"fpc": ["N"] * 6}, "fpc must be numbers"),
        ({"fpc": [9, 12]}, "fpc must have one entry per row (6), got shape (2,)"),
        ({"fpc": [9, 9, np.inf, 12, 12, 12]}, "fpc must be finite numbers"),
        (
            {"strata": DISTRICT, "fpc": [9, 9, 8, 12, 12, 12]},
            "fpc must be constant within each stratum",
        ),
        (
            {"lonely_psu": "drop"},
            "lonely_psu must be one of fail, remove, adjust, certainty, average, not 'drop'",
        ),
        (
            {"psu": ["01"] * 6},
            "the design has only one primary sampling unit and no strata: no variance can be"
            " estimated (R svydesign refuses it too)",
        ),
    ],
)
def test_a_bad_design_is_refused_saying_why(arguments: dict[str, object], message: str) -> None:
    assert _refusal(**arguments) == message


def test_one_psu_in_a_stratum_is_a_lonely_stratum_not_a_refusal() -> None:
    assert Design([1.0, 2.0], strata=["080", "080"], psu=["01", "01"]).n_psus == 1


def test_a_weight_column_names_the_file_line_of_a_missing_weight() -> None:
    with pytest.raises(ScoringError) as refused:
        check_weight_column(np.array([1.0, 0.0, np.nan]), "weight")
    assert (
        str(refused.value) == "weight nan in column weight, line 4: weights must be finite and ≥ 0"
    )
    check_weight_column(np.array([1.0, 0.0]), "weight")


def test_a_calibrated_design_names_the_first_weight_of_0() -> None:
    with pytest.raises(ScoringError, match=r"^weight 0 in column d, line 3: a calibrated design"):
        check_calibration_weights(np.array([1.0, 0.0, 0.0]), "d")
    check_calibration_weights(np.array([1.0, 0.5]), "d")


@pytest.mark.parametrize("name", ["strata", "psu"])
def test_design_labels_must_be_one_per_row(name: str) -> None:
    message = _refusal(**{name: DISTRICT[:5]})
    assert message == f"{name} must have one entry per row (6), got shape (5,)"
