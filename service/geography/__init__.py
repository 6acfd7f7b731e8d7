"""Geography over HTTP: versions, units, crosswalks and groupings (docs/design.md §13)."""
