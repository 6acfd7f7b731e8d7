"""Output formats have one home (outputs/): a format registered there is offered by the routes
at once, and every CSV writes a value one way."""

from __future__ import annotations

import ast
import csv
import io
from itertools import chain

import pytest

from outputs import FORMATS, Table, register, registry
from outputs.csv_table import cell, csv_lines
from outputs.output_format import Body, FileFormat
from tests.support.factories import household, household_round
from tests.support.servers import ROOT

ROUND = "formats-round"


class TabSeparated(FileFormat):
    """A throwaway format, as docs/design.md "Adding an output format" writes it."""

    name = "tsv"
    media_type = "text/tab-separated-values"
    extension = "tsv"
    streams = True

    def render(self, table: Table, language: str) -> Body:
        values = ([cell(row.get(c)) for c in table.columns] for row in table.rows())
        return ("\t".join(map(str, line)) + "\n" for line in chain([table.columns], values))


@pytest.fixture
def tab_separated(monkeypatch):
    """TSV registered, as the one line in outputs/__init__.py would; gone after the test."""
    monkeypatch.setattr(registry, "FORMATS", dict(FORMATS))
    register(TabSeparated())


@pytest.fixture
def round_with_households(client, make_round, as_enumerator) -> None:
    make_round(household_round(ROUND))
    payloads = []
    for index in range(12):
        payload = household(fiber_available=index % 3 != 0, fiber_subscribed=False)
        payload["sampling"] = {"stratum": f"s{index % 2}", "psu": f"p{index % 4}", "weight": 10.0}
        payload["location"]["district"] = ("080", "082")[index % 2]
        payloads.append(payload)
    sent = client.post(
        f"/api/v1/rounds/{ROUND}/submissions/batch",
        json={"submissions": payloads},
        headers=as_enumerator,
    )
    assert sent.json["summary"]["created"] == len(payloads)


def tsv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True)), delimiter="\t"))


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_a_registered_format_is_answered_by_a_report_route(
    tab_separated, client, as_analyst, round_with_households
):
    url = f"/api/v1/rounds/{ROUND}/estimates?by=district&suppressed=show"
    tsv = client.get(f"{url}&format=tsv", headers=as_analyst)

    assert tsv.status_code == 200
    assert tsv.mimetype == "text/tab-separated-values"
    disposition = 'attachment; filename="formats-round-estimates-by-district.tsv"'
    assert tsv.headers["Content-Disposition"] == disposition
    assert tsv_rows(tsv) == csv_rows(client.get(f"{url}&format=csv", headers=as_analyst))


def test_a_registered_streamed_format_is_answered_by_a_listing_route(
    tab_separated, client, as_analyst, round_with_households
):
    url = f"/api/v1/rounds/{ROUND}/submissions"
    tsv = client.get(f"{url}?format=tsv", headers=as_analyst)

    assert (
        tsv.headers["Content-Disposition"] == 'attachment; filename="formats-round-submissions.tsv"'
    )
    assert tsv_rows(tsv) == csv_rows(client.get(f"{url}?format=csv", headers=as_analyst))


def test_accept_asks_for_a_registered_streamed_format(
    tab_separated, client, as_analyst, round_with_households
):
    accept = {**as_analyst, "Accept": "text/tab-separated-values, application/json;q=0.5"}
    answer = client.get(f"/api/v1/rounds/{ROUND}/estimates", headers=accept)

    assert answer.mimetype == "text/tab-separated-values"


def test_the_openapi_document_lists_a_registered_format(tab_separated, client):
    spec = client.get("/openapi.json").json
    parameters = spec["paths"]["/api/v1/rounds/{round_id}/estimates"]["get"]["parameters"]
    [format_parameter] = [p for p in parameters if p["name"] == "format"]

    assert format_parameter["schema"]["enum"] == ["json", "csv", "xlsx", "tsv"]


def test_a_listing_does_not_offer_a_format_built_whole_in_memory(client, as_analyst):
    answer = client.get(f"/api/v1/rounds/{ROUND}/submissions?format=xlsx", headers=as_analyst)

    assert answer.status_code == 422
    assert answer.json["errors"]["format"] == ["Must be one of: json, csv."]


def test_a_format_name_is_registered_once(tab_separated):
    with pytest.raises(ValueError, match="'tsv' is registered twice"):
        register(TabSeparated())


def test_the_csv_writer_writes_booleans_true_false_and_none_as_nothing():
    lines = csv_lines(["significant", "p_value"], [{"significant": True, "p_value": None}, {}])
    assert "".join(lines) == "significant,p_value\ntrue,\n,\n"
    assert "".join(csv_lines(["significant"], [{"significant": False}])).endswith("\nfalse\n")


def test_no_module_of_the_service_branches_on_a_format_name():
    """`if query["format"] == "csv"` has one home: outputs/."""
    branches = []
    for path in sorted((ROOT / "service").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and "format" in ast.unparse(node):
                sides = [node.left, *node.comparators]
                if any(isinstance(side, ast.Constant) and side.value in FORMATS for side in sides):
                    branches.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert branches == []
