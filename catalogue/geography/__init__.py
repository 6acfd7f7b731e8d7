"""Administrative geography as versioned data: units, crosswalks between versions, and the
district list of the former Lào Cai that the first rounds were collected on.

The data live in `data/` (built by `build.py` from the public sources in `sources/`, each
file naming its sources, licences and the checksums of what it was built from).
"""

from catalogue.geography.versions import (
    BuiltFrom,
    Crosswalk,
    CrosswalkRow,
    GeographyNotFound,
    GeographyVersion,
    Source,
    Unit,
    crosswalk,
    former_provinces,
    load_version,
    version_ids,
    version_in_force,
    versions,
)

# The former Lào Cai's districts (GSO codes before the 2025 reorganisation), as the rounds
# collected before 1 July 2025 name them.
LAO_CAI_DISTRICTS: dict[str, str] = {
    u.code: u.name_vi for u in load_version("vn-2025-03").units_at("district", parent="10")
}

__all__ = [
    "LAO_CAI_DISTRICTS",
    "BuiltFrom",
    "Crosswalk",
    "CrosswalkRow",
    "GeographyNotFound",
    "GeographyVersion",
    "Source",
    "Unit",
    "crosswalk",
    "former_provinces",
    "load_version",
    "version_ids",
    "version_in_force",
    "versions",
]
