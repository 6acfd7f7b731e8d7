"""Small-area estimates for a round: direct estimates by commune from the estimates service,
the commune covariates of the round's geography version, the Fay–Herriot fit, and the
publication rule (docs/design.md §14)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue import INDICATORS_BY_ID, Indicator, SuppressedPolicy
from scoring import Reliability, ScoringError
from scoring.small_area import (
    AreaEstimates,
    Source,
    estimate_areas,
    publish,
    sampling_variances,
)
from scoring.small_area.areas import finite_or_none
from service.domain.errors import invalid
from service.domain.round import Round
from service.estimates.app_source import estimates_source
from service.estimates.publication import requested_report, withheld_domains
from service.estimates.service import compute_estimates
from service.small_area.geography import commune_names, reexpressed_in, round_geography
from service.store import get_store

LEVEL = 0.95
PUBLISHABLE = (Reliability.OK, Reliability.REVIEW)


@dataclass(frozen=True)
class Covariates:
    names: list[str]  # as the model names them: `column`, or `table.column`
    communes: list[str]  # every commune with all covariates, by code
    matrix: np.ndarray  # intercept first
    source: str


def covariates_of(version: str, requested: list[str] | None) -> Covariates:
    """The requested columns of the version's auxiliary tables (default: all of them), or 422."""
    tables = get_store().auxiliary.of_version(version)
    if not tables:
        raise invalid(
            {
                "covariates": [
                    f"No auxiliary data for {version}: PUT /api/v1/geography/"
                    f"{version}/auxiliary/{{name}} first."
                ]
            }
        )
    where: dict[str, list[tuple[dict[str, Any], int]]] = {}
    for table in tables:
        for index, column in enumerate(table["columns"]):
            where.setdefault(column, []).append((table, index))
            where[f"{table['name']}.{column}"] = [(table, index)]
    names = requested or [
        f"{t['name']}.{c}" if len(where[c]) > 1 else c for t in tables for c in t["columns"]
    ]
    errors = [f"{name}: no such column" for name in names if name not in where]
    errors += [
        f"{name}: in several tables, say which (table.column)"
        for name in names
        if len(where.get(name, [])) > 1
    ]
    if errors:
        raise invalid({"covariates": errors})
    used = [where[name][0] for name in names]
    communes = sorted(set.intersection(*(set(t["rows"]) for t, _ in used)))
    matrix = np.ones((len(communes), len(used) + 1))
    for j, (table, index) in enumerate(used, start=1):
        matrix[:, j] = [table["rows"][code][index] for code in communes]
    used_tables = {t["name"]: t for t, _ in used}
    source = "; ".join(f"{name}: {t['source']}" for name, t in sorted(used_tables.items()))
    return Covariates(names, communes, matrix, source)


def _query(indicator: str, by: str | None, geography: str | None) -> dict[str, Any]:
    return {
        "indicators": [indicator],
        "by": by,
        "geography": geography,
        "ci": "logit",
        "level": LEVEL,
        "weighting": None,
        "suppressed": SuppressedPolicy.SHOW,
        "overall": False,
    }


def _estimates(
    survey_round: Round, indicator: str, by: str | None, geography: str | None
) -> list[dict[str, Any]]:
    query = _query(indicator, by, geography)
    source = estimates_source()
    results: list[dict[str, Any]] = compute_estimates(survey_round, query, source)["estimates"][0][
        "results"
    ]
    return results


def withheld_communes(survey_round: Round, indicator: str, geography: str | None) -> set[str]:
    """The communes whose direct estimate the published commune table withholds (unreliable,
    or a complement of another withheld row): the small-area table shows none of them either,
    else it would give back what /estimates withholds."""
    query = _query(indicator, "commune", geography) | {"suppressed": SuppressedPolicy.WITHHOLD}
    held = withheld_domains(requested_report(survey_round, query, estimates_source()))
    return {code for code in held.get(indicator, set()) if code is not None}


