"""Which estimate a commune gets in print (docs/design.md §14), and why.

Per area: the direct estimate when it is publishable (reliability ``ok`` or ``review`` under
NCHS, §6); else the model estimate when its CV = √MSE / estimate ≤ 0.30; else withheld, with no
number at all. A fit with σ̂²_v = 0 publishes no model estimate: its MSE then counts no
difference between communes beyond the covariates, and its intervals cover far less than 95 %
(about 55 % in the simulation of docs/statistics.md; Yoshimori and Lahiri 2014). A model
interval is θ̃ ± z_{1−α/2} √MSE (normal, as for any EBLUP), clipped to
[0, 1] for rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from scoring.special import ndtri

MAX_MODEL_CV = 0.30


class Source(StrEnum):
    DIRECT = "direct"
    MODEL = "model"
    WITHHELD = "withheld"


class Why(StrEnum):
    """The ``reason`` of each published row."""

    DIRECT_RELIABLE = "direct_reliable"  # the direct estimate passes the §6 reliability rules
    DIRECT_UNRELIABLE = "direct_unreliable"  # model used: the direct estimate is suppressed
    NO_INTERVIEWS = "no_interviews"  # model used: synthetic x′β̂, no direct estimate
    MODEL_CV_ABOVE_LIMIT = "model_cv_above_0.30"  # withheld: the model is not precise enough
    MODEL_SIGMA2_V_ZERO = "model_sigma2_v_zero"  # withheld: σ̂²_v = 0, the MSE is too small
    MODEL_UNAVAILABLE = "model_unavailable"  # withheld: no fit, estimate ≤ 0, or a rate > 1


@dataclass(frozen=True)
class Publication:
    source: Source
    reason: Why
    estimate: float | None
    ci_low: float | None
    ci_high: float | None


def model_interval(
    estimate: float, rmse: float, level: float, is_rate: bool
) -> tuple[float, float]:
    z = float(ndtri(1 - (1 - level) / 2))
    low, high = estimate - z * rmse, estimate + z * rmse
    return (max(low, 0.0), min(high, 1.0)) if is_rate else (low, high)


def publish(
    direct_publishable: bool,
    direct: tuple[float, float | None, float | None] | None,
    has_direct: bool,
    model_estimate: float,
    model_rmse: float,
    is_rate: bool,
    level: float = 0.95,
    sigma2_v_zero: bool = False,
) -> Publication:
    """The publication rule for one area; ``direct`` is (estimate, ci_low, ci_high)."""
    if direct_publishable and direct is not None:
        return Publication(Source.DIRECT, Why.DIRECT_RELIABLE, *direct)
    if sigma2_v_zero:
        return Publication(Source.WITHHELD, Why.MODEL_SIGMA2_V_ZERO, None, None, None)
    # the EBLUP x′β̂ + γ(ŷ − x′β̂) is not bounded: a share above 100 % is no share to publish
    inside = model_estimate > 0 and not (is_rate and model_estimate > 1)
    if not (np.isfinite(model_estimate) and inside and np.isfinite(model_rmse)):
        return Publication(Source.WITHHELD, Why.MODEL_UNAVAILABLE, None, None, None)
    if model_rmse / model_estimate > MAX_MODEL_CV:
        return Publication(Source.WITHHELD, Why.MODEL_CV_ABOVE_LIMIT, None, None, None)
    why = Why.DIRECT_UNRELIABLE if has_direct else Why.NO_INTERVIEWS
    low, high = model_interval(model_estimate, model_rmse, level, is_rate)
    return Publication(Source.MODEL, why, model_estimate, low, high)
