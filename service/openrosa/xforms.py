"""One XForm per round: the instrument's XLSForm (`forms/<instrument>.xlsx`) with the round's
id, title and frame, converted by pyxform and kept per process."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyxform.xls2json_backends import xlsx_to_dict
from pyxform.xls2xform import convert

from catalogue import LAO_CAI_DISTRICTS
from catalogue.geography import former_provinces, load_version
from service.domain.round import Round

FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"
LANGUAGES = ("English (en)", "Tiếng Việt (vi)")
YES_NO = "select_one yes_no"
# Shown to the enumerator (an assignment's label, district, commune), never submitted data.
DISPLAY_TYPES = ("calculate", "note")
# A question skipped by its `relevant` condition was not asked because its premise is false.
SKIPPED_VALUE: dict[str, Any] = {"yes_no": False, "integer": 0}


@dataclass(frozen=True)
class XForm:
    form_id: str
    title: str
    version: str
    xml: bytes

    @property
    def md5(self) -> str:
        return hashlib.md5(self.xml).hexdigest()  # the OpenRosa form hash is MD5


@dataclass(frozen=True)
class Question:
    """How one instance element maps onto the JSON submission."""

    path: tuple[str, ...]
    kind: str  # integer | decimal | yes_no | geopoint | text
    skippable: bool  # has a `relevant` condition


@lru_cache(maxsize=4)
def _workbook_json(instrument: str) -> str:
    """The XLSForm's sheets as JSON text (immutable, so the cache cannot be altered)."""
    book = xlsx_to_dict(FORMS_DIR / f"{instrument}.xlsx")
    return json.dumps({sheet: book[sheet] for sheet in ("survey", "choices", "settings")})


def workbook(instrument: str) -> dict[str, list[dict[str, Any]]]:
    """The instrument's XLSForm sheets: {"survey": rows, "choices": rows, "settings": rows}."""
    book: dict[str, list[dict[str, Any]]] = json.loads(_workbook_json(instrument))
    return book


def _kind(row_type: str) -> str:
    if row_type == YES_NO:
        return "yes_no"
    if row_type in DISPLAY_TYPES:
        return "display"
    return row_type if row_type in ("integer", "decimal", "geopoint") else "text"


@lru_cache(maxsize=4)
def questions(instrument: str) -> dict[tuple[str, ...], Question]:
    """Every question of the instrument by its path below the instance root."""
    found: dict[tuple[str, ...], Question] = {}
    groups: list[str] = []
    for row in workbook(instrument)["survey"]:
        row_type = row.get("type", "")
        if row_type == "begin_group":
            groups.append(row["name"])
        elif row_type == "end_group":
            groups.pop()
        elif row.get("name"):
            path = (*groups, row["name"])
            found[path] = Question(path, _kind(row_type), bool(row.get("relevant")))
    return found


def literal(text: str) -> str:
    """Text shown as typed: pyxform reads `${name}` in any label or title as a reference to a
    question, so a zero-width space keeps an admin's `${y}` from breaking the whole form."""
    return text.replace("${", "$\u200b{")


def _choice(list_name: str, code: str, name: str, **columns: str) -> dict[str, str]:
    labels = {f"label::{language}": literal(name) for language in LANGUAGES}
    return {"list_name": list_name, "name": code, **labels, **columns}


def _commune_as_pick_list(row: dict[str, Any], cascading: bool) -> dict[str, Any]:
    """The free-text commune code becomes a choice among the frame's communes (of the district,
    where the geography has districts)."""
    kept = {k: v for k, v in row.items() if not k.startswith(("constraint", "hint"))}
    picked = {**kept, "type": "select_one commune"}
    return picked | ({"choice_filter": "district = ${district}"} if cascading else {})


def geography_frame(survey_round: Round) -> Mapping[str, Any] | None:
    """The districts and communes a round's form offers, with names: from its geography version
    (the provinces of its coverage), else its frame (docs/design.md §13)."""
    if survey_round.geography is None:
        return survey_round.frame
    version = load_version(survey_round.geography)
    coverage = set(survey_round.coverage)
    former = former_provinces(version.id)
    communes = {
        unit.code: {"district": unit.parent if version.has_districts else "", "name": unit.name_vi}
        for unit in version.communes
        if former.get(unit.code) in coverage
    }
    districts = {
        unit.code: unit.name_vi
        for unit in version.districts
        if any(c["district"] == unit.code for c in communes.values())
    }
    return {"districts": districts, "communes": communes}


def form_source(survey_round: Round) -> str:
    """The XLSForm a round's XForm is built from: a round with a sample picks assignments."""
    instrument = survey_round.instrument.value
    return f"{instrument}_sample" if survey_round.has_sample else instrument


def round_workbook(
    instrument: str, round_id: str, title: str, frame: dict[str, Any] | None, version: str
) -> dict[str, list[dict[str, Any]]]:
    """The XLSForm for one round: its id, title and version; districts and communes of its frame."""
    book = copy.deepcopy(workbook(instrument))
    if instrument.endswith("_sample"):  # the assignment brings location and design
        settings = {**book["settings"][0], "form_id": round_id, "form_title": title}
        return {**book, "settings": [{**settings, "version": version}]}
    communes = (frame or {}).get("communes") or {}
    districts = (frame or {}).get("districts")
    if districts is None or (not districts and not communes):
        districts = LAO_CAI_DISTRICTS
    choices = [row for row in book["choices"] if row["list_name"] not in ("district", "commune")]
    choices += [_choice("district", code, name) for code, name in sorted(districts.items())]
    choices += [
        _choice(
            "commune",
            code,
            commune["name"],
            **({"district": commune["district"]} if districts else {}),
        )
        for code, commune in sorted(communes.items())
    ]
    survey = [
        _commune_as_pick_list(row, bool(districts))
        if communes and row.get("name") == "commune"
        else row
        for row in book["survey"]
        if districts or row.get("name") != "district"  # no districts since 1 July 2025
    ]
    settings = {**book["settings"][0], "form_id": round_id, "form_title": literal(title)}
    settings["version"] = version
    return {"survey": survey, "choices": choices, "settings": [settings]}


def form_version(instrument: str, round_id: str, title: str, frame_json: str) -> str:
    """Changes whenever the form would: a new XLSForm, title or frame."""
    digest = hashlib.sha256()
    for part in (_workbook_json(instrument), round_id, title, frame_json):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


@lru_cache(maxsize=64)
def _build(instrument: str, round_id: str, title: str, frame_json: str) -> XForm:
    version = form_version(instrument, round_id, title, frame_json)
    book = round_workbook(instrument, round_id, title, json.loads(frame_json), version)
    xml = convert(book, form_name="data").xform
    return XForm(round_id, title, version, xml.encode("utf-8"))


def xform_for(survey_round: Round) -> XForm:
    """The round's XForm, built once per process and per version of its inputs."""
    frame = geography_frame(survey_round)
    frame_json = json.dumps(
        None if frame is None else dict(frame), sort_keys=True, ensure_ascii=False
    )
    return _build(form_source(survey_round), survey_round.id, survey_round.title, frame_json)
