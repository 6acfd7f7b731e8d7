"""A round's analysis package (docs/design.md §15): the counted interviews with their design and
weights, in CSV, Stata and SPSS with labels, a codebook, and scripts that reproduce the
published estimates (`design.R`: `svydesign` + `calibrate`; `design.do`: `svyset`)."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import fields

from catalogue import BY_DIMENSIONS, IndicatorKind, indicators_of, unit_values
from outputs.csv_table import csv_lines
from schemas.submissions import SUBMISSION_SCHEMAS
from scoring.weights import CalibrationSpec
from service.domain.round import Round
from service.rounds.weighting import configured
from service.store import get_store
from service.weighting.diagnostics import unit_rows


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    kind: str  # text | number | yesno
    values: dict[int, str] | None = None


YES_NO = {0: "no", 1: "yes"}


def _answer_fields(instrument: str) -> list[tuple[str, fields.Field[Any]]]:
    """The answers' fields as flat (name, field) pairs, a nested one by its own name
    (`e_invoice`): Stata names have at most 32 characters."""
    answers = SUBMISSION_SCHEMAS[instrument]().fields["answers"]
    assert isinstance(answers, fields.Nested)
    schema = answers.schema
    flat: list[tuple[str, fields.Field[Any]]] = []
    for name, field in schema.fields.items():
        if isinstance(field, fields.Nested):
            flat += list(field.schema.fields.items())
        else:
            flat.append((name, field))
    return flat


def _flat_answers(answers: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, dict):
            flat |= value
        else:
            flat[key] = value
    return flat


def variables(survey_round: Round) -> list[Variable]:
    """The package's columns in order, each with its label and kind."""
    instrument = survey_round.instrument
    out = [
        Variable("submission_id", "Submission id", "text"),
        Variable("assignment_id", "Assignment id (sample rounds)", "text"),
        Variable("stratum", "Variance stratum (a certainty PSU is a stratum of its own)", "text"),
        Variable("psu", "Variance PSU (in a certainty PSU: the unit)", "text"),
        Variable("input_weight", "Input weight (sample: 1/(psu_prob*unit_prob))", "number"),
        Variable("nonresponse_factor", "Non-response adjustment factor", "number"),
        Variable("w_design", "input_weight * nonresponse_factor (svydesign weight)", "number"),
        Variable("g", "Calibration factor g (1 without calibration)", "number"),
        Variable("final_weight", "Final weight = w_design * g", "number"),
        Variable("district", "District code", "text"),
        Variable("district_name", "District", "text"),
        Variable("commune", "Commune code", "text"),
        Variable("commune_name", "Commune", "text"),
        Variable("area", "Urban or rural", "text"),
    ]
    for name, field in _answer_fields(instrument):
        kind = (
            "yesno"
            if isinstance(field, fields.Boolean)
            else "number"
            if isinstance(field, fields.Integer | fields.Float)
            else "text"
        )
        out.append(Variable(name, f"Answer: {name}", kind, YES_NO if kind == "yesno" else None))
    for indicator in indicators_of(instrument):
        if indicator.kind == IndicatorKind.MEMBER_PROPORTION:
            out.append(Variable(f"ind_{indicator.id}", f"{indicator.label_en}: persons", "number"))
            out.append(
                Variable(f"ind_{indicator.id}_n", f"{indicator.label_en}: persons 15+", "number")
            )
        elif indicator.kind == IndicatorKind.PROPORTION:
            out.append(Variable(f"ind_{indicator.id}", indicator.label_en, "yesno", YES_NO))
        else:
            out.append(Variable(f"ind_{indicator.id}", indicator.label_en, "number"))
    return out


def rows(survey_round: Round) -> Iterator[dict[str, Any]]:
    """One row per interview counted in the estimates, under the round's weighting."""
    weights = {row["submission_id"]: row for row in unit_rows(survey_round)}
    districts = (survey_round.frame or {}).get("districts") or {}
    communes = survey_round.frame_communes
    instrument = survey_round.instrument
    for doc in get_store().submissions.iterate(survey_round.id):
        weight = weights.get(doc["submission_id"])
        if weight is None:
            continue
        location, answers = doc["location"], doc["answers"]
        row = {
            **weight,
            "w_design": weight["input_weight"] * weight["nonresponse_factor"],
            "district": location["district"],
            "district_name": districts.get(location["district"]),
            "commune": location["commune"],
            "commune_name": (communes.get(location["commune"]) or {}).get("name"),
            "area": location["area"],
            **_flat_answers(answers),
        }
        for indicator in indicators_of(instrument):
            y, x = unit_values(indicator, answers)
            row[f"ind_{indicator.id}"] = y
            if indicator.kind == IndicatorKind.MEMBER_PROPORTION:
                row[f"ind_{indicator.id}_n"] = x
        yield row


def _r_list(values: list[str]) -> str:
    return "c(" + ", ".join(json.dumps(v) for v in values) + ")"


