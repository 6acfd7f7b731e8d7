"""Assignments: one document per sampled unit of a round (docs/design.md §8).

Status is kept as `rank`, raised with `$max` by every stored visit, so visits arriving in any
order leave the same status; `completed_by` names the one completion that counts, claimed
atomically so two phones completing the same unit at once cannot both count.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.collection import Collection

INSERT_CHUNK = 1000
PUBLIC_FIELDS = {"_id": 0, "round_id": 0, "completed_by": 0, "is_closed": 0}


def _key(round_id: str, assignment_id: str) -> str:
    return f"{round_id}/{assignment_id}"


class Assignments:
    def __init__(self, collection: Collection[dict[str, Any]]) -> None:
        self.collection = collection

    def ensure_indexes(self) -> None:
        self.collection.create_index(
            [("round_id", ASCENDING), ("assignment_id", ASCENDING)], unique=True
        )
        self.collection.create_index([("round_id", ASCENDING), ("enumerator", ASCENDING)])

    def replace(self, round_id: str, rows: Sequence[dict[str, Any]]) -> None:
        """The round's sample becomes exactly these rows (fieldwork state starts afresh)."""
        self.collection.delete_many({"round_id": round_id})
        self.add(round_id, rows)

    def add(self, round_id: str, rows: Sequence[dict[str, Any]]) -> None:
        """Insert in chunks: one huge message would outlast the socket timeout."""
        for start in range(0, len(rows), INSERT_CHUNK):
            docs = [
                {"_id": _key(round_id, row["assignment_id"]), "round_id": round_id, "rank": 0} | row
                for row in rows[start : start + INSERT_CHUNK]
            ]
            self.collection.insert_many(docs, ordered=False)

    def get(self, round_id: str, assignment_id: str) -> dict[str, Any] | None:
        return self.collection.find_one({"_id": _key(round_id, assignment_id)})

    def of_round(
        self, round_id: str, projection: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every assignment of a round, in assignment_id order."""
        cursor = self.collection.find({"round_id": round_id}, projection or PUBLIC_FIELDS)
        return list(cursor.sort("assignment_id", ASCENDING))

    def page(
        self, round_id: str, filters: dict[str, Any], limit: int, after: str | None
    ) -> list[dict[str, Any]]:
        """Up to `limit` assignments matching `filters`, in assignment_id order after the cursor."""
        query: dict[str, Any] = {"round_id": round_id, **filters}
        if after is not None:
            query["assignment_id"] = {"$gt": after}
        cursor = self.collection.find(query, PUBLIC_FIELDS).sort("assignment_id", ASCENDING)
        return list(cursor.limit(limit))

    def iterate(self, round_id: str, filters: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every assignment matching `filters` in assignment_id order, page by page (exports)."""
        after: str | None = None
        while True:
            batch = self.page(round_id, filters, 1000, after)
            yield from batch
            if len(batch) < 1000:
                return
            after = batch[-1]["assignment_id"]

    def states_by(self, round_id: str, field: str) -> list[dict[str, Any]]:
        """Per value of one field: the assignment ids, status ranks and closing outcomes (None
        when open), position by position. One `$group` with `$push`: ten times faster in the
        embedded store than reading the documents (which has no `$cond` to count in place)."""
        group = {
            "_id": f"${field}",
            "ids": {"$push": "$assignment_id"},
            "ranks": {"$push": "$rank"},
            "closed": {"$push": "$closed.outcome"},
        }
        pipeline: list[dict[str, Any]] = [{"$match": {"round_id": round_id}}, {"$group": group}]
        return [{**row, "key": row.pop("_id")} for row in self.collection.aggregate(pipeline)]

    def outcomes_by_psu(self, round_id: str) -> list[dict[str, Any]]:
        """Per sample PSU: its stratum, `psu_prob` and the variance stratum its units' cells
        carry, then position by position each unit's `unit_prob`, status rank, closing outcome
        (None when open) and base weight (docs/design.md §9b). One `$group` on the PSU:
        O(assignments)."""
        group = {
            "_id": "$psu",
            "stratum": {"$first": "$stratum"},
            "psu_prob": {"$first": "$psu_prob"},
            "unit_prob": {"$push": "$unit_prob"},
            "variance_stratum": {"$first": "$sampling.stratum"},
            "ranks": {"$push": "$rank"},
            "closed": {"$push": "$closed.outcome"},
            "d": {"$push": "$sampling.weight"},
        }
        pipeline: list[dict[str, Any]] = [{"$match": {"round_id": round_id}}, {"$group": group}]
        return [{**row, "psu": row.pop("_id")} for row in self.collection.aggregate(pipeline)]

    def claim_completion(self, round_id: str, assignment_id: str, submission_id: str) -> str:
        """Make this submission the completion that counts unless another one already does:
        "claimed" (now), "held" (by this submission before: a replay) or "taken"."""
        before = self.collection.find_one_and_update(
            {
                "_id": _key(round_id, assignment_id),
                "completed_by": {"$in": [None, submission_id]},
            },
            {"$set": {"completed_by": submission_id}},
            projection={"completed_by": 1},
        )
        if before is None:
            return "taken"
        return "held" if before.get("completed_by") == submission_id else "claimed"

    def release_completion(self, round_id: str, assignment_id: str, submission_id: str) -> None:
        """Undo a claim whose submission was not stored after all."""
        self.collection.update_one(
            {"_id": _key(round_id, assignment_id), "completed_by": submission_id},
            {"$set": {"completed_by": None}},
        )

    def take_completion(self, round_id: str, assignment_id: str, submission_id: str) -> str | None:
        """Make this submission the completion that counts (a supervisor approved it); the one
        that counted before, if any."""
        before = self.collection.find_one_and_update(
            {"_id": _key(round_id, assignment_id)},
            {"$set": {"completed_by": submission_id}},
            projection={"completed_by": 1},
        )
        return (before or {}).get("completed_by")

    def raise_rank(self, round_id: str, assignment_id: str, rank: int) -> None:
        self.collection.update_one({"_id": _key(round_id, assignment_id)}, {"$max": {"rank": rank}})

    def set_rank(self, round_id: str, assignment_id: str, rank: int) -> int | None:
        """Set the status rank outright (after a review removed a visit from counting); the
        rank it had (None: no such assignment)."""
        before = self.collection.find_one_and_update(
            {"_id": _key(round_id, assignment_id)},
            {"$set": {"rank": rank}},
            projection={"rank": 1},
        )
        return None if before is None else before.get("rank", 0)

    def update(
        self, round_id: str, assignment_id: str, changes: dict[str, Any]
    ) -> dict[str, Any] | None:
        return self.collection.find_one_and_update(
            {"_id": _key(round_id, assignment_id)},
            {"$set": changes},
            projection=PUBLIC_FIELDS,
            return_document=ReturnDocument.AFTER,
        )

    def set_psu_unit_prob(
        self, round_id: str, psu: str, unit_prob: float, sampling_of: Any
    ) -> list[dict[str, Any]]:
        """Give every unit of a PSU the new `unit_prob` and the sampling it implies."""
        units = list(self.collection.find({"round_id": round_id, "psu": psu}))
        writes = []
        for unit in units:
            unit["unit_prob"] = unit_prob
            unit["sampling"] = sampling_of(unit)
            writes.append(
                UpdateOne(
                    {"_id": unit["_id"]},
                    {"$set": {"unit_prob": unit_prob, "sampling": unit["sampling"]}},
                )
            )
        if writes:
            self.collection.bulk_write(writes)
        return units
