// Which weighting the estimates use (the estimates answer's `weighting` block) in one plain
// sentence, and the "about the weights" panel (`GET /api/v1/rounds/{id}/weights`): sum against
// the population counts, range, CV, Kish design effect, calibration factors and warnings, each
// with one sentence of what it means (docs/planners.md). Fields another step may not fill yet
// (classes, warnings, provisional) are read as empty when missing.

import { h } from "./dom.js";
import { formatCount, formatValue, t, term } from "./i18n.js";

const units = (instrument) => term("unitsOf", instrument);
const missing = (value) => value === null || value === undefined;
const decimal = (value, digits) => (missing(value) ? "–" : formatValue(value, false, digits));

// `nonresponse` null: the step was not applied; "none": one class, the whole round
const nonresponseWords = (classes) => (classes === "none" ? "whole" : classes ?? "none");

/** The weighting sentence, and the provisional mark when fieldwork is still open. */
export function weightingNote(block) {
  if (!block) return [];
  const parts = [
    term("weightingInput", block.input ?? "submitted"),
    term("weightingNonresponse", nonresponseWords(block.nonresponse)),
    term("weightingCalibration", block.calibration ?? "none"),
  ];
  const sentence = h("p", { class: "weighting", id: "weighting", "data-calibration": block.calibration ?? "none" }, [
    h("span", { class: "weighting-lead" }, `${t("weightingLead")} `), `${parts.join("; ")}.`,
  ]);
  if (!block.provisional) return [sentence];
  return [sentence, h("p", { class: "provisional", id: "provisional" }, [
    h("strong", { class: "badge badge-review" }, t("provisional")), ` ${t("provisionalHelp")}`,
  ])];
}

const LABEL_PATTERNS = [
  [/^all$/, () => t("classLabel").all],
  [/^stratum (.+)$/, (s) => t("classLabel").stratum(s)],
  [/^PSU (.+) \(stratum (.+)\)$/, (p, s) => t("classLabel").psu(p, s)],
];

function classLabel(label) {
  for (const [pattern, words] of LABEL_PATTERNS) {
    const found = label.match(pattern);
    if (found) return words(...found.slice(1));
  }
  return label;
}

// the engine's warnings (scoring/weights/nonresponse.py), told in plain words
const WARNING_PATTERNS = [
  [/^(.+) has no visited unit: it forms no class$/, "noVisit"],
  [/^(.+) has no completed unit: it carries no weight$/, "noComplete"],
  [/^(stratum .+): PSU classes collapsed to the stratum$/, "collapsed"],
  [/^(.+) has a non-response factor (\S+) above max_factor (\S+)$/, "highFactor"],
];

/** A warning in plain words; one the page does not know is shown as the service wrote it. */
export function warningText(warning) {
  const text = typeof warning === "string" ? warning : warning?.message ?? warning?.code ?? "";
  for (const [pattern, key] of WARNING_PATTERNS) {
    const found = text.match(pattern);
    if (!found) continue;
    const [label, ...numbers] = found.slice(1);
    return t("warningText")[key](classLabel(label), ...numbers.map((n) => decimal(Number(n), 1)));
  }
  return text;
}

function item(key, value, help) {
  return h("div", { class: "weights-item", "data-item": key }, [
    h("dt", {}, t(key)),
    h("dd", {}, [h("strong", { class: "weights-value" }, value), help ? h("span", { class: "weights-help" }, ` ${help}`) : null]),
  ]);
}

/** Each margin's categories: the population count and what the weights add up to. */
function marginTables(margins, nameOf) {
  const byMargin = new Map();
  for (const row of margins) {
    const name = row.variables.join("|");
    if (!byMargin.has(name)) byMargin.set(name, []);
    byMargin.get(name).push(row);
  }
  return [...byMargin.values()].map((rows) => {
    const variables = rows[0].variables;
    const caption = t("marginBy", variables.map((v) => term("marginNames", v)).join(" × "));
    const label = (key) => key.split("|").map((code, k) => nameOf(variables[k], code)).join(" · ");
    return h("div", { class: "table-scroll", tabindex: 0, role: "region", "aria-label": caption }, h("table", { class: "estimates margins", "data-margin": variables.join("|") }, [
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, [t("weightsCategory"), t("weightsTotal"), t("weightsAchieved")].map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", {}, rows.map((row) => h("tr", { "data-key": row.key }, [
        h("th", { scope: "row" }, label(row.key)),
        h("td", { class: "num" }, formatCount(row.total)),
        h("td", { class: "num" }, formatCount(row.achieved)),
      ]))),
    ]));
  });
}

function population(margins) {
  if (!margins.length) return null;
  const first = margins[0].variables.join("|");
  return margins.filter((row) => row.variables.join("|") === first).reduce((sum, row) => sum + row.total, 0);
}

function classesItem(classes) {
  const factors = classes.map((c) => c.factor).filter((f) => !missing(f));
  if (!factors.length) return null;
  const help = t("weightsClassesHelp", formatCount(classes.length), decimal(Math.min(...factors), 2), decimal(Math.max(...factors), 2));
  return item("weightsClasses", formatCount(classes.length), help);
}

/** The panel's content for a `/weights` answer; `nameOf(variable, code)` names a category. */
export function weightsPanel(summary, instrument, nameOf) {
  if (!summary.n_respondents) return [h("p", {}, t("weightsNone"))];
  const margins = summary.margins || [];
  const classes = summary.classes || [];
  const warnings = summary.warnings || [];
  const n = formatCount(summary.n_respondents);
  const pop = population(margins);
  const calibrated = pop !== null;
  const deff = summary.kish_deff;
  const effective = missing(deff) ? "–" : formatCount(Math.round(summary.n_respondents / deff));
  const g = summary.g || {};
  const items = [
    item("weightsSum", formatCount(summary.sum_final), t("weightsSumHelp", units(instrument), n)),
    calibrated
      ? item("weightsPopulation", formatCount(pop), t("weightsPopulationHelp", units(instrument)))
      : item("weightsPopulation", "–", `${t("weightsNoPopulation")} ${t("weightsInputSum", formatCount(summary.sum_input))}`),
    item("weightsRange", t("rangeText", decimal(summary.min, 1), decimal(summary.max, 1)), t("weightsRangeHelp", units(instrument))),
    item("weightsCv", decimal(summary.cv, 2), t("weightsCvHelp")),
    item("weightsDeff", decimal(deff, 2), t("weightsDeffHelp", n, effective)),
    calibrated
      ? item("weightsG", t("rangeText", decimal(g.min, 3), decimal(g.max, 3)), t("weightsGHelp"))
      : item("weightsG", "–", t("weightsNoG")),
    classes.length ? classesItem(classes) : null,
  ];
  const warningList = warnings.length
    ? h("ul", { class: "weights-warnings" }, warnings.map((w) => h("li", {}, warningText(w))))
    : h("p", { class: "weights-warnings" }, t("weightsNoWarnings"));
  return [
    h("dl", { class: "weights-summary" }, items),
    h("h4", {}, t("weightsWarnings")),
    warningList,
    ...(calibrated ? [h("h4", {}, t("weightsMarginsTitle")), ...marginTables(margins, nameOf)] : []),
  ];
}
