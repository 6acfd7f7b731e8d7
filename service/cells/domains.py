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

from catalogue.geography import GeographyNotFound, crosswalk, former_provinces, load_version
from catalogue.geography.rounds import round_geography_id
from service.cells.contributions import SEPARATOR, cell_fields

UNMAPPED = "unmapped"
FORMER_PROVINCE = "former_province"
GROUPING_PREFIX = "grouping:"


class DomainUnavailable(ValueError):
    """A `by` the round cannot be read by (its message says why)."""


@dataclass(frozen=True)
class Domain:
    """How a round's cell keys map onto one `by` domain's labels."""

    name: str  # the `by` as the answer names it
    position: int  # the cell-key part the domain is read from
    lookup: Mapping[str, str] | None = None  # None: the part itself

    def label(self, cell_key: str) -> str:
        part = cell_key.split(SEPARATOR)[self.position]
        return part if self.lookup is None else self.lookup.get(part, UNMAPPED)

    def labels(self, cell_keys: list[str]) -> list[str]:
        return [self.label(key) for key in cell_keys]


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
    round_doc: Mapping[str, object],
    by: str | None,
    geography: str | None = None,
    groupings: Mapping[str, str] | None = None,
) -> Domain | None:
    """The `by` domain of a round, reported in `geography` (default: the round's own version).

    `groupings`: for `grouping:{name}`, commune of `geography` → group (read from the store).
    """
    if by is None:
        return None
    fields = cell_fields(str(round_doc["instrument"]))
    own = round_geography_id(round_doc)
    target = geography or own
    commune = fields.index("commune")
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
    if by not in fields[2:]:
        raise DomainUnavailable(f"The {round_doc['instrument']} instrument has no {by!r} domain.")
    if by == "district":
        if target is not None and not load_version(target).has_districts:
            raise DomainUnavailable(
                f"{target} has no districts: use by=commune or former_province."
            )
        if target != own:
            raise DomainUnavailable("Districts are reported in the round's own geography only.")
    if by == "commune" and target != own:
        return Domain(by, commune, _commune_lookup(own, target))
    return Domain(by, fields.index(by))
