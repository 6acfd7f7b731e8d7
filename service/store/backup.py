"""Backups of one database in mongodump's folder layout, for stores without MongoDB's tools.

`dump` writes `<folder>/<database>/<collection>.bson.gz` (the documents as raw BSON, one after
another) and `<collection>.metadata.json.gz` (the indexes), which is what `mongodump --gzip --db`
writes, so `mongorestore --gzip --dir <folder>` reads it as well as `restore` here does. Used for
the embedded store (nx-27017), where mongodump is not available; production uses mongodump
itself (docs/operations.md "Backups").
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

import bson
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo.collection import Collection
from pymongo.database import Database

RAW = CodecOptions(document_class=RawBSONDocument)
BATCH = 1000
STAMP = "%Y-%m-%dT%H-%M-%S.%fZ"  # a folder name that sorts by time


def dump(database: Database[dict[str, Any]], folder: Path) -> dict[str, int]:
    """Every collection of `database` into `folder/<database name>/`; {collection: documents}."""
    target = folder / database.name
    target.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name in sorted(database.list_collection_names()):
        collection = cast(
            Collection[RawBSONDocument], database.get_collection(name, codec_options=RAW)
        )
        count = 0
        with gzip.open(target / f"{name}.bson.gz", "wb") as out:
            for doc in collection.find(batch_size=BATCH):
                out.write(doc.raw)
                count += 1
        indexes = [_index_spec(index) for index in database[name].list_indexes()]
        metadata = {"options": {}, "indexes": indexes, "collectionName": name, "type": "collection"}
        with gzip.open(target / f"{name}.metadata.json.gz", "wt", encoding="utf-8") as out:
            json.dump(metadata, out)
        counts[name] = count
    return counts


def restore(folder: Path, database: Database[dict[str, Any]], *, drop: bool) -> dict[str, int]:
    """Load a `dump` folder (the one holding the .bson.gz files) into `database`."""
    counts: dict[str, int] = {}
    for data in sorted(folder.glob("*.bson.gz")):
        name = data.name.removesuffix(".bson.gz")
        collection = database[name]
        if drop:
            collection.drop()
        count = 0
        with gzip.open(data, "rb") as source:
            batch: list[RawBSONDocument] = []
            for doc in bson.decode_file_iter(cast(IO[bytes], source), RAW):
                batch.append(doc)
                if len(batch) == BATCH:
                    count += _insert(collection, batch)
            count += _insert(collection, batch)
        metadata_path = folder / f"{name}.metadata.json.gz"
        if metadata_path.exists():
            with gzip.open(metadata_path, "rt", encoding="utf-8") as source:
                for index in json.load(source)["indexes"]:
                    if index["name"] != "_id_":
                        keys = list(index.pop("key").items())
                        index.pop("v", None)
                        collection.create_index(keys, **index)
        counts[name] = count
    return counts


def _insert(collection: Any, batch: list[RawBSONDocument]) -> int:
    if batch:
        collection.insert_many(batch, ordered=False)
    done = len(batch)
    batch.clear()
    return done


def _index_spec(index: Mapping[str, Any]) -> dict[str, Any]:
    spec = {key: value for key, value in index.items() if key != "ns"}
    spec["key"] = dict(spec["key"])
    return spec


def dump_with_retention(
    database: Database[dict[str, Any]], backups: Path, keep: int
) -> tuple[Path, list[Path]]:
    """A new dated dump under `backups`, and the oldest ones beyond `keep` removed."""
    folder = backups / datetime.now(UTC).strftime(STAMP)
    dump(database, folder)
    dated = sorted(path for path in backups.iterdir() if path.is_dir() and _is_stamp(path.name))
    removed = dated[: max(0, len(dated) - keep)]
    for old in removed:
        shutil.rmtree(old)
    return folder, removed


def _is_stamp(name: str) -> bool:
    try:
        datetime.strptime(name, STAMP)
    except ValueError:
        return False
    return True
