"""The XLSForms and the XForms built from them: same fields, rules and codes as the JSON API."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from marshmallow import Schema
from pyxform.validators import odk_validate
from pyxform.xls2json_backends import md_to_dict, xlsx_to_dict

from catalogue import LAO_CAI_DISTRICTS
from forms.build import INSTRUMENTS, source_path, workbook_path
from schemas.submissions import SUBMISSION_SCHEMAS
from service.domain.round import Round
from service.openrosa.xforms import questions, workbook, xform_for
from tests.support.openrosa_client import FRAME

XF = "{http://www.w3.org/2002/xforms}"
SHEETS = ("survey", "choices", "settings")


def round_doc(instrument: str, frame: dict[str, Any] | None = FRAME) -> dict[str, Any]:
    return {
        "_id": f"{instrument}-2025",
        "instrument": instrument,
        "status": "open",
        "title": f"{instrument.title()} 2025",
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "frame": frame,
        "geography": None,  # free codes: the frame alone says which (docs/design.md §13)
    }


def model(instrument: str, frame: dict[str, Any] | None = FRAME) -> ET.Element:
    return ET.fromstring(xform_for(Round.from_doc(round_doc(instrument, frame))).xml).find(
        f".//{XF}model"
    )


def bind(instrument: str, reference: str, frame: dict[str, Any] | None = FRAME) -> dict[str, str]:
    found = model(instrument, frame).find(f"{XF}bind[@nodeset='{reference}']")
    assert found is not None, reference
    return dict(found.attrib)


def schema_paths(schema: Schema, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    paths: set[tuple[str, ...]] = set()
    for name, field in schema.fields.items():
        nested = getattr(field, "schema", None)
        if isinstance(nested, Schema) and name != "gps":
            paths |= schema_paths(nested, (*prefix, name))
        else:
            paths.add((*prefix, name))
    return paths


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_committed_workbook_matches_its_markdown_source(instrument: str) -> None:
    source = md_to_dict(source_path(instrument).read_text(encoding="utf-8"))
    built = xlsx_to_dict(workbook_path(instrument))
    for sheet in SHEETS:
        assert built[sheet] == source[sheet], f"run `python -m forms.build` ({sheet})"


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_questions_are_the_json_submission_fields(instrument: str) -> None:
    json_fields = schema_paths(SUBMISSION_SCHEMAS[instrument]()) - {("submission_id",)}
    assert set(questions(instrument)) == json_fields


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_standalone_district_list_is_lao_cai(instrument: str) -> None:
    choices = workbook(instrument)["choices"]
    districts = {
        row["name"]: row["label::Tiếng Việt (vi)"]
        for row in choices
        if row["list_name"] == "district"
    }
    assert districts == LAO_CAI_DISTRICTS


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs java")
@pytest.mark.parametrize("instrument", INSTRUMENTS)
@pytest.mark.parametrize("frame", [FRAME, None], ids=["frame", "no-frame"])
def test_round_xform_passes_odk_validate(
    instrument: str, frame: dict[str, Any] | None, tmp_path: Path
) -> None:
    """ODK Validate runs JavaRosa, the form engine of ODK Collect and KoboCollect."""
    path = tmp_path / "form.xml"
    path.write_bytes(xform_for(Round.from_doc(round_doc(instrument, frame))).xml)
    odk_validate.check_xform(str(path))  # raises ODKValidateError on any error


def test_form_id_title_and_version_are_the_rounds() -> None:
    form = xform_for(Round.from_doc(round_doc("household")))
    root = model("household").find(f"{XF}instance")[0]
    assert (root.get("id"), root.get("version")) == ("household-2025", form.version)
    assert form.title == "Household 2025"


def test_version_changes_when_the_frame_changes() -> None:
    changed = {**FRAME, "districts": {**FRAME["districts"], "089": "Huyện Văn Bàn"}}
    assert (
        xform_for(Round.from_doc(round_doc("household"))).version
        != xform_for(Round.from_doc(round_doc("household", changed))).version
    )


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_labels_are_in_vietnamese_and_english(instrument: str) -> None:
    languages = {t.get("lang") for t in model(instrument).iter(f"{XF}translation")}
    assert languages == {"English (en)", "Tiếng Việt (vi)"}
    default = [t for t in model(instrument).iter(f"{XF}translation") if t.get("default")]
    assert [t.get("lang") for t in default] == ["Tiếng Việt (vi)"]


def test_fiber_subscription_is_asked_only_when_fiber_is_available() -> None:
    relevant = bind("household", "/data/answers/fiber_subscribed")["relevant"]
    assert relevant.split() == ["/data/answers/fiber_available", "=", "'yes'"]


def test_electronic_transactions_are_asked_only_of_it_users() -> None:
    relevant = bind("business", "/data/answers/e_transactions")["relevant"]
    assert relevant.split() == ["/data/answers/uses_it", "=", "'yes'"]


@pytest.mark.parametrize(
    ("reference", "constraint"),
    [
        ("/data/answers/members", ". >= 1 and . <= 50"),
        ("/data/answers/members_15plus", ". >= 0 and . <= /data/answers/members"),
        ("/data/answers/members_15plus_with_epay", ". >= 0 and . <= /data/answers/members_15plus"),
        (
            "/data/answers/members_15plus_egov_mobile",
            ". >= 0 and . <= /data/answers/members_15plus",
        ),
        ("/data/answers/smartphones", ". >= 0 and . <= 200"),
        ("/data/sampling/weight", ". > 0 and . <= 10000000"),
        ("/data/sampling/psu", "regex(., '^[A-Za-z0-9_-]{1,32}$')"),
    ],
)
def test_household_constraints_mirror_the_server_ranges(reference: str, constraint: str) -> None:
    found = bind("household", reference)
    assert " ".join(found["constraint"].split()) == constraint
    assert found["required"] == "true()"


def test_commune_is_picked_from_the_frame_within_the_district() -> None:
    body = ET.fromstring(xform_for(Round.from_doc(round_doc("household"))).xml)
    select = next(e for e in body.iter(f"{XF}select1") if e.get("ref") == "/data/location/commune")
    nodeset = " ".join(select.find(f"{XF}itemset").get("nodeset").split())
    assert nodeset == "instance('commune')/root/item[district = /data/location/district ]"
    items = model("household").find(f"{XF}instance[@id='commune']")[0]
    assert {item.findtext(f"{XF}name") for item in items} == set(FRAME["communes"])


def test_commune_is_a_checked_code_when_the_round_has_no_frame() -> None:
    found = bind("household", "/data/location/commune", frame=None)
    assert found["constraint"] == "regex(., '^[A-Za-z0-9_-]{1,32}$')"


def test_a_round_on_the_new_geography_picks_among_its_99_communes_by_name() -> None:
    """vn-2025-07 has no districts: no district question, every commune named (§13)."""
    doc = {**round_doc("household", None), "geography": "vn-2025-07", "coverage": ["10", "15"]}
    body = ET.fromstring(xform_for(Round.from_doc(doc)).xml)
    refs = {e.get("ref") for e in body.iter() if e.get("ref")}
    assert "/data/location/district" not in refs
    select = next(e for e in body.iter(f"{XF}select1") if e.get("ref") == "/data/location/commune")
    assert (
        " ".join(select.find(f"{XF}itemset").get("nodeset").split())
        == "instance('commune')/root/item"
    )
    items = body.find(f".//{XF}model").find(f"{XF}instance[@id='commune']")[0]
    assert len(items) == 99
