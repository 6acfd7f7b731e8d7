"""Sample files as people save them (docs/design.md §8, §16): XLSX workbooks, `;`-separated CSV
with decimal commas, Windows-1258 when declared; a file that cannot be read is refused with a
message that says what to change (issue 22 item 12: a repeated column, a Latin-1 file)."""

from __future__ import annotations

import io
import unicodedata
from typing import Any

import pytest
from openpyxl import Workbook

from service.store import Store
from service.uploaded_tables import XLSX
from tests.samples.test_samples import FRAME, ROUND, as_csv, put_sample
from tests.support.factories import household_round, small_sample

COLUMNS = [
    "assignment_id",
    "stratum",
    "psu",
    "district",
    "commune",
    "area",
    "psu_prob",
    "unit_prob",
    "enumerator",
    "label",
]


@pytest.fixture
def round_id(make_round) -> str:
    make_round(household_round(ROUND, frame=FRAME))
    return ROUND


def semicolon_csv(rows: list[dict[str, Any]]) -> str:
    """What Excel in a Vietnamese locale saves: `;` between cells, decimal commas."""
    lines = [";".join(COLUMNS)]
    for row in rows:
        cells = ["" if row.get(c) is None else str(row[c]) for c in COLUMNS]
        lines.append(
            ";".join(
                cell.replace(".", ",") if c.endswith("_prob") else cell
                for c, cell in zip(COLUMNS, cells, strict=True)
            )
        )
    return "\r\n".join(lines) + "\r\n"


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # Windows-1258 writes tones as combining marks


def windows_1258(text: str) -> bytes:
    """Text as Vietnamese Windows saves it: letters precomposed where the code page has them,
    tone marks after them."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            tones = "".join(c for c in parts if c in TONE_MARKS)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
            out += (base + tones).encode("cp1258")
    return out


def workbook(rows: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([row.get(c) for c in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def put_file(client, headers, body: bytes, content_type: str) -> Any:
    return client.put(
        f"/api/v1/rounds/{ROUND}/sample",
        data=body,
        headers={**headers, "Content-Type": content_type},
    )


def stored_sampling(store: Store) -> dict[str, Any]:
    return {
        a["assignment_id"]: (a["sampling"], a.get("label"))
        for a in store.assignments.of_round(ROUND, {"_id": 0})
    }


@pytest.mark.parametrize("kind", ["semicolon", "xlsx", "windows-1258"])
def test_a_sample_file_equals_the_json_sample(
    client, as_admin, round_id, store: Store, kind: str
) -> None:
    rows = [{**row, "label": "Hộ ông Lò Văn Thắng"} for row in small_sample()]
    assert put_sample(client, as_admin, rows).status_code == 200
    expected = stored_sampling(store)
    body, content_type = {
        "semicolon": (semicolon_csv(rows).encode(), "text/csv"),
        "xlsx": (workbook(rows), XLSX),
        "windows-1258": (windows_1258(semicolon_csv(rows)), "text/csv; charset=windows-1258"),
    }[kind]
    response = put_file(client, as_admin, body, content_type)  # the same sample as a file
    assert response.status_code == 200, response.json
    assert stored_sampling(store) == expected
    assert store.rounds.get(ROUND)["data_version"] == 1  # the same sample: nothing changed


def test_a_repeated_column_is_refused(client, as_admin, round_id) -> None:
    text = as_csv(small_sample()).replace("label", "psu", 1)
    response = put_file(client, as_admin, text.encode(), "text/csv")
    assert response.status_code == 422
    assert response.json["errors"] == {"header": ["Column 'psu' appears more than once."]}


def test_a_latin_1_file_is_refused_as_not_utf_8(client, as_admin, round_id) -> None:
    rows = [{**row, "label": "Café René"} for row in small_sample()]
    response = put_file(client, as_admin, as_csv(rows).encode("latin-1"), "text/csv")
    assert response.status_code == 422
    [message] = response.json["errors"]["file"]
    assert message.startswith("The file is not UTF-8 (byte 0xE9 on line 2).")
    assert "CSV UTF-8" in message


def test_decimal_commas_in_a_comma_separated_file_say_what_to_change(
    client, as_admin, round_id
) -> None:
    text = as_csv(small_sample()).replace("0.5,", "0,5,")
    response = put_file(client, as_admin, text.encode(), "text/csv")
    assert response.status_code == 422
    [(path, [message])] = response.json["errors"].items()
    assert path.startswith("line.")
    assert "write 0.25, or separate the cells with semicolons" in message


def test_a_file_without_the_columns_says_which_are_needed(client, as_admin, round_id) -> None:
    response = put_file(client, as_admin, b"id|psu\nA|B\n", "text/csv")
    assert response.status_code == 422
    assert "'assignment_id'" in response.json["errors"]["header"][0]


def test_a_file_that_is_no_workbook_is_refused(client, as_admin, round_id) -> None:
    response = put_file(client, as_admin, b"not a zip", XLSX)
    assert response.status_code == 422
    assert response.json["errors"] == {"file": ["The file is not an XLSX workbook."]}


def test_the_415_names_the_file_types_a_sample_may_be(client, as_admin, round_id) -> None:
    response = put_file(client, as_admin, b"a", "text/plain")
    assert response.status_code == 415
    assert "text/csv" in response.json["detail"] and XLSX in response.json["detail"]
