"""Design effect as R ``svymean``/``svytotal``/``svyratio`` with ``deff = "replace"``.

``deff = V / V_srs`` with the with-replacement SRS variance of the same domain, from R
``svyvar`` on the domain's ``n`` rows with a value, ``s² = n/(n−1) · Σw(y − ŷ)² / Σw``:

- mean, proportion, member proportion: ``V_srs = s² / n``
- total: ``V_srs = s² · (Σw)² / n``
- ratio (R: ``deff(svytotal(r, deff = "replace"))`` with ``r = (y − R̂x) / Σwx``):
  ``V_srs = s²_r · (Σw)² / n`` with ``s²_r = n/(n−1) · Σw(y − R̂x)² / (Σw · (Σwx)²)``.

The residual sum of squares ``Σw(y − R̂x)²`` (``x = 1`` for a mean or total) is summed over
the domain's cells from their centred spreads (``sufficient.Spread``) plus each cell's
offset, ``Σ_c [syy − 2R̂ sxy + R̂² sxx + (Σwy − R̂ Σwx)²_c / Σw_c]``, never as
``Σwy² − ŷ Σwy``, which loses every digit when the mean is large next to the spread.
"""

from __future__ import annotations

import numpy as np

from scoring.arrays import FloatArray, IntArray, weighted_bincount
from scoring.estimands import Kind
from scoring.sufficient import Spread

ROUNDING = 1e-24
"""A residual sum of squares below this fraction of ``Σ_c (Σwy)²_c/Σw_c`` is rounding noise."""


def residual_squares(
    kind: Kind,
    centre: FloatArray,
    sums: tuple[FloatArray, FloatArray, FloatArray],
    spread: Spread,
    cell_domain: IntArray,
    n_domains: int,
) -> FloatArray:
    """``Σw(y − c·x)²`` per domain, ``c`` the domain's ``centre`` (mean or ratio) per cell.

    ``sums`` are the cells' ``(Σw, Σwy, Σwx)``; a member proportion is weighted by ``Σwx``.
    """
    sw, swy, swx = sums
    c = centre[cell_domain]
    base = swx if kind.over_denominator else sw
    weight = swx if kind is Kind.MEMBER_PROPORTION else sw
    within = spread.syy
    if kind is Kind.RATIO:
        within = within - 2 * c * spread.sxy + c * c * spread.sxx
    with np.errstate(divide="ignore", invalid="ignore"):
        between = np.where(weight > 0, (swy - c * base) ** 2 / weight, 0.0)
        level = np.where(weight > 0, swy**2 / weight, 0.0)
    squares = weighted_bincount(cell_domain, weights=within + between, minlength=n_domains)
    scale = weighted_bincount(cell_domain, weights=level, minlength=n_domains)
    # a constant y leaves only rounding noise (~1e-32 of Σwy², squared relative errors):
    # its SRS variance is 0, as R's 0/0; a real spread of 1 next to a mean of 1e7 is 1e-14
    return np.where(squares > ROUNDING * scale, squares, 0.0)


def design_effect(
    kind: Kind,
    variance: FloatArray,
    n: FloatArray,
    weight_sum: FloatArray,
    denominator: FloatArray,
    squares: FloatArray,
) -> FloatArray:
    """``V / V_srs`` per domain (module docstring); NaN where ``n ≤ 1`` or ``s² = 0``.

    ``weight_sum`` is ``Σw`` (``Σw·size`` for a member proportion), ``denominator`` the
    ratio's ``Σwx`` and ``squares`` the residual sum of squares of :func:`residual_squares`.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.where(n > 1, squares / weight_sum * n / (n - 1), np.nan)
        match kind:
            case Kind.MEAN | Kind.PROPORTION | Kind.MEMBER_PROPORTION:
                srs = s2 / n
            case Kind.TOTAL:
                srs = s2 * weight_sum**2 / n
            case Kind.RATIO:
                srs = s2 / denominator**2 * weight_sum**2 / n
        return np.where(srs > 0, variance / srs, np.nan)
