"""Per-round cells: the sufficient statistics estimates read (docs/design.md §7).

One document per round and cell, `_id` "<round>|<cell key>", holding `n` (units), `w` (Σw) and
one flat field per stored moment; plus one head document per round, `_id` "<round>|", holding
`version` (bumped by every change to the cells), `stored` (submissions stored in the round),
`rebuilding` (the id of a process recounting the cells, or "") and `inflight`: one mark per write
in flight, `inflight.<write id>` = {`writer`: its process, `seen`: when it began}. Head and cells
share a collection so that one `update` command applies a write's cell changes and closes its
mark together.

A mark names its write, so opening it (`$set`) and closing it (`$unset`) can each be repeated
or sent when unsure whether the other happened: closing a mark that was never opened changes
nothing. (Heads written before marks named their writes hold a `writer_…` counter per process and
`seen_writer_…`; they are still read, and a recount removes them.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from service.store.clock import utc_now

NOT_REBUILDING = ""
WRITER_PREFIX = "writer_"
INFLIGHT = "inflight"
LEGACY_SEEN_PREFIX = "seen_"  # heads of the previous version: `seen_writer_…`


def head_id(round_id: str) -> str:
    return f"{round_id}|"


class Cells:
    def __init__(self, collection: Collection[dict[str, Any]]) -> None:
        self.collection = collection

    def ensure_indexes(self) -> None:
        self.collection.create_index([("round_id", ASCENDING)])

    def head(self, round_id: str) -> dict[str, Any] | None:
        return self.collection.find_one({"_id": head_id(round_id)})

    def read(self, round_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The round's head and cells, in one query."""
        head, cells = None, []
        for doc in self.collection.find({"round_id": round_id}, batch_size=100_000):
            if doc["_id"] == head_id(round_id):
                head = doc
            else:
                cells.append(doc)
        return head, cells

    def begin_write(self, round_id: str, write_id: str, writer: str) -> bool:
        """Mark the write `write_id` of process `writer` in flight; False while the cells are
        being rebuilt (then nothing was marked)."""
        try:
            self.collection.update_one(
                {"_id": head_id(round_id), "round_id": round_id, "rebuilding": NOT_REBUILDING},
                {"$set": {_mark_field(write_id): {"writer": writer, "seen": utc_now()}}},
                upsert=True,
            )
        except DuplicateKeyError:  # the head exists with `rebuilding` set
            return False
        return True

    def end_write(
        self,
        round_id: str,
        write_ids: Iterable[str],
        deltas: Mapping[str, Mapping[str, float]],
        stored: int,
        *,
        dirty: bool = False,
        bump: bool = False,
    ) -> None:
        """Apply a write's cell deltas and close its in-flight mark(s), in one command.

        Closing a mark already closed, or never opened, changes nothing, so this may be repeated
        when its reply was lost (without deltas: those would be applied twice).
        `dirty`: the write failed part-way, so the next reader must recount the cells.
        `bump`: move the version even without deltas (the write changed an assignment's status).
        """
        head_inc: dict[str, float] = {"stored": stored} if stored else {}
        if deltas or dirty or bump:
            head_inc["version"] = 1
        head_update: dict[str, Any] = {"$unset": dict.fromkeys(map(_mark_field, write_ids), "")}
        if head_inc:
            head_update["$inc"] = head_inc
        if dirty:
            head_update["$set"] = {"dirty": True}
        operations = [
            UpdateOne(
                {"_id": f"{round_id}|{cell}", "round_id": round_id, "cell": cell},
                {"$inc": dict(fields)},
                upsert=True,
            )
            for cell, fields in deltas.items()
        ]
        operations.append(UpdateOne({"_id": head_id(round_id)}, head_update))
        self.collection.bulk_write(operations, ordered=True)

    def claim_rebuild(self, round_id: str, rebuilder: str, replacing: list[str]) -> bool:
        """Become the round's rebuilder, if nobody is or the current one is among `replacing`."""
        claimed = self.collection.find_one_and_update(
            {"_id": head_id(round_id), "rebuilding": {"$in": [NOT_REBUILDING, *replacing]}},
            {"$set": {"rebuilding": rebuilder}},
            return_document=ReturnDocument.AFTER,
        )
        if claimed is not None:
            return True
        try:  # a round that has no head yet (no write since cells existed)
            self.collection.insert_one(
                {"_id": head_id(round_id), "round_id": round_id, "rebuilding": rebuilder}
            )
        except DuplicateKeyError:
            return False
        return True

    def recount_all(self) -> None:
        """Make the next reader of every round recount its cells (`restore --recount`: a dump
        taken while writes ran may hold cells a few writes apart from the submissions)."""
        self.collection.update_many({"cell": {"$exists": False}}, {"$set": {"dirty": True}})

    def recount(self, round_id: str) -> None:
        """Make the next reader recount the round's cells (what they keep has changed)."""
        self.collection.update_one({"_id": head_id(round_id)}, {"$set": {"dirty": True}})

    def abandon_rebuild(self, round_id: str, rebuilder: str) -> None:
        """A rebuild that failed part-way: leave the cells dirty for the next reader."""
        self.collection.update_one(
            {"_id": head_id(round_id), "rebuilding": rebuilder},
            {"$set": {"rebuilding": NOT_REBUILDING, "dirty": True}},
        )

    def replace(
        self, round_id: str, cells: list[dict[str, Any]], head: dict[str, Any], stale: list[str]
    ) -> None:
        """Swap in recounted cells; the head last, which ends the rebuild and removes the
        `stale` fields (`Mark.fields` of marks left by dead processes)."""
        self.collection.delete_many({"round_id": round_id, "cell": {"$exists": True}})
        if cells:
            self.collection.insert_many(
                [
                    {**cell, "_id": f"{round_id}|{cell['cell']}", "round_id": round_id}
                    for cell in cells
                ]
            )
        update: dict[str, Any] = {
            "$set": {**head, "rebuilding": NOT_REBUILDING, "dirty": False},
            "$inc": {"version": 1},
        }
        if stale:
            update["$unset"] = dict.fromkeys(stale, "")
        self.collection.update_one({"_id": head_id(round_id)}, update)


