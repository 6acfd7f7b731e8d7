// What the page shows, in the order it shows it: one view per indicator, the province row
// first, then the domains — published estimates by estimate (highest first), then the ones
// not published, then domains without interviews. The chart and the table read these views.

import { helpText, reasonText, t, term } from "./i18n.js";

export const BY_LABELS = {
  district: "byDistrict", commune: "byCommune", area: "byArea", type: "byType", sector: "bySector",
  former_province: "byFormerProvince",
};

/** The breakdowns a round's instrument offers, as `GET /api/v1/indicators` lists them. */
export function byOptions(catalogue, instrument) {
  const options = [];
  for (const item of catalogue.values()) {
    if (item.instrument !== instrument) continue;
    for (const by of item.by || []) if (!options.includes(by)) options.push(by);
  }
  return options;
}

/**
 * Names of a geography version's communes and of the former provinces (docs/design.md §13).
 * `getJson`: the API client (api.js), passed in so this module stays free of it.
 */
export async function geographyNames(getJson, version) {
  const units = (path, query) => getJson(`/api/v1/geography/${encodeURIComponent(path)}/units`, query);
  const [communes, provinces] = await Promise.all([
    units(version, { level: "commune" }),
    units("vn-2025-03", { level: "province" }),
  ]);
  const named = (items) => Object.fromEntries(items.map((unit) => [unit.code, unit.name_vi]));
  return { commune: named(communes.items), former_province: named(provinces.items) };
}

/** Domains every round of a series offers; across coverages, only areas compare (§13). */
export function seriesByOptions(rounds) {
  const [first, ...rest] = rounds;
  if (!first?.domains) return null;
  const common = first.domains.filter((by) => rest.every((round) => (round.domains || []).includes(by)));
  const coverage = (round) => (round.coverage || []).join(",");
  const same = rest.every((round) => coverage(round) === coverage(first));
  return same ? common : common.filter((by) => ["commune", "district", "former_province"].includes(by));
}

export function domainCode(domain) {
  return domain ? String(Object.values(domain)[0]) : null;
}

export function domainName(round, by, code) {
  const frame = round.frame || {};
  const names = round.geographyNames || {}; // from GET /api/v1/geography/{version}/units
  switch (by) {
    case "district": return (frame.districts || {})[code] ?? code;
    case "commune": return (names.commune || {})[code] ?? (frame.communes || {})[code]?.name ?? code;
    case "former_province": return (names.former_province || {})[code] ?? code;
    case "sector": return term("sectors", code);
    default: return t(code);
  }
}

/**
 * ok | review: published; suppress: not published (the API withheld its numbers);
 * none: no interviews yet.
 */
export function rowState(result) {
  const reasons = result.reliability_reasons || [];
  if (!result.n && reasons.every((code) => code === "n_eff")) return "none";
  if (result.reliability === "suppress" || result.estimate === null || result.estimate === undefined) return "suppress";
  return result.reliability;
}

export const isPublished = (row) => ["ok", "review"].includes(row.state);

const RANK = { ok: 0, review: 0, suppress: 1, none: 2 };

function compareRows(a, b) {
  return RANK[a.state] - RANK[b.state]
    || (b.result.estimate ?? 0) - (a.result.estimate ?? 0)
    || a.name.localeCompare(b.name, "vi");
}

function targetOf(result, round, indicatorId) {
  if (result && result.target) return result.target.value;
  const value = (round.targets || {})[indicatorId];
  return value === undefined ? null : value;
}

const row = (code, name, result) => ({ code, name, result, state: rowState(result) });

/** One view per indicator block of a `?by=…&overall=true` response. */
export function indicatorViews({ catalogue, round, response, by }) {
  return response.estimates.map((block) => {
    const info = catalogue.get(block.indicator) || {};
    const provinceResult = block.results.find((result) => result.domain === null) ?? null;
    const rows = block.results
      .filter((result) => result.domain !== null)
      .map((result) => {
        const code = domainCode(result.domain);
        return row(code, domainName(round, by, code), result);
      })
      .sort(compareRows);
    return {
      id: block.indicator,
      info,
      isRate: info.is_rate === true, // a percentage; else a score
      target: targetOf(provinceResult, round, block.indicator),
      targetSource: provinceResult?.target?.source ?? null,
      province: provinceResult && row(null, t("province"), provinceResult),
      rows,
      by,
      ciMethod: block.ci_method,
      level: block.level,
    };
  });
}

export function indicatorLabel(info, lang, id) {
  return (lang === "vi" ? info.label_vi : info.label_en) || id;
}

export function indicatorDefinition(info, lang) {
  return (lang === "vi" ? info.definition_vi : info.definition) || null;
}

/** A row's verdict and, when flagged, why in plain words (and what would help). */
export function rowExplanation(row) {
  const reasons = (row.result.reliability_reasons || []).map(reasonText).join("; ");
  switch (row.state) {
    case "ok": return { verdict: t("ok"), why: "" };
    case "none": return { verdict: t("noData"), why: "" };
    case "review": return { verdict: t("review"), why: `${reasons}.` };
    case "suppress": return { verdict: t("suppress"), why: `${reasons}. ${helpText(row.result.reliability_reasons)}` };
    default: throw new Error(`unknown row state ${row.state}`);
  }
}

/** The words a chart writes under a row: nothing for a reliable estimate. */
export function rowNote(row) {
  if (row.state === "ok") return "";
  const { verdict, why } = rowExplanation(row);
  return why ? `${verdict}: ${why}` : verdict;
}
