"""A round's fpc against the data it has (docs/design.md §3, §6): every stratum with data needs a
value, and a population count may not be below the PSUs already sampled in its stratum.

Checked when the design is changed (PATCH → 422) and before every estimate, which otherwise
says `fpc` and why instead of an estimate (an fpc given at creation may meet data later)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError

from schemas.common import error_paths
from schemas.rounds import check_stages
from service.cells.reading import read_cells
from service.cells.sums import CellSums, cell_sums
from service.domain.errors import invalid
from service.domain.round import Round
from service.store import Store, get_store


def sampled_psus(cells: CellSums) -> dict[str, int]:
    """PSUs with data per stratum."""
    return dict(Counter(stratum for stratum, _ in set(zip(cells.stratum, cells.psu, strict=True))))


def stored_psus(store: Store, survey_round: Round) -> dict[str, int]:
    _, cells = read_cells(store, survey_round.id)
    return sampled_psus(cell_sums(survey_round.instrument, cells, [], None))


def fpc_problems(fpc: Mapping[str, float] | None, psus: dict[str, int]) -> dict[str, list[str]]:
    """{"design.fpc.<stratum>": [why]} for every stratum the fpc does not fit (none: {})."""
    if not fpc:
        return {}
    problems: dict[str, list[str]] = {}
    counts = any(value > 1 for value in fpc.values())
    for stratum, n_h in sorted(psus.items()):
        value = fpc.get(stratum)
        if value is None:
            problems[f"design.fpc.{stratum}"] = [
                f"Stratum {stratum} has data but no fpc: give every stratum a value, or none."
            ]
        elif counts and value < n_h:
            problems[f"design.fpc.{stratum}"] = [
                f"{value:g} PSUs in the population is fewer than the {n_h} sampled."
            ]
    return problems


def describe(problems: dict[str, list[str]]) -> str:
    return " ".join(text for texts in problems.values() for text in texts)


def checked_design(current: Round, changes: dict[str, Any]) -> dict[str, Any]:
    """The round's design with `changes` applied, or 422 when its fpc misfits the stored data."""
    design = {**(current.doc.get("design") or {}), **changes}  # stored as the API shows it
    try:
        check_stages(design)
    except ValidationError as exc:
        raise invalid(error_paths(exc.messages, "design")) from exc
    problems = fpc_problems(design.get("fpc"), stored_psus(get_store(), current))
    if problems:
        raise invalid(problems, "The fpc does not fit the round's data.")
    return design
