"""API tokens: random secrets, stored only as hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from catalogue import ROLES, Role
from service.store.clock import utc_now
from service.store.errors import AlreadyExists

BOOTSTRAP_NAME = "bootstrap-admin"
# HTTP Digest (OpenRosa clients) needs HA1 = MD5(name:realm:token); it is a hash, never the token.
DIGEST_REALM = "digital-adoption-survey"


def token_hash(token: str) -> str:
    """SHA-256 of a token; tokens carry 256 bits of entropy, so no salt or stretching is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def digest_ha1(name: str, token: str) -> str:
    return hashlib.md5(f"{name}:{DIGEST_REALM}:{token}".encode()).hexdigest()


class Tokens:
    def __init__(self, collection: Collection[dict[str, Any]]) -> None:
        self.collection = collection

    def ensure_indexes(self) -> None:
        """Names are unique among active tokens only: once revoked, a name may be issued again
        (an enumerator's new phone keeps its Digest user name). `active_name` carries the
        uniqueness: the name while active, `revoked:<id>` after."""
        self.collection.create_index([("hash", ASCENDING)], unique=True)
        if "name_1" in self.collection.index_information():  # before active_name existed
            self.collection.drop_index("name_1")
        for doc in self.collection.find(
            {"active_name": {"$exists": False}}, {"name": 1, "revoked_at": 1}
        ):
            active = f"revoked:{doc['_id']}" if doc.get("revoked_at") else doc["name"]
            self.collection.update_one({"_id": doc["_id"]}, {"$set": {"active_name": active}})
        self.collection.create_index([("active_name", ASCENDING)], unique=True)

    def create(
        self, role: Role | str, name: str, token: str | None = None
    ) -> tuple[dict[str, Any], str]:
        """Store a new token; return its document and the plaintext, which is never stored."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        token = token or secrets.token_urlsafe(32)
        doc = {
            "_id": secrets.token_hex(8),
            "hash": token_hash(token),
            "digest_ha1": digest_ha1(name, token),
            "role": role,
            "name": name,
            "active_name": name,
            "created_at": utc_now(),
            "revoked_at": None,
        }
        try:
            self.collection.insert_one(doc)
        except DuplicateKeyError as exc:
            raise AlreadyExists(f"an active token named {name!r} already exists") from exc
        return doc, token

    def authenticate(self, token: str) -> dict[str, Any] | None:
        """The active token document for a presented secret, or None."""
        presented = token_hash(token)
        doc = self.collection.find_one({"hash": presented, "revoked_at": None})
        if doc is None or not hmac.compare_digest(doc["hash"], presented):
            return None
        return doc

    def active_by_hash(self, hashes: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The active token documents among these hashes (of secrets already presented), by
        hash: one query for many."""
        found = self.collection.find({"hash": {"$in": list(hashes)}, "revoked_at": None})
        return {doc["hash"]: doc for doc in found}

    def by_name(self, name: str) -> dict[str, Any] | None:
        return self.collection.find_one({"name": name, "revoked_at": None})

    def list(self) -> list[dict[str, Any]]:
        hidden = {"hash": 0, "digest_ha1": 0, "active_name": 0}
        return list(self.collection.find({}, hidden).sort("created_at", 1))

    def revoke(self, token_id: str) -> bool:
        result = self.collection.update_one(
            {"_id": token_id, "revoked_at": None},
            {"$set": {"revoked_at": utc_now(), "active_name": f"revoked:{token_id}"}},
        )
        return result.modified_count == 1

    def exists(self, token_id: str) -> bool:
        return self.collection.find_one({"_id": token_id}, {"_id": 1}) is not None

    def bootstrap_admin(self, token: str | None) -> str | None:
        """Make sure an admin can sign in.

        With `token` (SURVEY_ADMIN_TOKEN) that secret becomes the bootstrap admin's. Without it,
        a new admin token is created only when no active admin exists; its plaintext is returned
        once so the caller can show it.
        """
        if token:
            self.collection.update_one(
                {"active_name": BOOTSTRAP_NAME},
                {
                    "$set": {
                        "hash": token_hash(token),
                        "digest_ha1": digest_ha1(BOOTSTRAP_NAME, token),
                        "role": Role.ADMIN,
                        "revoked_at": None,
                    },
                    "$setOnInsert": {
                        "_id": secrets.token_hex(8),
                        "name": BOOTSTRAP_NAME,
                        "created_at": utc_now(),
                    },
                },
                upsert=True,
            )
            return None
        # find_one, not count_documents: nx-27017 counts nothing for a `null` equality filter.
        if self.collection.find_one({"role": Role.ADMIN, "revoked_at": None}, {"_id": 1}):
            return None
        _, created = self.create(Role.ADMIN, BOOTSTRAP_NAME)
        return created
