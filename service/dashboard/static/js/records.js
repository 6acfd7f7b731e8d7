// The download records: exactly what is shown, the views' rows in page order, numbers at full
// precision; and the CSV text of them.

import { lang } from "./i18n.js";
import { indicatorLabel } from "./rows.js";

export const CSV_COLUMNS = [
  "round_id", "data_version", "computed_at", "indicator", "indicator_label", "unit", "by",
  "domain_code", "domain_name", "estimate", "se", "ci_low", "ci_high", "ci_method", "level",
  "df", "deff", "n", "n_eff", "population", "cv", "reliability", "reliability_reasons",
  "target", "target_status",
];

function cell(value) {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function record(response, view, row, by) {
  const r = row.result;
  return {
    round_id: response.round_id,
    data_version: response.data_version,
    computed_at: response.computed_at,
    indicator: view.id,
    indicator_label: indicatorLabel(view.info, lang(), view.id),
    unit: view.unit,
    by,
    domain_code: row.code,
    domain_name: row.name,
    estimate: r.estimate,
    se: r.se,
    ci_low: r.ci_low,
    ci_high: r.ci_high,
    ci_method: view.ciMethod,
    level: view.level,
    df: r.df,
    deff: r.deff,
    n: r.n,
    n_eff: r.n_eff,
    population: r.population,
    cv: r.cv,
    reliability: r.reliability,
    reliability_reasons: (r.reliability_reasons || []).join(";"),
    target: r.target ? r.target.value : null,
    target_status: r.target ? r.target.status : null,
  };
}

export function exportRecords(response, views) {
  const records = [];
  for (const view of views) {
    if (view.province) records.push(record(response, view, view.province, ""));
    for (const row of view.rows) records.push(record(response, view, row, view.by));
  }
  return records;
}

export function toCsv(records) {
  const lines = [CSV_COLUMNS.join(","), ...records.map((values) => CSV_COLUMNS.map((name) => cell(values[name])).join(","))];
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}
