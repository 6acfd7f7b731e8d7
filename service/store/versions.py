"""Versions of corrected submissions: one document per version, never changed once written."""

from __future__ import annotations

import contextlib
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError


class Versions:
    def __init__(self, collection: Collection[dict[str, Any]]) -> None:
        self.collection = collection

    def ensure_indexes(self) -> None:
        self.collection.create_index(
            [("round_id", ASCENDING), ("submission_id", ASCENDING), ("version", ASCENDING)],
            unique=True,
        )

    def add(self, version: dict[str, Any]) -> None:
        """Store a version; storing the same version again (a retried write) changes nothing."""
        with contextlib.suppress(DuplicateKeyError):
            self.collection.insert_one(dict(version))

    def of(self, round_id: str, submission_id: str) -> list[dict[str, Any]]:
        cursor = self.collection.find(
            {"round_id": round_id, "submission_id": submission_id}, {"_id": 0}
        )
        return sorted(cursor, key=lambda version: version["version"])
