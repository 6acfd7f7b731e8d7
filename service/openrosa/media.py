"""A round's form media for ODK Collect: the per-user `assignments.csv` and its manifest (§8).

The CSV is deterministic (sorted by `name`, UTF-8 without BOM, `\\n` line ends, a header even
when empty) and its manifest hash is the md5 of exactly the bytes served to that user, so
Collect downloads it again exactly when that user's list changed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import xml.etree.ElementTree as ET
from typing import Any

from catalogue import Role
from service.samples.status import is_open
from service.store import Store

ASSIGNMENTS_FILE = "assignments.csv"
COLUMNS = ("name", "label", "district", "commune", "area", "psu")
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"
ASSIGNMENT_FIELDS = {"_id": 0, "sampling": 0, "completed_by": 0}


def phone_label(assignment: dict[str, Any]) -> str:
    """`assignment_id – label`, or the id alone: never empty."""
    label = assignment.get("label")
    return f"{assignment['assignment_id']} – {label}" if label else assignment["assignment_id"]


def assignments_for(store: Store, round_id: str, token: dict[str, Any]) -> list[dict[str, Any]]:
    """The assignments still to visit on this user's phone: an enumerator's own, open ones;
    every open one for an admin or supervisor."""
    everyone = token["role"] != Role.ENUMERATOR
    return [
        a
        for a in store.assignments.of_round(round_id, ASSIGNMENT_FIELDS)
        if is_open(a) and (everyone or a.get("enumerator") == token["name"])
    ]


def assignments_csv(assignments: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for a in sorted(assignments, key=lambda a: a["assignment_id"]):
        writer.writerow(
            [a["assignment_id"], phone_label(a), a["district"], a["commune"], a["area"], a["psu"]]
        )
    return buffer.getvalue().encode("utf-8")


def manifest(csv_bytes: bytes, download_url: str) -> ET.Element:
    """`<manifest>` listing the one media file with its md5 hash."""
    root = ET.Element("manifest", xmlns=MANIFEST_NS)
    media = ET.SubElement(root, "mediaFile")
    ET.SubElement(media, "filename").text = ASSIGNMENTS_FILE
    ET.SubElement(media, "hash").text = f"md5:{hashlib.md5(csv_bytes).hexdigest()}"
    ET.SubElement(media, "downloadUrl").text = download_url
    return root
