"""Server keys shared by every worker and restart (the Digest nonce key): made once, kept."""

from __future__ import annotations

import contextlib
import secrets
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError


class ServerKeys:
    def __init__(self, collection: Collection[dict[str, Any]]) -> None:
        self.collection = collection
        self._known: dict[str, bytes] = {}

    def get(self, name: str) -> bytes:
        """The key called `name`, made by whichever process asks first (256 random bits)."""
        if name not in self._known:
            doc = self.collection.find_one({"_id": name})
            if doc is None:
                with contextlib.suppress(DuplicateKeyError):  # another process made it first
                    self.collection.insert_one({"_id": name, "key": secrets.token_hex(32)})
                doc = self.collection.find_one({"_id": name}) or {}
            self._known[name] = bytes.fromhex(doc["key"])
        return self._known[name]
