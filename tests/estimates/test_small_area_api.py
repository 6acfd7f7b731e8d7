"""Commune estimates over HTTP (docs/design.md §14): auxiliary data per geography version, the
small-area endpoint with its publication rule, and no number in a withheld row."""

from __future__ import annotations

import csv
import io
import itertools
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook

from catalogue.geography import Unit, crosswalk, load_version
from service.demo import HOUSEHOLD_ROUND, HOUSEHOLD_ROUND_2024, HOUSEHOLD_ROUND_2026
from service.loading import load_demo
from service.small_area.demo import NAME, VERSION, load_demo_auxiliary
from tests.support import small_area_data as data
from tests.support.apps import module_app
from tests.support.factories import household, household_round
from tests.support.servers import EmbeddedStore

ROUND = "hh-small-area"
OLD = "vn-2025-03"
AUX = f"/api/v1/geography/{data.VERSION}/auxiliary/{data.TABLE}"
SMALL_AREA = f"/api/v1/rounds/{ROUND}/small-area"


@pytest.fixture(scope="module")
def env(store_server: EmbeddedStore) -> Iterator[tuple[FlaskClient, dict[str, dict[str, str]]]]:
    """One round with its submissions and one auxiliary table, shared by the module."""
    with module_app(store_server.uri, "small_area") as (client, headers):
        data.load(client, headers["admin"], ROUND)
        yield client, headers


@pytest.fixture
def client(env: tuple[FlaskClient, dict]) -> FlaskClient:
    return env[0]


@pytest.fixture
def as_admin(env: tuple[FlaskClient, dict]) -> dict[str, str]:
    return env[1]["admin"]


@pytest.fixture
def as_planner(env: tuple[FlaskClient, dict]) -> dict[str, str]:
    return env[1]["planner"]


def small_area(client: FlaskClient, headers: dict[str, str], **params: Any):
    query = {"indicator": "fiber_available", "geography": data.VERSION, **params}
    return client.get(SMALL_AREA, query_string=query, headers=headers)


def test_auxiliary_table_round_trips_with_its_source(
    client: FlaskClient, as_planner: dict[str, str]
) -> None:
    got = client.get(AUX, headers=as_planner)
    assert got.status_code == 200
    assert got.json["source"] == "SYNTHETIC test data"
    assert got.json["columns"] == ["fiber_route_share", "households"]
    assert got.json["communes"] == len(data.COMMUNES)
    assert got.json["rows"][0] == {
        "commune": data.COMMUNES[0],
        "fiber_route_share": 0.15,
        "households": 1000.0,
    }
    as_csv = client.get(AUX, query_string={"format": "csv"}, headers=as_planner)
    assert as_csv.data.decode().splitlines()[0] == "commune,fiber_route_share,households"


def test_the_same_table_again_changes_nothing_and_writes_one_audit_entry(
    client: FlaskClient, as_admin: dict[str, str]
) -> None:
    again = client.put(
        f"{AUX}?source=SYNTHETIC test data",
        data=data.auxiliary_csv(),
        content_type="text/csv",
        headers=as_admin,
    )
    assert again.status_code == 200
    audit = client.get(
        "/api/v1/audit", query_string={"action": "auxiliary.import"}, headers=as_admin
    )
    assert [e["target"] for e in audit.json["items"]] == [f"{data.VERSION}/census"]


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        ("commune,x\n20000,1\n20000,2\n", "communes", "More than once: 20000"),
        ("code,x\n20000,1\n", "header", "first column must be `commune`"),
        ("commune;x\n20000;1\n", "header", "separated by `;`"),
        ('commune,x\n20000,"0,5"\n', "line 2.x", "decimal commas"),
        ("commune,x\n20000,inf\n", "line 2.x", "finite"),
        ("commune,X y\n20000,1\n", "header", "Column names must match"),
        ("commune\n20000\n", "header", "numeric columns"),
    ],
)
def test_bad_tables_are_refused_whole(
    client: FlaskClient, as_admin: dict[str, str], body: str, path: str, message: str
) -> None:
    bad = AUX.replace("census", "bad")
    out = client.put(f"{bad}?source=s", data=body, content_type="text/csv", headers=as_admin)
    assert out.status_code == 422
    assert any(message in text for text in out.json["errors"][path]), out.json
    assert client.get(bad, headers=as_admin).status_code == 404


def test_a_table_needs_its_source_and_csv(client: FlaskClient, as_admin: dict[str, str]) -> None:
    assert (
        client.put(
            AUX, data="commune,x\n1,1\n", content_type="text/csv", headers=as_admin
        ).status_code
        == 422
    )
    assert client.put(f"{AUX}?source=s", json={"a": 1}, headers=as_admin).status_code == 415


