"""An attacker with a planner's token tries to get a withheld estimate back (docs/design.md §15).

For every table the API can produce on the demo rounds — each round, each `by` its instrument
offers and the province, each weighting, with and without `overall`, and the change between the
series' rounds — the attacker applies the recovery formula of a partition,
p_k = (P·p − Σ_{d≠k} N_d·p_d) / N_k (N_k itself as N − Σ_{d≠k} N_d), wherever it can — the
province over any table's parts, and each district over its communes (the district table's
row as the total) — and adds a shown change to a shown estimate of the other round. An
analyst's `suppressed=show` answer is the truth: nothing the attacker computes may equal a
withheld number.

Across the tables of one round the attacker also solves the whole linear system: each shown
row's total (estimate × population) is the sum of the totals of the cells of the round that
fall in its domain (commune × area, and type × sector for businesses: every `by` is a function
of them), for every table of one weighting — the province, by commune (in the round's version
and in the newer one), district, area, former province, business type and sector, and two
groupings. A withheld row's total is determined iff its indicator vector over the cells lies
in the row space of the shown rows' vectors (the populations obey the same system).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient

from catalogue import BY_DIMENSIONS
from catalogue.geography import load_version
from catalogue.geography.rounds import round_geography_id
from service import demo
from service.cells.domains import GROUPING_PREFIX, domain_of
from service.domain.cells import CellKey
from service.domain.round import Round
from service.loading import load_demo
from service.store import Store
from tests.support.apps import module_app

ROUNDS = (demo.HOUSEHOLD_ROUND_2024, demo.HOUSEHOLD_ROUND, demo.BUSINESS_ROUND)
WEIGHTINGS = (None, "input")
CLOSE = 1e-9
NEW = "vn-2025-07"
GROUPINGS = ("kind", "blocks")  # phường / xã, and blocks of 4 neighbouring codes


@pytest.fixture(scope="module")
def demo_api(store_server) -> Iterator[tuple[FlaskClient, dict[str, dict[str, str]]]]:
    with module_app(store_server.uri, "attack") as (client, headers):
        store: Store = client.application.extensions["store"]
        load_demo(store)
        communes = load_version(NEW).communes
        for name in GROUPINGS:
            body = "commune,group\n" + "".join(
                f"{unit.code},{unit.kind if name == 'kind' else f'b{i // 4}'}\n"
                for i, unit in enumerate(communes)
            )
            put = client.put(
                f"/api/v1/geography/{NEW}/groupings/{name}",
                data=body.encode(),
                content_type="text/csv",
                headers=headers["admin"],
                query_string={"source": "attack test"},
            )
            assert put.status_code == 200, put.json
        yield client, headers


def answer(client: FlaskClient, headers: dict[str, str], path: str, **query: Any) -> Any:
    query = {k: v for k, v in query.items() if v is not None}
    response = client.get(path, query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def code(result: dict[str, Any]) -> str | None:
    return None if result["domain"] is None else next(iter(result["domain"].values()))


def tables(round_doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for weighting in WEIGHTINGS:
        yield {"weighting": weighting}
        for by in BY_DIMENSIONS[round_doc["instrument"]]:
            for overall in ("true", "false"):
                yield {"weighting": weighting, "by": by, "overall": overall}


def keyed(report: dict[str, Any]) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {
        (block["indicator"], code(result)): result
        for block in report["estimates"]
        for result in block["results"]
    }


def recovered_by_partition(
    province: dict[str, Any], parts: list[dict[str, Any]]
) -> Iterator[tuple[str | None, float]]:
    """What the recovery formula gives where one number of the partition is missing."""
    missing = [r for r in [province, *parts] if r["estimate"] is None]
    if len(missing) != 1:
        return
    shown = [r for r in parts if r["estimate"] is not None]
    if missing[0] is province:
        populations = [r["population"] for r in shown]
        if any(p is None for p in populations):
            return
        total = sum(populations)
        yield None, sum(r["population"] * r["estimate"] for r in shown) / total
        return
    if province["population"] is None or any(r["population"] is None for r in shown):
        return
    rest = province["population"] - sum(r["population"] for r in shown)
    if rest <= 0:
        return
    known = sum(r["population"] * r["estimate"] for r in shown)
    yield code(missing[0]), (province["population"] * province["estimate"] - known) / rest


def assert_not_recovered(truth: dict[str, Any], value: float, what: str) -> None:
    if truth["estimate"] is None:
        return
    assert not math.isclose(value, truth["estimate"], rel_tol=CLOSE, abs_tol=CLOSE), what


def test_no_withheld_estimate_follows_from_a_partition_of_any_demo_table(demo_api) -> None:
    client, headers = demo_api
    attempts = withheld = nested = 0
    for round_id in ROUNDS:
        path = f"/api/v1/rounds/{round_id}/estimates"
        round_doc = answer(client, headers["planner"], f"/api/v1/rounds/{round_id}")
        communes = (round_doc.get("frame") or {}).get("communes") or {}
        district_of = {code: commune["district"] for code, commune in communes.items()}
        for query in tables(round_doc):
            planner = keyed(answer(client, headers["planner"], path, **query))
            truth = keyed(answer(client, headers["analyst"], path, suppressed="show", **query))
            province_query = {"weighting": query["weighting"]}
            province = keyed(answer(client, headers["planner"], path, **province_query))
            withheld += sum(
                r["estimate"] is None and truth[key]["estimate"] is not None
                for key, r in planner.items()
            )
            for indicator in {indicator for indicator, _ in planner}:
                parts = [r for (i, c), r in planner.items() if i == indicator and c is not None]
                if not parts:
                    continue
                attempts += 1
                for domain, value in recovered_by_partition(province[(indicator, None)], parts):
                    where = f"{round_id} {query} {indicator} {domain}"
                    assert_not_recovered(truth[(indicator, domain)], value, where)
            if query.get("by") == "commune":  # each district is a sub-total of its communes
                district_query = {"weighting": query["weighting"], "by": "district"}
                districts = keyed(answer(client, headers["planner"], path, **district_query))
                for (indicator, district), total in districts.items():
                    parts = [
                        r
                        for (i, c), r in planner.items()
                        if i == indicator and c is not None and district_of.get(c) == district
                    ]
                    nested += 1
                    for domain, value in recovered_by_partition(total, parts):
                        where = f"{round_id} {query} {indicator} in {district}: {domain}"
                        truth_key = (indicator, domain) if domain else (indicator, district)
                        source = (
                            truth
                            if domain
                            else keyed(
                                answer(
                                    client,
                                    headers["analyst"],
                                    path,
                                    suppressed="show",
                                    **district_query,
                                )
                            )
                        )
                        assert_not_recovered(source[truth_key], value, where)
            for key, result in planner.items():
                if result["estimate"] is None:
                    assert result["population"] is None, key
    assert attempts > 0 and withheld > 0, "the demo tables have withheld estimates to attack"
    assert nested > 0, "communes were attacked through their districts too"


def test_no_withheld_estimate_follows_from_a_change_and_the_other_round(demo_api) -> None:
    client, headers = demo_api
    first, last = demo.HOUSEHOLD_ROUND_2024, demo.HOUSEHOLD_ROUND
    attacked = 0
    for by in (None, *BY_DIMENSIONS["household"]):
        for pairing in ("independent", "overlapping"):
            change = answer(
                client,
                headers["planner"],
                f"/api/v1/series/{demo.HOUSEHOLD_SERIES}/change",
                by=by,
                pairing=pairing,
                **{"from": first, "to": last},  # the series runs on to 2026 (another coverage)
            )
            estimates = {
                round_id: (
                    keyed(answer(client, headers["planner"], path, by=by)),
                    keyed(answer(client, headers["analyst"], path, by=by, suppressed="show")),
                )
                for round_id in (first, last)
                for path in [f"/api/v1/rounds/{round_id}/estimates"]
            }
            for block in change["changes"]:
                for row in block["results"]:
                    key = (block["indicator"], code(row))
                    (from_shown, from_truth), (to_shown, to_truth) = (
                        (shown.get(key), truth.get(key)) for shown, truth in estimates.values()
                    )
                    for shown, own in (
                        (from_shown, row["from_estimate"]),
                        (to_shown, row["to_estimate"]),
                    ):
                        if shown is not None and shown["estimate"] is None:
                            attacked += 1
                            assert own is None, key
                            assert row["difference"] is None, key
                    if row["difference"] is None:
                        continue
                    if from_shown is not None and from_shown["estimate"] is not None and to_truth:
                        value = from_shown["estimate"] + row["difference"]
                        if to_shown["estimate"] is None:
                            assert_not_recovered(to_truth, value, f"{key} to")
                    if to_shown is not None and to_shown["estimate"] is not None and from_truth:
                        value = to_shown["estimate"] - row["difference"]
                        if from_shown["estimate"] is None:
                            assert_not_recovered(from_truth, value, f"{key} from")
    assert attacked > 0, "the demo series has withheld estimates whose change is withheld"


def test_what_the_default_weighting_withholds_no_other_weighting_shows(demo_api) -> None:
    # the input-weighted estimate of a part the calibrated table withholds is that part's
    # number within a hair: a withheld row is withheld in every weighting
    client, headers = demo_api
    compared = held_back = 0
    for round_id in ROUNDS:
        path = f"/api/v1/rounds/{round_id}/estimates"
        round_doc = answer(client, headers["planner"], f"/api/v1/rounds/{round_id}")
        for query in tables(round_doc):
            if query["weighting"] is None:
                continue
            default = keyed(answer(client, headers["planner"], path, **query | {"weighting": None}))
            other = keyed(answer(client, headers["planner"], path, **query))
            for key, result in default.items():
                if result["estimate"] is not None:
                    continue
                compared += 1
                assert other[key]["estimate"] is None, f"{round_id} {query} {key}"
                assert other[key]["population"] is None, f"{round_id} {query} {key}"
                if other[key]["reliability"] != "suppress":
                    held_back += 1
                    assert "default_weighting" in other[key]["reliability_reasons"], key
    assert compared > 0 and held_back > 0, "the demo has rows only the default withholds"


def cross_tables(round_doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every table of one weighting a planner can ask of the round (province first)."""
    yield {}
    own = round_geography_id(round_doc)
    for by in BY_DIMENSIONS[round_doc["instrument"]]:
        if by != "district" or own is None or load_version(own).has_districts:
            yield {"by": by}
    if own is not None:
        yield {"by": "former_province"}
        newer = {} if own == NEW else {"geography": NEW}
        if newer:
            yield {"by": "commune", **newer}
        for name in GROUPINGS:
            yield {"by": f"{GROUPING_PREFIX}{name}", **newer}


