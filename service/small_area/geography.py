"""The one place small-area estimation asks about geography versions (docs/design.md §13, §14).

A round's communes are reported in its own version, or in a later one through the crosswalk
(the estimates service maps the cells' commune keys, O(cells)); a round with free codes names
the version its codes are read in.
"""

from __future__ import annotations

from catalogue.geography import GeographyNotFound, crosswalk, load_version, version_ids
from service.domain.errors import invalid, not_found
from service.domain.round import Round


def version_communes(version: str) -> dict[str, str]:
    """Code → name of the version's communes (404 for an unknown version)."""
    try:
        units = load_version(version).units
    except LookupError as exc:
        raise not_found(f"Geography version {version!r}") from exc
    return {unit.code: unit.name_vi for unit in units if unit.level == "commune"}


def round_geography(survey_round: Round, requested: str | None) -> str:
    """The version the round's communes are reported in, or 422 naming `geography`."""
    own = survey_round.geography
    if requested is not None and requested not in version_ids():
        known = ", ".join(version_ids())
        raise invalid({"geography": [f"Unknown geography version (known: {known})."]})
    if requested is None and own is None:
        raise invalid(
            {"geography": [f"Round {survey_round.id!r} has no geography version; name one."]}
        )
    if requested is not None and own is not None and requested != own:
        try:
            crosswalk(own, requested)
        except GeographyNotFound as exc:
            raise invalid(
                {
                    "geography": [
                        f"Round {survey_round.id!r} is in {own}: no crosswalk maps its "
                        f"communes to {requested}."
                    ]
                }
            ) from exc
    version = requested or own
    assert version is not None  # a round without one was refused above
    return version


def reexpressed_in(survey_round: Round, version: str) -> str | None:
    """The `geography` to ask the estimates service for: None for the round's own version or
    for free codes (read as they are), else the later version its communes are mapped to."""
    own = survey_round.geography
    return None if own is None or own == version else version


def commune_names(version: str) -> dict[str, str]:
    """Names for the version's commune codes."""
    return version_communes(version)