def test_small_area_answers_every_commune_of_the_version(
    client: FlaskClient, as_planner: dict[str, str]
) -> None:
    out = small_area(client, as_planner)
    assert out.status_code == 200, out.json
    body = out.json
    assert (body["round_id"], body["indicator"], body["geography"]) == (
        ROUND,
        "fiber_available",
        data.VERSION,
    )
    model = body["model"]
    assert model["method"] == "reml" and model["converged"]
    assert [b["name"] for b in model["beta"]] == ["(intercept)", "fiber_route_share", "households"]
    assert model["auxiliary_source"] == "census: SYNTHETIC test data"
    assert model["areas_in_fit"] == 35
    assert model["communes_without_covariates"] == []
    assert [row["commune"] for row in body["communes"]] == data.COMMUNES
    sources = {row["commune"]: row["published"]["source"] for row in body["communes"]}
    assert {sources[c] for c in data.NO_INTERVIEWS} <= {"model", "withheld"}
    assert "direct" in sources.values() and "model" in sources.values()
    for row in body["communes"]:
        if row["commune"] in data.NO_INTERVIEWS and row["model"]:
            assert row["model"]["shrinkage"] == 0 and row["direct"] is None
            assert row["published"]["reason"] == "no_interviews"


def test_a_withheld_row_carries_no_number_in_json_csv_or_xlsx(
    client: FlaskClient, as_planner: dict[str, str]
) -> None:
    # One covariate of no use and direct variances: the few-interview communes cannot make it.
    params = {"covariates": "households", "variance": "direct"}
    body = small_area(client, as_planner, **params).json
    withheld = [row for row in body["communes"] if row["published"]["source"] == "withheld"]
    assert withheld
    for row in withheld:
        assert row["n"] is None and row["direct"] is None and row["model"] is None
        assert set(row["published"].values()) - {None} == {"withheld", row["published"]["reason"]}
    codes = {row["commune"] for row in withheld}
    table = client.get(
        SMALL_AREA,
        query_string={
            "indicator": "fiber_available",
            "geography": data.VERSION,
            "format": "csv",
            **params,
        },
        headers=as_planner,
    )
    rows = list(csv.DictReader(io.StringIO(table.data.decode())))
    numeric = ["n"] + [
        c for c in rows[0] if c.startswith(("direct_", "model_", "published_e", "published_ci"))
    ]
    for row in rows:
        if row["commune"] in codes:
            assert all(row[c] == "" for c in numeric), row
    book = client.get(
        SMALL_AREA,
        query_string={
            "indicator": "fiber_available",
            "geography": data.VERSION,
            "format": "xlsx",
            **params,
        },
        headers=as_planner,
    )
    sheet = load_workbook(io.BytesIO(book.data)).active
    header, *cells = list(sheet.values)
    for line in cells:
        row = dict(zip(header, line, strict=True))
        if row["commune"] in codes:
            assert all(row[c] is None for c in numeric), row


@pytest.mark.parametrize("variance", ["smoothed", "pooled", "direct"])
def test_each_variance_source_fits(
    client: FlaskClient, as_planner: dict[str, str], variance: str
) -> None:
    out = small_area(client, as_planner, variance=variance, covariates="fiber_route_share")
    assert out.status_code == 200 and out.json["model"]["variance"] == variance


def test_the_default_variance_is_pooled_from_the_communes_own_variances(
    client: FlaskClient, as_planner: dict[str, str]
) -> None:
    # design §14: smoothed (the province's deff) gave intervals covering 82–88 % for small
    # communes in the simulation, pooled 91–95 %
    default = small_area(client, as_planner, covariates="fiber_route_share")
    pooled = small_area(client, as_planner, covariates="fiber_route_share", variance="pooled")
    assert default.status_code == 200 and default.json["model"]["variance"] == "pooled"
    assert default.json["communes"] == pooled.json["communes"]


@pytest.mark.parametrize("method", ["reml", "ml", "fh"])
def test_each_method_fits(client: FlaskClient, as_planner: dict[str, str], method: str) -> None:
    out = small_area(client, as_planner, method=method, covariates="fiber_route_share")
    assert out.status_code == 200 and out.json["model"]["method"] == method


def test_person_level_rates_and_means_are_estimated_too(
    client: FlaskClient, as_planner: dict[str, str]
) -> None:
    for indicator in ("epay_account", "fiber_subscribed"):
        out = small_area(client, as_planner, indicator=indicator)
        assert out.status_code == 200, out.json


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"covariates": "nope"}, 422, "covariates"),
        ({"indicator": "it_use"}, 422, "indicator"),
        ({"geography": "other-2025"}, 422, "geography"),
        ({"geography": "vn-2025-03"}, 422, "geography"),  # no crosswalk back to an older version
        ({"method": "bayes"}, 422, "method"),
        ({"variance": "gvf"}, 422, "variance"),
        ({"typo": "1"}, 400, None),
    ],
)
def test_refusals_name_the_field(
    client: FlaskClient,
    as_planner: dict[str, str],
    params: dict,
    status: int,
    field: str | None,
) -> None:
    query = {"indicator": "fiber_available", "geography": data.VERSION, **params}
    out = client.get(
        SMALL_AREA,
        query_string={k: v for k, v in query.items() if v is not None},
        headers=as_planner,
    )
    assert out.status_code == status, out.json
    if field:
        assert field in str(out.json.get("errors")), out.json