def cell_labels(store: Store, round_doc: dict[str, Any], query: dict[str, Any]) -> list[str]:
    """The round's cells (stratum and PSU left out) each labelled with its domain in the
    table, the province table's label being ''."""
    survey_round = Round.from_doc(round_doc)
    _, cells = store.cells.read(survey_round.id)
    keys = sorted({CellKey.parse(c["cell"]).dimensions for c in cells if c.get("n")})
    by = query.get("by")
    if by is None:
        return [""] * len(keys)
    lookup = None
    if by.startswith(GROUPING_PREFIX):
        grouping = store.groupings.get(NEW, by.removeprefix(GROUPING_PREFIX))
        assert grouping is not None
        lookup = grouping["groups"]
    domain = domain_of(survey_round, by, query.get("geography"), lookup)
    assert domain is not None
    return [domain.label(CellKey("s", "p", dimensions)) for dimensions in keys]


def in_row_space(rows: np.ndarray, vector: np.ndarray) -> bool:
    if len(rows) == 0:
        return False
    _, singular, basis = np.linalg.svd(rows, full_matrices=False)
    basis = basis[singular > 1e-9 * singular[0]]
    return bool(np.linalg.norm(vector - basis.T @ (basis @ vector)) < 1e-8)


@pytest.mark.parametrize("weighting", WEIGHTINGS)
def test_no_withheld_total_is_determined_by_the_tables_of_a_round(demo_api, weighting) -> None:
    client, headers = demo_api
    store: Store = client.application.extensions["store"]
    systems = withheld = 0
    for round_id in (*ROUNDS, demo.HOUSEHOLD_ROUND_2026):
        round_doc = store.rounds.get(round_id)
        assert round_doc is not None
        path = f"/api/v1/rounds/{round_id}/estimates"
        shown: dict[str, list[np.ndarray]] = {}
        hidden: dict[str, list[tuple[str, np.ndarray]]] = {}
        for query in cross_tables(round_doc):
            query = {**query, "weighting": weighting}
            labels = np.array(cell_labels(store, round_doc, query))
            planner = answer(client, headers["planner"], path, **query)
            truth = keyed(answer(client, headers["analyst"], path, suppressed="show", **query))
            for block in planner["estimates"]:
                indicator = block["indicator"]
                for result in block["results"]:
                    vector = (labels == (code(result) or "")).astype(float)
                    if result["estimate"] is not None:
                        shown.setdefault(indicator, []).append(vector)
                    elif truth[(indicator, code(result))]["estimate"] is not None:
                        where = f"{query.get('by')} {code(result)}"
                        hidden.setdefault(indicator, []).append((where, vector))
        for indicator, rows in shown.items():
            systems += 1
            for where, vector in hidden.get(indicator, []):
                withheld += 1
                assert not in_row_space(np.array(rows), vector), (
                    f"{round_id} weighting={weighting} {indicator}: {where} follows from the "
                    "round's other tables"
                )
    assert systems > 0 and withheld > 0
