"""A cell key: stratum × PSU × the unit's `by` dimensions (docs/design.md §7), one string in the
store (`|`-joined; codes never contain `|`) and a typed value everywhere else."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from catalogue import BY_DIMENSIONS, Instrument

SEPARATOR = "|"


def cell_fields(instrument: Instrument | str) -> tuple[str, ...]:
    """The attributes a cell key joins, in order: stratum, PSU, then the `by` dimensions."""
    return ("stratum", "psu", *BY_DIMENSIONS[Instrument(instrument)])


def dimension_index(instrument: Instrument | str, name: str) -> int:
    """Where a `by` dimension sits in a key's `dimensions` (ValueError: not the instrument's)."""
    return BY_DIMENSIONS[Instrument(instrument)].index(name)


class CellKey(NamedTuple):
    """Immutable; a named tuple rather than a frozen dataclass because estimates parse every
    cell of a round (a frozen dataclass took 3 µs a key, six times the split itself)."""

    stratum: str
    psu: str
    dimensions: tuple[str, ...]  # in the order of `BY_DIMENSIONS[instrument]`

    @classmethod
    def parse(cls, text: str) -> CellKey:
        parts = text.split(SEPARATOR)
        return tuple.__new__(cls, (parts[0], parts[1], tuple(parts[2:])))

    @classmethod
    def of(cls, instrument: Instrument | str, attributes: Mapping[str, object]) -> CellKey:
        """The key of a unit with these attributes (codes; numbers are written as text)."""
        stratum, psu, *names = cell_fields(instrument)
        return cls(
            str(attributes[stratum]),
            str(attributes[psu]),
            tuple(str(attributes[n]) for n in names),
        )

    def __str__(self) -> str:
        return SEPARATOR.join((self.stratum, self.psu, *self.dimensions))

    @property
    def design(self) -> tuple[str, str]:
        """(stratum, PSU): where the unit sits in the variance design."""
        return self.stratum, self.psu

    def value(self, instrument: Instrument | str, name: str) -> str:
        """One named attribute (`stratum`, `psu`, or a `by` dimension)."""
        return (self.stratum, self.psu, *self.dimensions)[cell_fields(instrument).index(name)]


def parse_keys(texts: Iterable[str]) -> dict[str, CellKey]:
    """Each distinct stored key parsed once (cells and units are read in bulk and share keys)."""
    return {text: CellKey.parse(text) for text in set(texts)}