def test_an_unknown_round_is_404(client: FlaskClient, as_planner: dict[str, str]) -> None:
    out = client.get(
        "/api/v1/rounds/nope/small-area",
        query_string={"indicator": "fiber_available"},
        headers=as_planner,
    )
    assert out.status_code == 404


def test_the_demo_covariates_are_labelled_synthetic_in_name_and_source(
    client: FlaskClient, as_planner: dict[str, str]
) -> None:
    store = client.application.extensions["store"]
    first, again = load_demo_auxiliary(store), load_demo_auxiliary(store)
    assert first == again
    got = client.get(f"/api/v1/geography/{VERSION}/auxiliary/{NAME}", headers=as_planner).json
    assert got["communes"] == 99
    assert got["source"].startswith("SYNTHETIC")
    assert all(column.endswith("_synthetic") for column in got["columns"])


def test_without_geography_the_round_is_read_in_its_own_version(
    client: FlaskClient, as_planner: dict[str, str]
) -> None:
    out = client.get(SMALL_AREA, query_string={"indicator": "fiber_available"}, headers=as_planner)
    assert out.status_code == 200, out.json
    assert out.json["geography"] == data.VERSION


def free_codes_round(
    client: FlaskClient, admin: dict[str, str], round_id: str, communes: list[str]
) -> None:
    """A round with free codes (`geography: null`) and 12 interviews in each commune."""
    made = client.post("/api/v1/rounds", json=household_round(round_id), headers=admin)
    assert made.status_code == 201, made.json
    rng = random.Random(7)
    items = []
    for k, code in enumerate(communes):
        for i in range(12):
            item = household(
                fiber_available=rng.random() < 0.2 + 0.6 * (k % 2), fiber_subscribed=False
            )
            item["location"] = {"district": "080", "commune": code, "area": "rural"}
            item["sampling"] = {"stratum": code, "psu": f"{code}-{i // 4}", "weight": 50.0}
            items.append(item)
    out = client.post(
        f"/api/v1/rounds/{round_id}/submissions/batch", json={"submissions": items}, headers=admin
    )
    assert out.json["summary"]["created"] == len(items), out.json


def test_a_round_with_free_codes_must_name_its_geography(
    client: FlaskClient, as_admin: dict[str, str], as_planner: dict[str, str]
) -> None:
    free_codes_round(client, as_admin, "hh-free-unnamed", data.COMMUNES[:4])
    out = client.get(
        "/api/v1/rounds/hh-free-unnamed/small-area",
        query_string={"indicator": "fiber_available"},
        headers=as_planner,
    )
    assert out.status_code == 422
    assert "has no geography version" in out.json["errors"]["geography"][0]


def test_communes_with_interviews_but_no_covariates_are_named_not_hidden(
    client: FlaskClient, as_admin: dict[str, str], as_planner: dict[str, str]
) -> None:
    # A round with free codes, read as vn-2025-07: one of its codes is no commune of it.
    interviewed = [*data.COMMUNES[:12], "99001"]
    free_codes_round(client, as_admin, "hh-free-codes", interviewed)
    body = client.get(
        "/api/v1/rounds/hh-free-codes/small-area",
        query_string={"indicator": "fiber_available", "geography": data.VERSION},
        headers=as_planner,
    ).json
    assert [row["commune"] for row in body["communes"]] == data.COMMUNES
    assert body["model"]["communes_without_covariates"] == ["99001"]
    assert body["model"]["areas_in_fit"] == 12


def old_round_submissions(old_communes: list[Unit]) -> list[dict[str, Any]]:
    """16 interviews in each commune of the former Lào Cai's version, fiber by commune."""
    rng = random.Random(2025)
    items = []
    for k, unit in enumerate(old_communes):
        p = 0.15 + 0.7 * ((k * 37) % 40) / 40
        for i in range(16):
            item = household(fiber_available=rng.random() < p, fiber_subscribed=False)
            item["location"] = {"district": unit.parent, "commune": unit.code, "area": "rural"}
            item["sampling"] = {
                "stratum": unit.parent,
                "psu": f"{unit.code}-{i // 4}",
                "weight": 40.0,
            }
            items.append(item)
    return items


