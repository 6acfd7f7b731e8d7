"""Submissions: idempotent inserts keyed by (round_id, submission_id), paging, pushed-down sums."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from catalogue import SubmissionStatus

# Included in estimates: `in_estimates` absent or true. nx-27017 stores a `false` written by
# `$set` as 0, and its findAndModify matches nothing for `$ne` on an absent field.
EXCLUDED_VALUES = [False, 0]
INCLUDED: dict[str, Any] = {"$nin": EXCLUDED_VALUES}
_DUPLICATE_KEY = 11000


# A batch is stored in commands of this many documents (its parts are validated and audited in
# the same size): the embedded store writes one command at a time, so others' single
# submissions wait behind one small command, not behind 100 documents. Issue 22 item 11, 8
# parallel 1000-item batches from one token, a phone's p95 at load 7: 601 ms with 100, 157–210
# ms with 20; the batches' CPU rises from 0.46 to 0.52–0.57 ms a submission (bench/ingest.py).
INSERT_CHUNK = 20
# … and in commands of this many while other requests have been in flight in the last second
# (service/interactive.py): a phone then finds at most 5 documents' command in progress. With
# batches yielding, a phone's p95 beside the 8 batches: 22–24 ms with 10, 17–19 ms with 5; alone,
# 5 would cost a quarter more CPU a batched submission than 10 (0.87 against 0.69 ms).
CONTENDED_INSERT_CHUNK = 5


class Submissions:
    def __init__(self, collection: Collection[dict[str, Any]]) -> None:
        self.collection = collection

    def ensure_indexes(self) -> None:
        self.collection.create_index(
            [("round_id", ASCENDING), ("submission_id", ASCENDING)], unique=True
        )

    def insert(self, doc: dict[str, Any]) -> SubmissionStatus:
        """Store once: a replay of the same content is `duplicate`, other content `conflict`."""
        try:
            self.collection.insert_one(doc)
        except DuplicateKeyError:
            return self._status_of_existing(doc)
        return SubmissionStatus.CREATED

    def insert_many(self, docs: Sequence[dict[str, Any]]) -> list[SubmissionStatus]:
        """Insert a batch unordered, so every valid document lands even when others collide."""
        statuses: list[SubmissionStatus] = []
        for start in range(0, len(docs), INSERT_CHUNK):
            statuses += self._insert_chunk(docs[start : start + INSERT_CHUNK])
        return statuses

    def _insert_chunk(self, docs: Sequence[dict[str, Any]]) -> list[SubmissionStatus]:
        statuses = [SubmissionStatus.CREATED] * len(docs)
        try:
            self.collection.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != _DUPLICATE_KEY for error in errors):
                raise
            colliding = [docs[error["index"]] for error in errors]
            stored = self._hashes(colliding[0]["round_id"], [d["submission_id"] for d in colliding])
            for error in errors:
                doc = docs[error["index"]]
                statuses[error["index"]] = _replay_or_conflict(doc, stored)
        return statuses

    def _status_of_existing(self, doc: dict[str, Any]) -> SubmissionStatus:
        return _replay_or_conflict(doc, self._hashes(doc["round_id"], [doc["submission_id"]]))

    def _hashes(self, round_id: str, submission_ids: list[str]) -> dict[str, str]:
        cursor = self.collection.find(
            {"round_id": round_id, "submission_id": {"$in": submission_ids}},
            {"submission_id": 1, "content_hash": 1, "_id": 0},
        )
        return {doc["submission_id"]: doc["content_hash"] for doc in cursor}

    def get(self, round_id: str, submission_id: str) -> dict[str, Any] | None:
        return self.collection.find_one(
            {"round_id": round_id, "submission_id": submission_id}, {"_id": 0}
        )

    def any_in(self, round_id: str) -> bool:
        return self.collection.find_one({"round_id": round_id}, {"_id": 1}) is not None

    def set_in_estimates(
        self, round_id: str, submission_id: str, included: bool
    ) -> dict[str, Any] | None:
        """Flip whether a submission counts in estimates; the document before, or None when
        it already was so (or does not exist). An absent `in_estimates` means included."""
        query: dict[str, Any] = {"round_id": round_id, "submission_id": submission_id}
        query["in_estimates"] = {"$in": EXCLUDED_VALUES} if included else INCLUDED
        return self.collection.find_one_and_update(
            query, {"$set": {"in_estimates": included}}, {"_id": 0, "agg": 1, "in_estimates": 1}
        )

    def replace_content(
        self,
        round_id: str,
        submission_id: str,
        content: dict[str, Any],
        expected_version: int | None = None,
    ) -> dict[str, Any] | None:
        """Set new content fields (with their `agg`); the document before, or None (no such
        submission, or not at the expected version any more)."""
        query: dict[str, Any] = {"round_id": round_id, "submission_id": submission_id}
        if expected_version is not None:  # documents never corrected carry no version: 1
            query["version"] = expected_version if expected_version > 1 else {"$exists": False}
        return self.collection.find_one_and_update(query, {"$set": content}, {"_id": 0})

    def set_review(
        self, round_id: str, submission_id: str, review: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Record a review verdict; the document after, or None."""
        return self.collection.find_one_and_update(
            {"round_id": round_id, "submission_id": submission_id},
            {"$set": {"review": review}},
            {"_id": 0},
            return_document=ReturnDocument.AFTER,
        )

    def without_cell_key(self, round_id: str) -> Iterator[dict[str, Any]]:
        """Submissions stored before cells existed (their `agg` has no `cell`)."""
        return self.collection.find(
            {"round_id": round_id, "in_estimates": INCLUDED, "agg.cell": {"$exists": False}},
            {"_id": 0, "submission_id": 1, "location": 1, "sampling": 1, "answers": 1},
        )

    def without_squares(self, round_id: str) -> Iterator[dict[str, Any]]:
        """Submissions with a contribution stored before it carried the squared weights `ww`
        (a sample round's, docs/design.md §8), whether or not they count now."""
        return self.collection.find(
            {"round_id": round_id, "agg.cell": {"$exists": True}, "agg.ww": {"$exists": False}},
            {"_id": 0, "submission_id": 1, "location": 1, "sampling": 1, "answers": 1},
        )

    def set_contributions(self, round_id: str, submission_id: str, agg: dict[str, Any]) -> None:
        self.collection.update_one(
            {"round_id": round_id, "submission_id": submission_id}, {"$set": {"agg": agg}}
        )

    def count(self, round_id: str) -> int:
        """Submissions in a round (`$count`: fast in nx-27017, where count_documents scans)."""
        pipeline: list[dict[str, Any]] = [{"$match": {"round_id": round_id}}, {"$count": "n"}]
        counted = next(self.collection.aggregate(pipeline), None)
        return int(counted["n"]) if counted else 0

    def page(
        self, round_id: str, limit: int, after: str | None, review: str | None = None
    ) -> list[dict[str, Any]]:
        """Up to `limit` submissions in submission_id order, starting after the cursor; with
        `review`, only those in that review state (`unreviewed`: none yet)."""
        query: dict[str, Any] = {"round_id": round_id}
        if after is not None:
            query["submission_id"] = {"$gt": after}
        if review == "unreviewed":
            query["review"] = {"$exists": False}
        elif review is not None:
            query["review.state"] = review
        cursor = self.collection.find(query, {"_id": 0}).sort("submission_id", ASCENDING)
        return list(cursor.limit(limit))

    def iterate(self, round_id: str) -> Iterator[dict[str, Any]]:
        """Every submission of a round in submission_id order (exports)."""
        after: str | None = None
        while True:
            batch = self.page(round_id, 1000, after)
            yield from batch
            if len(batch) < 1000:
                return
            after = batch[-1]["submission_id"]

    def unit_weights(self, round_id: str, answers: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
        """Each submission in estimates: its id, assignment, cell key, weight and moments (and
        the named `answers`), in submission_id order (the per-unit weights export, and the
        rounds calibrated to a numeric total)."""
        query = {"round_id": round_id, "in_estimates": INCLUDED}
        fields = {"_id": 0, "submission_id": 1, "assignment_id": 1, "agg": 1}
        if answers:  # whole: a dotted path beside `agg` came back empty from the embedded store
            fields["answers"] = 1
        yield from self.collection.find(query, fields).sort("submission_id", ASCENDING)

    def grouped_sums(
        self, round_id: str, group_field: str, sum_fields: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Σ of each field per value of one group field over the submissions included in
        estimates, computed in the store (O(rows): the cells' recount).

        Only a single-field `_id` is used: nx-27017 mis-groups compound keys, so the
        cell key is precomputed at ingest.
        """
        group: dict[str, Any] = {"_id": f"${group_field}", "rows": {"$sum": 1}}
        for index, field in enumerate(sum_fields):
            group[f"s{index}"] = {"$sum": f"${field}"}
        # Only what counts: not a held duplicate, nor a visit without an interview (§8).
        match = {"round_id": round_id, "in_estimates": INCLUDED}
        pipeline = [{"$match": match}, {"$group": group}]
        return [
            {
                "key": row["_id"],
                "rows": row["rows"],
                "sums": [row.get(f"s{i}") or 0.0 for i in range(len(sum_fields))],
            }
            for row in self.collection.aggregate(pipeline)
        ]

    def iterate_fields(self, round_id: str, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Every submission of a round with only the given fields (reports over a round)."""
        projection = {"_id": 0, **{name: 1 for name in fields}}
        return self.collection.find({"round_id": round_id}, projection)

    def held_duplicates(self, round_id: str) -> Counter[str]:
        """Per assignment, the completions held as `duplicate` for a supervisor (§8)."""
        cursor = self.collection.find(
            {"round_id": round_id, "review.state": "duplicate"}, {"assignment_id": 1, "_id": 0}
        )
        return Counter(doc["assignment_id"] for doc in cursor)

    def outcomes_of(self, round_id: str, assignment_id: str) -> list[str]:
        """The outcomes of an assignment's visits that a review has not rejected."""
        cursor = self.collection.find(
            {"round_id": round_id, "assignment_id": assignment_id},
            {"_id": 0, "outcome": 1, "review": 1},
        )
        return [
            doc["outcome"] for doc in cursor if (doc.get("review") or {}).get("state") != "rejected"
        ]

    def completed_visits(self, round_id: str, assignment_ids: list[str]) -> list[dict[str, Any]]:
        """The completed visits to these assignments (counted or held)."""
        return list(
            self.collection.find(
                {
                    "round_id": round_id,
                    "assignment_id": {"$in": assignment_ids},
                    "outcome": "completed",
                },
                {"_id": 0, "submission_id": 1, "assignment_id": 1, "location": 1, "answers": 1},
            )
        )


def _replay_or_conflict(doc: dict[str, Any], stored_hashes: dict[str, str]) -> SubmissionStatus:
    """A colliding document is a replay when its content equals the stored one's."""
    if stored_hashes.get(doc["submission_id"]) == doc["content_hash"]:
        return SubmissionStatus.DUPLICATE
    return SubmissionStatus.CONFLICT
