"""How an indicator's results are computed from a round's cells: the engine call the estimates
report makes, on the input weights or the calibrated ones (service/weighting/calibrated.py)."""

from __future__ import annotations

from collections.abc import Callable

from scoring import Result

Estimator = Callable[..., list[Result]]
