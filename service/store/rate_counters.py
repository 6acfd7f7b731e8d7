"""Rate-limit counters in the service's own MongoDB, shared by every worker and every app replica.

flask-limiter's MongoDB storage (`limits.storage.MongoDBStorage`) counts a fixed window with one
findAndModify whose update is an aggregation pipeline (`$cond` on `$$NOW`). A real mongod runs it;
nx-27017 (the embedded store) refuses pipeline updates. `incr` here does the same with classic
update operators, atomically on both: `$inc` while the window is open; else the expired counter
is deleted and a new one inserted, and of racing inserts all but one collide on `_id` and go round
again. (Not a `$set` of the new expiry: nx-27017 stores a date `$set` on an existing document, or
by a findAndModify upsert, as a string.)
"""

from __future__ import annotations

import datetime
from typing import Any

from limits.storage import MongoDBStorage
from pymongo import MongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError

SCHEME = "survey+"  # `survey+mongodb://…`: the store's URI, read by this class
COUNTERS = "rate_counters"
WINDOWS = "rate_windows"


class StoreRateCounters(MongoDBStorage):
    """The `limits` storage for `SURVEY_RATE_LIMIT_STORAGE=store`."""

    STORAGE_SCHEME = ["survey+mongodb", "survey+mongodb+srv"]  # noqa: RUF012 (the base's)

    def _init_mongo_client(self, uri: str | None, **options: Any) -> MongoClient[Any]:
        return MongoClient((uri or "").removeprefix(SCHEME), **options)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        while True:
            now = datetime.datetime.now(datetime.UTC)
            counted = self.counters.find_one_and_update(
                {"_id": key, "expireAt": {"$gt": now}},
                {"$inc": {"count": amount}},
                projection=["count"],
                return_document=ReturnDocument.AFTER,
            )
            if counted is not None:
                return int(counted["count"])
            self.counters.delete_one({"_id": key, "expireAt": {"$lte": now}})
            try:
                self.counters.insert_one(
                    {
                        "_id": key,
                        "count": amount,
                        "expireAt": now + datetime.timedelta(seconds=expiry),
                    }
                )
            except DuplicateKeyError:
                continue  # another worker opened the window first: count in it
            return amount


def storage_settings(config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """flask-limiter's `storage_uri` and `storage_options` for SURVEY_RATE_LIMIT_STORAGE.

    `store`: the service's MongoDB (MONGODB_URI, database SURVEY_DB), so one limit holds across
    every worker and replica; anything else is a `limits` storage URI (default `memory://`).
    """
    setting = str(config.get("SURVEY_RATE_LIMIT_STORAGE") or "memory://")
    if setting != "store":
        return setting, {}
    timeout = int(config.get("SURVEY_STORE_TIMEOUT_MS") or 2000)
    return SCHEME + str(config["MONGODB_URI"]), {
        "database_name": config["SURVEY_DB"],
        "counter_collection_name": COUNTERS,
        "window_collection_name": WINDOWS,
        "serverSelectionTimeoutMS": timeout,
        "connectTimeoutMS": timeout,
        "appname": "digital-adoption-survey-limits",
    }
