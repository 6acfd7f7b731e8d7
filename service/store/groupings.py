"""Admin-defined groupings of a geography version's communes (DESIGN §13)."""

from __future__ import annotations

from typing import Any

from pymongo.collection import Collection

from service.store.clock import utc_now


class Groupings:
    def __init__(self, collection: Collection[dict[str, Any]]) -> None:
        self.collection = collection

    def put(self, version: str, name: str, groups: dict[str, str], source: str | None) -> None:
        """Store (or replace) one grouping: commune → group."""
        self.collection.replace_one(
            {"_id": f"{version}/{name}"},
            {
                "_id": f"{version}/{name}",
                "version": version,
                "name": name,
                "groups": groups,
                "source": source,
                "updated_at": utc_now(),
            },
            upsert=True,
        )

    def get(self, version: str, name: str) -> dict[str, Any] | None:
        return self.collection.find_one({"_id": f"{version}/{name}"})

    def names(self, version: str) -> list[tuple[str, str]]:
        """The version's groupings: (name, updated_at), by name."""
        docs = self.collection.find({"version": version}, {"name": 1, "updated_at": 1})
        return sorted((doc["name"], str(doc.get("updated_at"))) for doc in docs)
