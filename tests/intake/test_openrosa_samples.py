"""OpenRosa for rounds with a sample (docs/design.md §8): the form list points at a manifest,
the manifest at a per-user `assignments.csv` whose md5 is that of the bytes served, and the
sample forms pick an assignment, ask the outcome, and ask answers only when completed."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from pyxform.validators import odk_validate
from pyxform.xls2json_backends import md_to_dict, xlsx_to_dict

from forms.build import SAMPLE_FORMS, source_path, workbook_path
from service.domain.round import Round
from service.openrosa.xforms import xform_for
from service.store import Store
from tests.intake.test_openrosa_engine import HOUSEHOLD
from tests.intake.test_openrosa_engine import engine as engine_fixture
from tests.support.factories import household_round, small_sample, visit
from tests.support.openrosa_client import basic, collect_headers, post_to

ROUND = "hh-or-sample"
FORMLIST = {"x": "http://openrosa.org/xforms/xformsList"}
MANIFEST = {"m": "http://openrosa.org/xforms/xformsManifest"}
HEADER = b"name,label,district,commune,area,psu\n"
engine = engine_fixture  # @getodk/xforms-engine installed once for this module


@pytest.fixture
def round_id(make_round, make_sample_round) -> str:
    make_round(household_round("hh-no-sample"))
    return make_sample_round(ROUND)


@pytest.fixture
def phones(store: Store) -> dict[str, dict[str, str]]:
    """Collect credentials (Basic) per enumerator name, and an admin's."""
    made = {
        name: basic(name, store.tokens.create(role, name)[1])
        for name, role in (("enum-01", "enumerator"), ("enum-02", "enumerator"), ("boss", "admin"))
    }
    return {name: {**collect_headers(), **auth} for name, auth in made.items()}


def get(client: FlaskClient, path: str, headers: dict[str, str]) -> Any:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def assignments_csv(client: FlaskClient, headers: dict[str, str]) -> bytes:
    return get(client, f"/openrosa/forms/{ROUND}/assignments.csv", headers).data


def test_the_form_list_points_at_a_manifest_for_a_sample_round(client, phones, round_id):
    root = ET.fromstring(get(client, "/openrosa/formList", phones["enum-01"]).data)
    manifests = {
        form.findtext("x:formID", namespaces=FORMLIST): form.findtext(
            "x:manifestUrl", namespaces=FORMLIST
        )
        for form in root.findall("x:xform", FORMLIST)
    }
    assert manifests == {
        ROUND: f"http://localhost/openrosa/forms/{ROUND}/manifest",
        "hh-no-sample": None,
    }


def test_the_manifest_hash_is_the_md5_of_the_bytes_served(client, phones, round_id) -> None:
    root = ET.fromstring(get(client, f"/openrosa/forms/{ROUND}/manifest", phones["enum-02"]).data)
    [media] = root.findall("m:mediaFile", MANIFEST)
    assert media.findtext("m:filename", namespaces=MANIFEST) == "assignments.csv"
    url = media.findtext("m:downloadUrl", namespaces=MANIFEST)
    served = get(client, url.removeprefix("http://localhost"), phones["enum-02"]).data
    assert media.findtext("m:hash", namespaces=MANIFEST) == f"md5:{hashlib.md5(served).hexdigest()}"


def test_an_enumerator_gets_only_its_own_open_assignments(client, phones, round_id) -> None:
    served = assignments_csv(client, phones["enum-02"])
    assert (
        served
        == HEADER
        + (
            "A-003,A-003 – Household A-003,080,02641,urban,080002\n"
            "A-004,A-004 – Household A-004,080,02641,urban,080002\n"
            "B-001,B-001 – Household B-001,082,02660,rural,082001\n"
        ).encode()
    )
    assert b"A-001" not in served and b"B-002" not in served


def test_the_same_list_is_served_as_the_same_bytes(client, phones, round_id) -> None:
    assert assignments_csv(client, phones["enum-02"]) == assignments_csv(client, phones["enum-02"])


def test_a_completed_or_closed_unit_leaves_the_phone(
    client, phones, round_id, as_admin, as_supervisor
) -> None:
    client.post(f"/api/v1/rounds/{ROUND}/submissions", json=visit("A-003"), headers=as_supervisor)
    client.patch(
        f"/api/v1/rounds/{ROUND}/assignments/A-004",
        json={"closed": {"outcome": "refused", "reason": "Refused twice"}},
        headers=as_admin,
    )
    served = assignments_csv(client, phones["enum-02"])
    assert served == HEADER + b"B-001,B-001 \xe2\x80\x93 Household B-001,082,02660,rural,082001\n"


def test_an_enumerator_without_assignments_gets_the_header(client, store, round_id) -> None:
    headers = {
        **collect_headers(),
        **basic("nobody", store.tokens.create("enumerator", "nobody")[1]),
    }
    assert assignments_csv(client, headers) == HEADER


