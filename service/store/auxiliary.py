"""Commune-level auxiliary data per geography version (census or administrative counts)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection


class Auxiliary:
    """One document per (version, name): ``{"_id": "<version>/<name>", "version", "name",
    "source", "columns", "rows": {commune: [values in column order]}, "updated_at"}``."""

    def __init__(self, collection: Collection[dict[str, Any]]) -> None:
        self.collection = collection

    def ensure_indexes(self) -> None:
        self.collection.create_index([("version", ASCENDING)])

    def get(self, version: str, name: str) -> dict[str, Any] | None:
        return self.collection.find_one({"_id": f"{version}/{name}"})

    def of_version(self, version: str) -> list[dict[str, Any]]:
        """Every table of a version, by name."""
        return sorted(self.collection.find({"version": version}), key=lambda doc: doc["name"])

    def put(self, doc: dict[str, Any]) -> None:
        """Store or replace the table (the whole table at once)."""
        key = f"{doc['version']}/{doc['name']}"
        self.collection.replace_one({"_id": key}, {**doc, "_id": key}, upsert=True)