def _direct_by_commune(
    survey_round: Round, indicator: Indicator, version: str
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The province estimate and the direct estimates by commune of `version` (a later version
    than the round's: its cells' communes mapped through the crosswalk, as `?geography=` does)."""
    if indicator.instrument != survey_round.instrument:
        raise invalid(
            {"indicator": [f"Not an indicator of the {survey_round.instrument} instrument."]}
        )
    geography = reexpressed_in(survey_round, version)
    province = _estimates(survey_round, indicator.id, None, geography)[0]
    communes = {
        result["domain"]["commune"]: result
        for result in _estimates(survey_round, indicator.id, "commune", geography)
        if result["domain"] is not None
    }
    return province, communes


def small_area_report(survey_round: Round, query: dict[str, Any]) -> dict[str, Any]:
    indicator = INDICATORS_BY_ID[query["indicator"]]
    version = round_geography(survey_round, query["geography"])
    covariates = covariates_of(version, query["covariates"])
    province, direct_results = _direct_by_commune(survey_round, indicator, version)
    codes = covariates.communes
    results = [direct_results.get(code) for code in codes]
    n = np.array([r["n"] if r else 0 for r in results], dtype=float)
    direct = np.array(
        [r["estimate"] if r and r["n"] and r["estimate"] is not None else np.nan for r in results]
    )
    se = np.array([r["se"] if r and r["se"] is not None else np.nan for r in results])
    try:
        psi = sampling_variances(
            query["variance"], se, n, province["se"] or 0.0, province["n"] or 0
        )
        areas = estimate_areas(direct, psi, covariates.matrix, query["method"])
    except ScoringError as exc:
        raise invalid({"model": [str(exc)]}, "The model cannot be fitted.") from exc
    names = commune_names(version)
    held = withheld_communes(survey_round, indicator.id, reexpressed_in(survey_round, version))
    rows = [
        _commune_row(code, names.get(code), results[i], areas, i, indicator.is_rate, code in held)
        for i, code in enumerate(codes)
    ]
    model = areas.model_dict(["(intercept)", *covariates.names])
    return {
        "round_id": survey_round.id,
        "indicator": indicator.id,
        "geography": version,
        "level": LEVEL,
        "model": {
            **model,
            "covariates": covariates.names,
            "auxiliary_source": covariates.source,
            "variance": query["variance"],
            "communes_without_covariates": sorted(set(direct_results) - set(codes)),
        },
        "communes": rows,
    }


def _commune_row(
    code: str,
    name: str | None,
    result: dict[str, Any] | None,
    areas: AreaEstimates,
    i: int,
    is_rate: bool,
    withheld_direct: bool,
) -> dict[str, Any]:
    found = result or {}
    has_direct = bool(found and found["n"] and found["estimate"] is not None)
    publishable = has_direct and found["reliability"] in PUBLISHABLE and not withheld_direct
    direct = (found["estimate"], found["ci_low"], found["ci_high"]) if publishable else None
    decision = publish(
        publishable,
        direct,
        has_direct,
        areas.estimate[i],
        areas.rmse[i],
        is_rate,
        LEVEL,
        sigma2_v_zero=areas.fit.sigma2_v == 0,
    )
    published = {
        "estimate": decision.estimate,
        "ci_low": decision.ci_low,
        "ci_high": decision.ci_high,
        "source": decision.source.value,
        "reason": decision.reason.value,
    }
    if decision.source is Source.WITHHELD:  # no number anywhere in a withheld row
        return {
            "commune": code,
            "name": name,
            "n": None,
            "direct": None,
            "model": None,
            "published": published,
        }
    model = None
    if np.isfinite(areas.estimate[i]):
        model = {
            "estimate": float(areas.estimate[i]),
            "rmse": float(areas.rmse[i]),
            "cv": finite_or_none(areas.cv[i]),
            "shrinkage": float(areas.shrinkage[i]),
        }
    return {
        "commune": code,
        "name": name,
        "n": int(found["n"]) if found else 0,
        "direct": None
        if not has_direct
        else {
            "estimate": found["estimate"] if publishable else None,
            "se": found["se"] if publishable else None,
            "reliability": found["reliability"],
        },
        "model": model,
        "published": published,
    }
