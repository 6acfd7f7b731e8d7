"""Design-based survey estimation that equals R ``survey`` 4.x (docs/design.md §6).

The chain, one module per step: ``design`` (codes) → ``sufficient`` (PSU × domain cell
sums) → ``estimands`` (point estimates) → ``linearize`` (scores) → ``variance`` (with
``lonely_psu`` and ``fpc``) → ``domains`` (df) → ``design_effect`` → ``intervals`` →
``reliability`` → ``results``.
"""

from scoring.design import Design
from scoring.errors import LonelyPsuError, ScoringError
from scoring.estimands import Estimand, Kind
from scoring.estimation import estimate, estimate_cells, estimate_from_totals
from scoring.intervals import CiMethod
from scoring.lonely_psu import LonelyPsu
from scoring.reliability import Reliability
from scoring.results import RESULT_FIELDS, Result
from scoring.sufficient import PsuTotals
from scoring.two_stage_totals import SecondStageTotals

__all__ = [
    "RESULT_FIELDS",
    "CiMethod",
    "Design",
    "Estimand",
    "Kind",
    "LonelyPsu",
    "LonelyPsuError",
    "PsuTotals",
    "Reliability",
    "Result",
    "ScoringError",
    "SecondStageTotals",
    "estimate",
    "estimate_cells",
    "estimate_from_totals",
]
