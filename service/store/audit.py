"""The audit log: an append-only collection. Nothing here updates or deletes an entry."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection


class AuditLog:
    def __init__(self, collection: Collection[dict[str, Any]]) -> None:
        self.collection = collection

    def ensure_indexes(self) -> None:
        for field in ("position", "round_id", "action", "actor.token_id"):
            self.collection.create_index([(field, ASCENDING)])

    def append(self, entries: list[dict[str, Any]]) -> None:
        if entries:
            self.collection.insert_many(entries, ordered=True)

    def page(self, filters: dict[str, str], limit: int, after: str | None) -> list[dict[str, Any]]:
        """Up to `limit` entries matching every filter, newest first, older than the cursor."""
        query: dict[str, Any] = dict(filters)
        if after is not None:
            query["position"] = {"$lt": after}  # nx-27017 compares no ranges on `_id`
        return list(self.collection.find(query).sort("position", DESCENDING).limit(limit))

    def count(self, filters: dict[str, str] | None = None) -> int:
        pipeline: list[dict[str, Any]] = [{"$match": dict(filters or {})}, {"$count": "n"}]
        counted = next(self.collection.aggregate(pipeline), None)
        return int(counted["n"]) if counted else 0
