"""Survey rounds: design, targets, status and the data version that keys the estimate cache."""

from __future__ import annotations

import builtins
from typing import Any

from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from service.store.clock import utc_now
from service.store.errors import AlreadyExists


class Rounds:
    def __init__(self, collection: Collection[dict[str, Any]]) -> None:
        self.collection = collection

    def create(self, new_round: dict[str, Any]) -> dict[str, Any]:
        now = utc_now()
        doc = {
            **new_round,
            "_id": new_round["id"],
            "created_at": now,
            "updated_at": now,
            "data_version": 0,
        }
        doc.pop("id")
        try:
            self.collection.insert_one(doc)
        except DuplicateKeyError as exc:
            raise AlreadyExists(f"round {new_round['id']!r} already exists") from exc
        return doc

    def get(self, round_id: str) -> dict[str, Any] | None:
        return self.collection.find_one({"_id": round_id})

    def list(self) -> list[dict[str, Any]]:
        return list(self.collection.find().sort("_id", 1))

    def in_series(self, series: str) -> builtins.list[dict[str, Any]]:
        """The rounds of a series, in period order (docs/design.md §10)."""
        return list(
            self.collection.find({"series": series}).sort([("period.start", 1), ("_id", 1)])
        )

    def update(self, round_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Apply changes; a change of targets or design also changes what estimates say."""
        return self.collection.find_one_and_update(
            {"_id": round_id},
            {"$set": {**changes, "updated_at": utc_now()}, "$inc": {"data_version": 1}},
            return_document=ReturnDocument.AFTER,
        )

    def bump_data_version(self, round_id: str) -> None:
        """A change to the round (not its cells) that changes what estimates say."""
        self.collection.update_one(
            {"_id": round_id},
            {"$inc": {"data_version": 1}, "$set": {"updated_at": utc_now()}},
        )