@dataclass(frozen=True)
class Mark:
    """A write in flight as its head records it: the process that began it, when, and the head
    fields that hold it."""

    writer: str
    seen: str
    fields: tuple[str, ...]


def marks_in_flight(head: Mapping[str, Any]) -> list[Mark]:
    """Every write in flight: one mark per write, plus one per process with a counter of writes
    in flight above 0 in a head written by the previous version."""
    marks = [
        Mark(str(mark["writer"]), str(mark.get("seen", "")), (_mark_field(write_id),))
        for write_id, mark in (head.get(INFLIGHT) or {}).items()
    ]
    marks += [
        Mark(name, str(head.get(LEGACY_SEEN_PREFIX + name, "")), _legacy_fields_of(name))
        for name, count in head.items()
        if name.startswith(WRITER_PREFIX) and count > 0
    ]
    return marks


def legacy_fields(head: Mapping[str, Any]) -> list[str]:
    """The previous version's per-process fields (`writer_…` counters, `seen_writer_…`)."""
    return [
        name
        for name in head
        if name.startswith(WRITER_PREFIX) or name.startswith(LEGACY_SEEN_PREFIX + WRITER_PREFIX)
    ]


def _mark_field(write_id: str) -> str:
    if "." in write_id or "$" in write_id:
        raise ValueError(f"a write id is one field name: {write_id!r}")
    return f"{INFLIGHT}.{write_id}"


def _legacy_fields_of(writer: str) -> tuple[str, ...]:
    return (writer, LEGACY_SEEN_PREFIX + writer)
