"""Domains as functions of a cell key (DESIGN §7, §13): the key's own value (`district`,
`commune`, `area`, `type`, `sector`), or a lookup on its commune: the former province, an
admin-defined grouping, or the commune of a later geography version through the crosswalk.

Re-expressing a round in another version maps the cells' domain keys, never the submissions:
O(cells) dictionary look-ups. A commune the lookup does not know (a code stored before the
round had a geography, a free code) is the domain `unmapped`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from catalogue import BY_DIMENSIONS
from catalogue.geography import GeographyNotFound, crosswalk, former_provinces, load_version
from service.domain.cells import CellKey, dimension_index
from service.domain.round import Round

UNMAPPED = "unmapped"
FORMER_PROVINCE = "former_province"
GROUPING_PREFIX = "grouping:"


class DomainUnavailable(ValueError):
    """A `by` the round cannot be read by (its message says why)."""


@dataclass(frozen=True)
class Domain:
    """How a round's cell keys map onto one `by` domain's labels."""

    name: str  # the `by` as the answer names it
    dimension: int  # the key's dimension the domain is read from (`dimension_index`)
    lookup: Mapping[str, str] | None = None  # None: the dimension's value itself

    def label(self, key: CellKey) -> str:
        value = key.dimensions[self.dimension]
        return value if self.lookup is None else self.lookup.get(value, UNMAPPED)


def _commune_lookup(version_id: str | None, target: str) -> Mapping[str, str] | None:
    """Commune of the round's version → commune of `target` (None: the same version)."""
    if version_id == target:
        return None
    if version_id is None:
        raise DomainUnavailable("The round has no geography: its communes cannot be mapped.")
    try:
        return crosswalk(version_id, target).mapping
    except GeographyNotFound as exc:
        raise DomainUnavailable(
            f"No crosswalk from the round's geography {version_id} to {target}."
        ) from exc


def domain_of(
    survey_round: Round,
    by: str | None,
    geography: str | None = None,
    groupings: Mapping[str, str] | None = None,
) -> Domain | None:
    """The `by` domain of a round, reported in `geography` (default: the round's own version).

    `groupings`: for `grouping:{name}`, commune of `geography` → group (read from the store).
    """
    if by is None:
        return None
    instrument = survey_round.instrument
    own = survey_round.geography
    target = geography or own
    commune = dimension_index(instrument, "commune")
    if by == FORMER_PROVINCE:
        if own is None:
            raise DomainUnavailable("The round has no geography: it has no former provinces.")
        return Domain(by, commune, former_provinces(own))
    if by.startswith(GROUPING_PREFIX):
        if target is None or groupings is None:
            raise DomainUnavailable(f"No grouping {by.removeprefix(GROUPING_PREFIX)!r}.")
        mapped = _commune_lookup(own, target)
        lookup = (
            groupings
            if mapped is None
            else {old: groupings[new] for old, new in mapped.items() if new in groupings}
        )
        return Domain(by, commune, lookup)
    if by not in BY_DIMENSIONS[instrument]:
        raise DomainUnavailable(f"The {instrument} instrument has no {by!r} domain.")
    if by == "district":
        if target is not None and not load_version(target).has_districts:
            raise DomainUnavailable(
                f"{target} has no districts: use by=commune or former_province."
            )
        if target != own:
            raise DomainUnavailable("Districts are reported in the round's own geography only.")
    if by == "commune" and target is not None and target != own:
        return Domain(by, commune, _commune_lookup(own, target))
    return Domain(by, dimension_index(instrument, by))