def test_an_admin_gets_every_open_assignment(client, phones, round_id) -> None:
    lines = assignments_csv(client, phones["boss"]).decode().splitlines()[1:]
    assert [line.split(",")[0] for line in lines] == sorted(
        r["assignment_id"] for r in small_sample()
    )


def test_a_round_without_a_sample_has_no_media(client, phones, round_id) -> None:
    response = client.get("/openrosa/forms/hh-no-sample/manifest", headers=phones["enum-01"])
    assert response.status_code == 404


@pytest.mark.parametrize("form", SAMPLE_FORMS)
def test_committed_sample_workbook_matches_its_markdown_source(form: str) -> None:
    source = md_to_dict(source_path(form).read_text(encoding="utf-8"))
    committed = xlsx_to_dict(workbook_path(form))
    for sheet in ("survey", "choices", "settings"):
        assert committed[sheet] == source[sheet], sheet


def sample_round_doc(instrument: str) -> dict[str, Any]:
    return {
        "_id": f"{instrument}-sample-2025",
        "instrument": instrument,
        "status": "open",
        "title": f"{instrument.title()} sample 2025",
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "frame": None,
        "sample": {"assignments": 6, "psus": 3, "strata": 2},
    }


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs java")
@pytest.mark.parametrize("instrument", ["household", "business"])
def test_sample_xform_passes_odk_validate(instrument: str, tmp_path: Path) -> None:
    path = tmp_path / "form.xml"
    path.write_bytes(xform_for(Round.from_doc(sample_round_doc(instrument))).xml)
    (tmp_path / "assignments.csv").write_bytes(
        HEADER + b"A-1,A-1 \xe2\x80\x93 x,080,02641,urban,P1\n"
    )
    odk_validate.check_xform(str(path))


def test_the_sample_xform_picks_the_assignment_from_the_csv() -> None:
    xml = xform_for(Round.from_doc(sample_round_doc("household"))).xml.decode()
    assert 'src="jr://file-csv/assignments.csv"' in xml
    assert "instance('assignments')/root/item[name=" in xml


# The household answers the engine test fills in, at the same paths in the sample form.
ANSWERS = {ref: value for ref, value in HOUSEHOLD.items() if ref.startswith("/data/answers/")}
ENGINE_CASES = {
    "completed": {"/data/assignment_id": "A-003", "/data/outcome": "completed", **ANSWERS},
    "refused": {"/data/assignment_id": "A-004", "/data/outcome": "refused"},
}


@pytest.fixture(scope="module")
def engine_results(engine: Path) -> dict[str, Any]:
    """The household sample form filled in @getodk/xforms-engine with an assignments.csv."""
    directory = engine
    doc = {**sample_round_doc("household"), "_id": ROUND}
    (directory / "form.xml").write_bytes(xform_for(Round.from_doc(doc)).xml)
    (directory / "assignments.csv").write_bytes(
        HEADER
        + "A-003,A-003 – Household A-003,080,02641,urban,080002\n"
        "A-004,A-004 – Household A-004,080,02641,urban,080002\n".encode()
    )
    cases = {
        name: {
            "form": "form.xml",
            "answers": answers,
            "attachments": {"assignments.csv": "assignments.csv"},
        }
        for name, answers in ENGINE_CASES.items()
    }
    (directory / "cases.json").write_text(json.dumps(cases))
    done = subprocess.run(
        ["node", "fill.mjs", "cases.json"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_engine_shows_the_assignment_and_asks_answers_only_when_completed(engine_results):
    completed, refused = engine_results["completed"], engine_results["refused"]
    assert (completed["status"], completed["violations"]) == ("ready", [])
    assert (refused["status"], refused["violations"]) == ("ready", [])
    assert completed["relevant"]["/data/answers"] is True
    assert refused["relevant"]["/data/answers"] is False
    assert "<unit_district>080</unit_district>" in completed["instance"]


def test_instances_written_by_the_engine_are_accepted(
    engine_results, client, phones, round_id, store: Store
) -> None:
    for name in ENGINE_CASES:
        response = post_to(client, phones["enum-02"], engine_results[name]["instance"].encode())
        assert response.status_code == 201, response.get_data(as_text=True)
    visits = {d["assignment_id"]: d for d in store.submissions.collection.find({"round_id": ROUND})}
    assert visits["A-003"]["outcome"] == "completed"
    assert visits["A-003"]["answers"]["members"] == 4
    assert visits["A-003"]["sampling"]["weight"] == 10.0
    assert visits["A-003"]["enumerator_id"] == "enum-02"
    assert visits["A-004"]["outcome"] == "refused"
    assert visits["A-004"].get("answers") is None
    assert visits["A-003"]["started_at"] is not None
