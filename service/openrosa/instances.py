"""XForm instance XML → the submission dict the JSON API receives (docs/design.md §4).

Parsing is defused: a DTD (hence any entity, external or recursive) is refused outright, and
so are oversized or deeply nested documents. Values are typed by the XLSForm question they
answer; anything the form does not know is passed through as text so the schema rejects it.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from service.openrosa.responses import OpenRosaError
from service.openrosa.words import say
from service.openrosa.xforms import SKIPPED_VALUE, Question

MAX_INSTANCE_BYTES = 256 * 1024  # an interview of these forms is about 2 KB
MAX_DEPTH = 8
UUID_PREFIX = "uuid:"
INTEGER = re.compile(r"[-+]?[0-9]{1,12}")
DECIMAL = re.compile(r"[-+]?([0-9]{1,15}(\.[0-9]{0,15})?|\.[0-9]{1,15})([eE][-+]?[0-9]{1,3})?")


@dataclass(frozen=True)
class Instance:
    form_id: str
    instance_id: str
    tree: dict[str, Any]  # element values as text, nested like the form's groups
    deprecated_id: str | None = None  # an edit sent from a client names what it replaces


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse(data: bytes) -> ET.Element:
    """The root element of an instance document, parsed without DTDs or entities."""
    if len(data) > MAX_INSTANCE_BYTES:
        raise OpenRosaError(413, say("too_large", limit=MAX_INSTANCE_BYTES))
    try:
        root: ET.Element = fromstring(data, forbid_dtd=True)
        return root
    except DefusedXmlException as exc:
        raise OpenRosaError(400, say("dtd")) from exc
    except ET.ParseError as exc:
        raise OpenRosaError(400, say("not_xml", error=exc)) from exc


def element_values(element: ET.Element, depth: int = 0) -> dict[str, Any]:
    """Children of an element as {name: text | nested dict}; names are unique per level."""
    if depth > MAX_DEPTH:
        raise OpenRosaError(400, say("too_deep", levels=MAX_DEPTH))
    values: dict[str, Any] = {}
    for child in element:
        name = local_name(child.tag)
        if name in values:
            raise OpenRosaError(400, say("repeated_element", name=name))
        values[name] = element_values(child, depth + 1) if len(child) else (child.text or "")
    return values


def read_instance(data: bytes) -> Instance:
    """Form id, instanceID and values of a submitted instance document."""
    root = parse(data)
    form_id = root.get("id")
    if not form_id:
        raise OpenRosaError(400, say("no_form_id"))
    tree = element_values(root)
    meta = tree.pop("meta", None)
    instance_id = meta.get("instanceID", "").strip() if isinstance(meta, dict) else ""
    if not instance_id:
        raise OpenRosaError(400, say("no_instance_id"))
    deprecated = str(meta.get("deprecatedID") or "").strip() or None
    return Instance(form_id, instance_id, tree, deprecated)


def submission_id(instance_id: str) -> str:
    return instance_id.removeprefix(UUID_PREFIX)


def _number(text: str, kind: str) -> Any:
    """XForm integers and decimals are ASCII digits: Python's `int()` would also read `1_0` as
    10 and Arabic-Indic `٤` as 4, so anything else stays text for the schema to refuse."""
    if kind == "integer":
        return int(text) if INTEGER.fullmatch(text) else text
    return float(text) if DECIMAL.fullmatch(text) else text


def _geopoint(text: str) -> Any:
    """ODK's "lat lon altitude accuracy" as {"lat", "lon", "accuracy_m"}."""
    parts = text.split()
    if not all(DECIMAL.fullmatch(part) for part in parts):
        return text
    numbers = [float(part) for part in parts]
    if len(numbers) not in (2, 3, 4) or not all(math.isfinite(n) for n in numbers):
        return text
    point: dict[str, Any] = {"lat": numbers[0], "lon": numbers[1]}
    if len(numbers) == 4:
        point["accuracy_m"] = numbers[3]
    return point


def typed(text: str, kind: str) -> Any:
    """One answer as JSON would carry it; text that does not fit is left for the schema."""
    if kind in ("integer", "decimal"):
        return _number(text.strip(), kind)
    if kind == "yes_no":
        return {"yes": True, "no": False}.get(text.strip(), text)
    if kind == "geopoint":
        return _geopoint(text)
    return text


def to_payload(
    tree: dict[str, Any], questions: dict[tuple[str, ...], Question], path: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The JSON-shaped submission: blanks dropped, skipped questions "no"/0, values typed."""
    payload: dict[str, Any] = {}
    for name, value in tree.items():
        where = (*path, name)
        question = questions.get(where)
        if question is not None and question.kind == "display":
            continue
        if isinstance(value, dict):
            payload[name] = to_payload(value, questions, where)
        elif not value.strip():
            continue
        else:
            payload[name] = typed(value, question.kind) if question else value
    for question in questions.values():
        name = question.path[-1]
        skipped = question.skippable and question.kind in SKIPPED_VALUE
        if skipped and question.path[:-1] == path and name not in payload:
            payload[name] = SKIPPED_VALUE[question.kind]
    return payload
