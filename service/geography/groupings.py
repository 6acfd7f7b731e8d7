"""Groupings of a version's communes (planning regions, highland communes…): `commune,group`
CSV, every commune of the version exactly once (docs/design.md §13)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from typing import Any

from catalogue.geography import load_version
from service.domain.errors import invalid
from service.store import Store

MAX_GROUP_LENGTH = 100


def csv_grouping(text: str) -> list[tuple[str, str]]:
    """(commune, group) rows of `commune,group` CSV text."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != ["commune", "group"]:
        raise invalid({"body": ["The CSV header must be: commune,group"]})
    return [((row["commune"] or "").strip(), (row["group"] or "").strip()) for row in reader]


def checked_grouping(version_id: str, rows: list[tuple[str, str]]) -> dict[str, str]:
    """commune → group, or 422 listing missing, unknown and repeated communes."""
    communes = {unit.code for unit in load_version(version_id).communes}
    counts = Counter(code for code, _ in rows)
    errors: dict[str, list[str]] = {}
    missing = sorted(communes - set(counts))
    unknown = sorted(set(counts) - communes)
    repeated = sorted(code for code, n in counts.items() if n > 1 and code in communes)
    if missing:
        errors["missing"] = [f"Communes of {version_id} without a group: {', '.join(missing)}."]
    if unknown:
        errors["unknown"] = [f"Not communes of {version_id}: {', '.join(unknown)}."]
    if repeated:
        errors["repeated"] = [f"Communes given more than once: {', '.join(repeated)}."]
    empty = [code for code, group in rows if not group or len(group) > MAX_GROUP_LENGTH]
    if empty:
        errors["group"] = [
            f"A group name of 1–{MAX_GROUP_LENGTH} characters for: {', '.join(empty)}."
        ]
    if errors:
        raise invalid(errors, "The grouping must give every commune of the version once.")
    return dict(rows)


def read_grouping(store: Store, version_id: str | None, name: str) -> Mapping[str, str] | None:
    """A stored grouping's commune → group (None when there is none)."""
    if version_id is None:
        return None
    doc: dict[str, Any] | None = store.groupings.get(version_id, name)
    return doc["groups"] if doc else None
