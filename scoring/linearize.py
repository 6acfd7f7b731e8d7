"""Linearised scores (influence functions) summed per PSU × domain cell.

Woodruff (1971); Binder (1983); R ``svymean``/``svyratio``/``svytotal``:

- mean, proportion: ``z = w (y − ŷ) / Σw``, so a cell's total is ``(Σwy − ŷ Σw) / W_d``
- ratio, member proportion: ``z = w (y − R̂ x) / Σwx``, cell total ``(Σwy − R̂ Σwx) / X_d``
- total: ``z = w y``, cell total ``Σwy``

Rows outside the domain have ``z = 0`` (R ``subset()``), so only in-domain cells appear.
A two-stage design also needs ``Σ z²`` over a cell's units (:func:`cell_square_scores`).
"""

from __future__ import annotations

from scoring.arrays import FloatArray
from scoring.estimands import Kind


def cell_scores(
    kind: Kind,
    sw: FloatArray,
    swy: FloatArray,
    swx: FloatArray,
    estimate: FloatArray,
    base: FloatArray,
) -> FloatArray:
    """Score total of each cell given its domain's ``estimate`` and ``base`` (W_d or X_d)."""
    if kind is Kind.TOTAL:
        return swy.copy()
    weight = swx if kind.over_denominator else sw
    return (swy - estimate * weight) / base


def cell_square_scores(
    kind: Kind,
    swwyy: FloatArray,
    swwxy: FloatArray,
    swwxx: FloatArray,
    estimate: FloatArray,
    base: FloatArray,
) -> FloatArray:
    """``Σ_k z_k²`` over each cell's units, from its sums of squared weights.

    ``z = w (y − θ x) / B`` gives ``(Σw²y² − 2θ Σw²xy + θ² Σw²x²) / B²``; a mean or a
    proportion has ``x = 1`` (``Σw²xy = Σw²y``, ``Σw²x² = Σw²``); a total ``Σw²y²``.
    """
    if kind is Kind.TOTAL:
        return swwyy.copy()
    return (swwyy - 2.0 * estimate * swwxy + estimate * estimate * swwxx) / (base * base)
