"""Flat rows from nested documents (the CSV writer is outputs/csv_table.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def flatten(doc: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} → {"a.b": 1}."""
    flat: dict[str, Any] = {}
    for key, value in doc.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten(value, name))
        else:
            flat[name] = value
    return flat
