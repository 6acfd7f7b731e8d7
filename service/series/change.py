"""The change between two rounds of a series, from each round's per-PSU cells
(docs/design.md §10): checked, computed by scoring.contrasts, cached per data versions."""

from __future__ import annotations

from typing import Any

from catalogue import INDICATORS_BY_ID, Indicator
from scoring import LonelyPsu, LonelyPsuError, ScoringError
from scoring.contrasts import Change, change_from_totals
from scoring.stacking import PairingError, RoundTotals
from service.cells.reading import current_version, data_version, read_cells
from service.cells.sums import CellSums, cell_sums, psu_totals
from service.errors import invalid
from service.estimates.service import estimate_cache, requested_indicators
from service.series.model import series_rounds
from service.store import get_store

ROUND_PARAMETERS = {"from_round": "from", "to_round": "to"}


def chosen_rounds(series: str, query: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The `from` and `to` rounds (default: the series' first and last), or 422 naming them."""
    rounds = series_rounds(series)
    by_id = {doc["_id"]: doc for doc in rounds}
    ids = {
        "from_round": query["from_round"] or rounds[0]["_id"],
        "to_round": query["to_round"] or rounds[-1]["_id"],
    }
    errors = {
        ROUND_PARAMETERS[name]: [f"Round {round_id!r} is not in series {series!r}."]
        for name, round_id in ids.items()
        if round_id not in by_id
    }
    if not errors and ids["from_round"] == ids["to_round"]:
        errors = {"to": ["Must be another round than `from`."]}
    if errors:
        raise invalid(errors, "The change query is invalid.")
    first, last = by_id[ids["from_round"]], by_id[ids["to_round"]]
    if first["instrument"] != last["instrument"]:
        raise invalid({"to": ["Must be a round of the same instrument as `from`."]})
    return first, last


def round_totals(cells: CellSums, indicator: Indicator, round_doc: dict[str, Any]) -> RoundTotals:
    return RoundTotals(psu_totals(cells, indicator), fpc=(round_doc.get("design") or {}).get("fpc"))


def indicator_changes(
    cells: tuple[CellSums, CellSums],
    indicator: Indicator,
    rounds: tuple[dict[str, Any], dict[str, Any]],
    query: dict[str, Any],
) -> list[Change]:
    """The engine's changes per domain; its typed errors become a 422 naming the cause."""
    first, last = (round_totals(c, indicator, r) for c, r in zip(cells, rounds, strict=True))
    policy = (rounds[1].get("design") or {}).get("lonely_psu", LonelyPsu.ADJUST)
    try:
        return change_from_totals(
            first, last, indicator.kind, query["pairing"], policy, query["level"]
        )
    except PairingError as exc:
        raise invalid({"pairing": [str(exc)]}, "The rounds cannot be paired so.") from exc
    except LonelyPsuError as exc:
        raise invalid(
            {"lonely_psu": [str(exc)]}, "The `to` round's lonely-PSU policy fails."
        ) from exc
    except ScoringError:  # neither round has a unit for this indicator: nothing to compare
        return []


def shaped(change: Change, by: str | None) -> dict[str, Any]:
    fields = change.as_dict()
    del fields["level"]
    if fields["reason"] is None:
        del fields["reason"]
    fields["domain"] = None if by is None else {by: change.domain}
    return fields


def change_report(
    series: str, rounds: tuple[dict[str, Any], dict[str, Any]], query: dict[str, Any]
) -> dict[str, Any]:
    indicators = [INDICATORS_BY_ID[i] for i in query["indicators"]]
    by = query["by"]
    store = get_store()
    heads, cells = zip(*(read_cells(store, doc["_id"]) for doc in rounds), strict=True)
    sums = (
        cell_sums(rounds[0]["instrument"], cells[0], indicators, by),
        cell_sums(rounds[1]["instrument"], cells[1], indicators, by),
    )
    return {
        "series": series,
        **{
            name: {"round_id": doc["_id"], "data_version": data_version(doc, head)}
            for name, doc, head in zip(ROUND_PARAMETERS, rounds, heads, strict=True)
        },
        "pairing": query["pairing"],
        "changes": [
            {
                "indicator": indicator.id,
                "unit": indicator.unit,
                "by": by,
                "level": query["level"],
                "results": [
                    shaped(c, by) for c in indicator_changes(sums, indicator, rounds, query)
                ],
            }
            for indicator in indicators
        ],
    }


def compute_change(series: str, query: dict[str, Any]) -> dict[str, Any]:
    """The change report for a validated query, from the cache when both rounds are current."""
    rounds = chosen_rounds(series, query)
    query = {**query, "indicators": requested_indicators(rounds[0]["instrument"], query)}
    key = (
        "change",
        get_store().db.name,
        series,
        *((doc["_id"], current_version(get_store(), doc)) for doc in rounds),
        tuple(query["indicators"]),
        query["by"],
        query["level"],
        query["pairing"],
    )
    return estimate_cache().get_or_compute(key, lambda: change_report(series, rounds, query))
