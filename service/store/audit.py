"""The audit log: an append-only collection. Nothing here updates or deletes an entry.

The entries of one write to many targets (a batch's submissions, a group commit's) share their
time, action, actor, round and request: they are stored as one document listing them, `entries`
`[[id, target], …]`, with `first` and `position` its smallest and largest entry id, and read back
one entry per target. A batch of 1000 then costs the store one insert instead of 1000, which
had cost the one-stream batch rate a third (docs/benchmarks.md, issue 23).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection

SHARED = ("at", "action", "actor", "round_id", "request_id")  # the same for a whole write
PACK_MAX = 1000  # entries per stored document


class AuditLog:
    def __init__(self, collection: Collection[dict[str, Any]]) -> None:
        self.collection = collection

    def ensure_indexes(self) -> None:
        for field in ("position", "round_id", "action", "actor.token_id"):
            self.collection.create_index([(field, ASCENDING)])

    def append(self, entries: list[dict[str, Any]]) -> None:
        """Store entries (each with `_id` = `position`), those of one write together."""
        documents = [_packed(pack) for pack in _packs(entries)]
        if documents:
            self.collection.insert_many(documents, ordered=True)

    def page(self, filters: dict[str, str], limit: int, after: str | None) -> list[dict[str, Any]]:
        """Up to `limit` entries matching every filter, newest first, older than the cursor."""
        query: dict[str, Any] = dict(filters)
        if after is not None:  # nx-27017 compares no ranges on `_id`
            query["$or"] = [{"position": {"$lt": after}}, {"first": {"$lt": after}}]
        found: list[dict[str, Any]] = []
        for document in self._newest_first(query, limit):
            # Documents come by their newest entry: once `limit` entries newer than this one's
            # newest are found, no later document has a place on the page.
            if len(found) >= limit and found[limit - 1]["position"] > document["position"]:
                break
            found += [e for e in _unpacked(document) if after is None or e["position"] < after]
            found.sort(key=lambda entry: entry["position"], reverse=True)
        return found[:limit]

    def _newest_first(self, query: dict[str, Any], chunk: int) -> Iterator[dict[str, Any]]:
        skip = 0
        while True:
            cursor = self.collection.find(query).sort("position", DESCENDING)
            documents = list(cursor.skip(skip).limit(chunk))
            yield from documents
            if len(documents) < chunk:
                return
            skip += chunk

    def count(self, filters: dict[str, str] | None = None) -> int:
        documents = self.collection.find(dict(filters or {}), {"entries": 1})
        return sum(len(document.get("entries") or [None]) for document in documents)


def _packs(entries: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Runs of consecutive entries of one write, at most `PACK_MAX` each."""
    pack: list[dict[str, Any]] = []
    for entry in entries:
        if pack and (len(pack) == PACK_MAX or any(entry[name] != pack[0][name] for name in SHARED)):
            yield pack
            pack = []
        pack.append(entry)
    if pack:
        yield pack


def _packed(pack: list[dict[str, Any]]) -> dict[str, Any]:
    if len(pack) == 1:
        return pack[0]
    ids = [entry["_id"] for entry in pack]
    return {
        "_id": ids[0],
        "position": max(ids),
        "first": min(ids),
        **{name: pack[0][name] for name in SHARED},
        "entries": [[entry["_id"], entry["target"]] for entry in pack],
    }


def _unpacked(document: dict[str, Any]) -> list[dict[str, Any]]:
    if "entries" not in document:
        return [document]
    shared = {name: document.get(name) for name in SHARED}
    return [
        {"_id": entry_id, "position": entry_id, **shared, "target": target}
        for entry_id, target in document["entries"]
    ]
