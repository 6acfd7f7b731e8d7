"""Small-area estimation with the Fay–Herriot area-level model (docs/design.md §14).

Equal to R ``sae`` 1.3 (``eblupFH``, ``mseFH``) to 1e-6; the chain, one module per step:
``sampling_variance`` (ψ_d) → ``fitting`` (σ²_v, β̂) → ``prediction`` (EBLUP, MSE, synthetic)
→ ``diagnostics`` → ``areas`` (every area) → ``publication`` (direct, model or withheld).
"""

from scoring.small_area.areas import AreaEstimates, estimate_areas
from scoring.small_area.diagnostics import Diagnostics, diagnose
from scoring.small_area.fitting import FayHerriotFit, FitMethod, fit_fay_herriot
from scoring.small_area.prediction import eblup, eblup_mse, synthetic
from scoring.small_area.publication import MAX_MODEL_CV, Publication, Source, Why, publish
from scoring.small_area.sampling_variance import VarianceSource, sampling_variances

__all__ = [
    "MAX_MODEL_CV",
    "AreaEstimates",
    "Diagnostics",
    "FayHerriotFit",
    "FitMethod",
    "Publication",
    "Source",
    "VarianceSource",
    "Why",
    "diagnose",
    "eblup",
    "eblup_mse",
    "estimate_areas",
    "fit_fay_herriot",
    "publish",
    "sampling_variances",
    "synthetic",
]