TWO_STAGE_NOTE = (
    "# The round is two-stage (design.stages = 2): its published se add the units' stage"
    " (docs/statistics.md); this one-stage design gives the ultimate clusters' se."
)


def design_r(survey_round: Round, numeric: list[str]) -> str:
    """An R script that rebuilds the design from data.csv and prints the published estimates."""
    calibration = configured(survey_round)["calibration"]
    lonely = survey_round.design.lonely_psu.value
    lines = [
        f"# Round {survey_round.id}: the published estimates from data.csv (R survey).",
        "# usage: Rscript design.R [OUT.csv]   (run in the unzipped folder)",
        "suppressMessages(library(survey))",
        f'options(survey.lonely.psu = "{lonely}")',
        'd <- read.csv("data.csv", colClasses = "character", na.strings = "")',
        f"for (v in {_r_list(numeric)}) d[[v]] <- as.numeric(d[[v]])",
    ]
    if survey_round.design.two_stage:
        lines.append(TWO_STAGE_NOTE)
    fpc = survey_round.design.fpc
    if fpc:
        lines.append(f"fpc <- c({', '.join(f'`{k}` = {v!r}' for k, v in fpc.items())})")
        lines.append("d$fpc <- unname(fpc[sub('/.*', '', d$stratum)])")
    fpc_arg = ", fpc = ~fpc" if fpc else ""
    lines.append(
        "des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w_design, data = d, "
        f"nest = TRUE{fpc_arg})"
    )
    if calibration:
        lines += _calibration_r(calibration)
    instrument = survey_round.instrument
    specs = []
    for indicator in indicators_of(instrument):
        size = (
            f'"ind_{indicator.id}_n"' if indicator.kind == IndicatorKind.MEMBER_PROPORTION else "NA"
        )
        specs.append(f'  list(id = "{indicator.id}", var = "ind_{indicator.id}", size = {size})')
    lines += [
        "indicators <- list(",
        ",\n".join(specs),
        ")",
        "one <- function(sub, ind) {",
        "  if (is.na(ind$size)) m <- svymean(as.formula(paste0('~', ind$var)), sub)",
        "  else m <- svyratio(as.formula(paste0('~', ind$var)),"
        " as.formula(paste0('~', ind$size)), sub)",
        "  c(estimate = unname(coef(m)), se = unname(SE(m)))",
        "}",
        "out <- NULL",
        "for (ind in indicators) {",
        "  v <- one(des, ind)",
        "  out <- rbind(out, data.frame(indicator = ind$id, by = '', domain = '',"
        " estimate = v[['estimate']], se = v[['se']]))",
        f"  for (by in {_r_list(list(BY_DIMENSIONS[instrument]))}) {{",
        "    for (lv in sort(unique(d[[by]]))) {",
        "      v <- one(des[d[[by]] == lv, ], ind)",
        "      out <- rbind(out, data.frame(indicator = ind$id, by = by, domain = lv,"
        " estimate = v[['estimate']], se = v[['se']]))",
        "    }",
        "  }",
        "}",
        "args <- commandArgs(trailingOnly = TRUE)",
        "if (length(args)) write.csv(out, args[1], row.names = FALSE) else print(out, digits = 10)",
    ]
    return "\n".join(lines) + "\n"


def _calibration_r(calibration: dict[str, Any]) -> list[str]:
    """`calibrate` (or `postStratify`) with the round's margins, as the engine applies them: a
    numeric margin is its column with its total (R `calibrate(~… + members, c(…, T))`)."""
    margins = CalibrationSpec.from_json(calibration).margins
    lines = []
    columns = [f".m{k}" for k in range(1, len(margins) + 1)]
    for k, (column, margin) in enumerate(zip(columns, margins, strict=True), start=1):
        if margin.numeric:
            lines.append(f"des$variables$`{column}` <- d${margin.variables[0]}")
            continue
        parts = ", ".join(f"d${v}" for v in margin.variables)
        lines.append(f'des$variables$`{column}` <- factor(paste({parts}, sep = "|"))')
        totals = ", ".join(f"`{key}` = {value!r}" for key, value in margin.totals.items())
        lines.append(f"t{k} <- c({totals})")
    if calibration["method"] == "poststratify":
        lines.append("pop <- data.frame(x = names(t1), Freq = unname(t1))")
        lines.append('names(pop)[1] <- ".m1"')
        lines.append("des <- postStratify(des, ~`.m1`, pop)")
        return lines
    first = next(k for k, m in enumerate(margins, start=1) if not m.numeric)
    lines.append(f"population <- c(`(Intercept)` = sum(t{first}))")
    for k, (column, margin) in enumerate(zip(columns, margins, strict=True), start=1):
        if margin.numeric:
            lines.append(f"population <- c(population, `{column}` = {margin.total!r})")
            continue
        lines.append(f"lv <- levels(des$variables$`{column}`)[-1]")
        lines.append(f'population <- c(population, setNames(t{k}[lv], paste0("{column}", lv)))')
    bounds = calibration.get("bounds")
    bound = f"c({bounds[0]!r}, {bounds[1]!r})" if bounds else "c(-Inf, Inf)"
    calfun = "raking" if calibration["method"] == "rake" else "linear"
    formula = " + ".join(f"`{c}`" for c in columns)
    lines.append(
        f'des <- calibrate(des, ~{formula}, population, calfun = "{calfun}", bounds = {bound}, '
        "epsilon = 1e-10, maxit = 100)"
    )
    return lines


