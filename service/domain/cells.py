"""A cell key: stratum × PSU × the unit's `by` dimensions (docs/design.md §7), one string in the
store (`|`-joined; codes never contain `|`) and a typed value everywhere else."""

from __future__ import annotations

from dataclasses import dataclass

from catalogue import BY_DIMENSIONS, Instrument

SEPARATOR = "|"


def cell_fields(instrument: Instrument | str) -> tuple[str, ...]:
    """The attributes a cell key joins, in order: stratum, PSU, then the `by` dimensions."""
    return ("stratum", "psu", *BY_DIMENSIONS[Instrument(instrument)])


@dataclass(frozen=True, slots=True)
class CellKey:
    stratum: str
    psu: str
    dimensions: tuple[str, ...]  # in the order of `BY_DIMENSIONS[instrument]`

    @classmethod
    def parse(cls, text: str) -> CellKey:
        stratum, psu, *dimensions = text.split(SEPARATOR)
        return cls(stratum, psu, tuple(dimensions))

    @classmethod
    def of(cls, instrument: Instrument | str, attributes: dict[str, str]) -> CellKey:
        stratum, psu, *names = cell_fields(instrument)
        return cls(attributes[stratum], attributes[psu], tuple(attributes[n] for n in names))

    def __str__(self) -> str:
        return SEPARATOR.join((self.stratum, self.psu, *self.dimensions))

    @property
    def domain_part(self) -> str:
        """The key without stratum and PSU: the unit's categories (calibration cells)."""
        return SEPARATOR.join(self.dimensions)

    def value(self, instrument: Instrument | str, name: str) -> str:
        """One named attribute (`stratum`, `psu`, or a `by` dimension)."""
        return (self.stratum, self.psu, *self.dimensions)[cell_fields(instrument).index(name)]
