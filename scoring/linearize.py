"""Linearised scores (influence functions) summed per PSU × domain cell.

Woodruff (1971); Binder (1983); R ``svymean``/``svyratio``/``svytotal``:

- mean, proportion: ``z = w (y − ŷ) / Σw``, so a cell's total is ``(Σwy − ŷ Σw) / W_d``
- ratio, member proportion: ``z = w (y − R̂ x) / Σwx``, cell total ``(Σwy − R̂ Σwx) / X_d``
- total: ``z = w y``, cell total ``Σwy``

Rows outside the domain have ``z = 0`` (R ``subset()``), so only in-domain cells appear.
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