def design_do(survey_round: Round) -> str:
    lines = [
        f"* Round {survey_round.id}: the survey design in Stata.",
        'use "data.dta", clear',
        "svyset psu [pweight = final_weight], strata(stratum) singleunit(centered)",
        "* final_weight includes the calibration; Stata's linearisation then treats it as fixed,",
        "* so standard errors of a calibrated round differ slightly from the published ones",
        "* (design.R reproduces those with calibrate). Example:",
    ]
    for indicator in indicators_of(survey_round.instrument):
        if indicator.kind == IndicatorKind.MEMBER_PROPORTION:
            lines.append(f"svy: ratio ind_{indicator.id} / ind_{indicator.id}_n")
        else:
            lines.append(f"svy: mean ind_{indicator.id}")
    return "\n".join(lines) + "\n"


README = """Analysis package of round {round_id} (data version {data_version})

data.csv      one row per interview counted in the estimates: ids; stratum and PSU as used
              for variance (a certainty PSU is its own stratum, its units the PSUs); input
              weight, non-response factor, w_design = their product, calibration factor g and
              final_weight = w_design * g; location codes and names; the answers; ind_*: each
              indicator's value per interview (member shares: persons, and ind_*_n persons 15+).
              Codes are text (080 stays 080); yes/no answers are true/false.
data.dta      the same for Stata, with variable and value labels (yes/no as 1/0).
data.sav      the same for SPSS.
codebook.csv  every variable: name, label, kind, value labels.
design.R      Rscript design.R  -> the published estimates and standard errors, province-wide
              and per domain: svydesign(ids=~psu, strata=~stratum, weights=~w_design, nest=TRUE)
              then calibrate() to the round's margins (needs R and the survey package).
design.do     the design in Stata (svyset, with final_weight).

The published tables withhold estimates that are too unreliable (docs/design.md §6, §15); this
package has every interview, so it must stay with the analysts it was issued to.
"""


def codebook(variables_: list[Variable]) -> str:
    rows_ = [
        {
            "variable": v.name,
            "label": v.label,
            "kind": v.kind,
            "values": "; ".join(f"{k}={t}" for k, t in (v.values or {}).items()),
        }
        for v in variables_
    ]
    return "".join(csv_lines(("variable", "label", "kind", "values"), rows_))


def _stata_frame(table: list[dict[str, Any]], variables_: list[Variable]) -> Any:
    import pandas as pd

    data: dict[str, Any] = {}
    for v in variables_:
        column = [row.get(v.name) for row in table]
        if v.kind == "yesno":
            data[v.name] = [None if x is None else float(bool(x)) for x in column]
        elif v.kind == "number":
            data[v.name] = [None if x is None else float(x) for x in column]
        else:
            data[v.name] = ["" if x is None else str(x) for x in column]
    return pd.DataFrame(data, columns=[v.name for v in variables_])


def labelled_files(table: list[dict[str, Any]], variables_: list[Variable]) -> dict[str, bytes]:
    """data.dta and data.sav with variable and value labels (pyreadstat writes files)."""
    import pyreadstat

    frame = _stata_frame(table, variables_)
    labels: list[str | None] = [v.label[:80] for v in variables_]
    values: dict[str, dict[int | float, str]] = {
        v.name: {code: text for code, text in v.values.items()} for v in variables_ if v.values
    }
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        dta, sav = Path(folder) / "data.dta", Path(folder) / "data.sav"
        pyreadstat.write_dta(frame, str(dta), column_labels=labels, variable_value_labels=values)
        pyreadstat.write_sav(frame, str(sav), column_labels=labels, variable_value_labels=values)
        out["data.dta"], out["data.sav"] = dta.read_bytes(), sav.read_bytes()
    return out


def analysis_package(survey_round: Round, data_version: int) -> bytes:
    """The zip's bytes."""
    table = list(rows(survey_round))
    variables_ = variables(survey_round)
    names = [v.name for v in variables_]
    numeric = [v.name for v in variables_ if v.kind == "number" or v.name.startswith("ind_")]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("data.csv", "".join(csv_lines(names, table)))
        for name, content in labelled_files(table, variables_).items():
            package.writestr(name, content)
        package.writestr("codebook.csv", codebook(variables_))
        package.writestr("design.R", design_r(survey_round, numeric))
        package.writestr("design.do", design_do(survey_round))
        package.writestr(
            "README.txt", README.format(round_id=survey_round.id, data_version=data_version)
        )
    return buffer.getvalue()