def test_an_older_round_is_estimated_in_the_new_communes_through_the_crosswalk(
    client: FlaskClient, as_admin: dict[str, str], as_planner: dict[str, str]
) -> None:
    old = [u for u in load_version(OLD).communes if u.code in crosswalk(OLD, data.VERSION).mapping]
    interviewed = old[:60]
    made = client.post(
        "/api/v1/rounds", json=household_round("hh-2025-old", geography=OLD), headers=as_admin
    )
    assert made.status_code == 201, made.json
    items = old_round_submissions(interviewed)
    out = client.post(
        "/api/v1/rounds/hh-2025-old/submissions/batch",
        json={"submissions": items},
        headers=as_admin,
    )
    assert out.json["summary"]["created"] == len(items), out.json
    body = client.get(
        "/api/v1/rounds/hh-2025-old/small-area",
        query_string={"indicator": "fiber_available", "geography": data.VERSION},
        headers=as_planner,
    ).json
    assert body["geography"] == data.VERSION
    assert [row["commune"] for row in body["communes"]] == data.COMMUNES
    mapped = crosswalk(OLD, data.VERSION).mapping
    interviews = Counter(mapped[unit.code] for unit in interviewed)
    by_commune = client.get(
        "/api/v1/rounds/hh-2025-old/estimates",
        query_string={"indicator": "fiber_available", "by": "commune", "geography": data.VERSION},
        headers=as_planner,
    ).json["estimates"][0]["results"]
    direct = {r["domain"]["commune"]: r for r in by_commune}
    for row in body["communes"]:
        if row["published"]["source"] == "withheld":
            continue
        assert row["n"] == 16 * interviews.get(row["commune"], 0)
        if row["published"]["source"] == "direct":
            assert row["published"]["estimate"] == direct[row["commune"]]["estimate"]
    assert max(interviews.values()) > 1  # some new communes merge several interviewed ones


@pytest.fixture(scope="module")
def demo(store_server: EmbeddedStore) -> Iterator[tuple[FlaskClient, dict[str, dict[str, str]]]]:
    """The demo (its rounds and synthetic covariates) in a database of its own."""
    with module_app(store_server.uri, "small_area_demo") as (demo_client, headers):
        load_demo(demo_client.application.extensions["store"])
        yield demo_client, headers


def test_the_2026_demo_round_answers_all_99_communes_from_its_covariates(
    demo: tuple[FlaskClient, dict[str, dict[str, str]]],
) -> None:
    demo_client, headers = demo
    out = demo_client.get(
        f"/api/v1/rounds/{HOUSEHOLD_ROUND_2026}/small-area",
        query_string={"indicator": "fiber_available"},
        headers=headers["planner"],
    )
    assert out.status_code == 200, out.json
    body = out.json
    assert body["geography"] == VERSION
    assert body["model"]["auxiliary_source"].startswith(f"{NAME}: SYNTHETIC")
    rows = body["communes"]
    assert [row["commune"] for row in rows] == [u.code for u in load_version(VERSION).communes]
    assert all(row["published"]["source"] and row["published"]["reason"] for row in rows)
    # the households follow the synthetic fibre-route share: the model finds it and helps
    route = next(b for b in body["model"]["beta"] if b["name"] == "fiber_route_share_synthetic")
    assert route["estimate"] > 3 * route["se"]
    sources = Counter(row["published"]["source"] for row in rows)
    assert sources["model"] >= 80, sources  # of 99: the model answers where interviews cannot
    assert any(row["published"]["reason"] == "no_interviews" for row in rows)


def test_no_direct_estimate_withheld_by_the_commune_table_is_shown_by_the_small_area_table(
    demo: tuple[FlaskClient, dict[str, dict[str, str]]],
) -> None:
    """The commune table withholds unreliable rows and their complements (reliable rows that
    would give a withheld one back); the small-area table shows none of those direct estimates,
    in any round re-expressed on the new communes."""
    demo_client, headers = demo
    for round_id, indicator in itertools.product(
        (HOUSEHOLD_ROUND, HOUSEHOLD_ROUND_2024, HOUSEHOLD_ROUND_2026),
        ("fiber_available", "epay_account", "smartphone_household"),
    ):
        query = {"indicator": indicator, "by": "commune", "geography": VERSION}
        table = demo_client.get(
            f"/api/v1/rounds/{round_id}/estimates",
            query_string=query,
            headers=headers["planner"],
        ).json["estimates"][0]["results"]
        withheld = {r["domain"]["commune"] for r in table if r["estimate"] is None}
        rows = demo_client.get(
            f"/api/v1/rounds/{round_id}/small-area",
            query_string={"indicator": indicator, "geography": VERSION},
            headers=headers["planner"],
        ).json["communes"]
        for row in rows:
            if row["commune"] in withheld:
                assert (row["direct"] or {}).get("estimate") is None, (indicator, row)
                assert row["published"]["source"] != "direct", (indicator, row)
