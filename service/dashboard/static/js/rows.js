// What the page shows, in the order it shows it: one view per indicator, the province row
// first, then the domains — shown estimates by estimate (highest first), then suppressed
// ones, then domains without data. The chart, the table and the CSV all read these views.

import { t } from "./i18n.js";

export const BY_OPTIONS = {
  household: ["district", "area"],
  business: ["district", "area", "type"],
};

export function domainCode(domain) {
  return domain ? String(Object.values(domain)[0]) : null;
}

export function domainName(round, by, code) {
  const frame = round.frame || {};
  if (by === "district") return (frame.districts || {})[code] ?? code;
  if (by === "commune") return (frame.communes || {})[code]?.name ?? code;
  return t(code);
}

function rank(result) {
  if (result.estimate === null || result.estimate === undefined) return 2;
  return result.reliability === "suppress" ? 1 : 0;
}

function compareRows(a, b) {
  return rank(a.result) - rank(b.result)
    || (b.result.estimate ?? 0) - (a.result.estimate ?? 0)
    || a.name.localeCompare(b.name, "vi");
}

function targetOf(result, round, indicatorId) {
  if (result && result.target) return result.target.value;
  const value = (round.targets || {})[indicatorId];
  return value === undefined ? null : value;
}

/** One view per indicator block of the `by` response, joined with the province-wide one. */
export function indicatorViews({ catalogue, round, overall, byResponse, by }) {
  const provinceBlocks = new Map(overall.estimates.map((block) => [block.indicator, block]));
  return byResponse.estimates.map((block) => {
    const info = catalogue.get(block.indicator) || {};
    const province = provinceBlocks.get(block.indicator)?.results[0] ?? null;
    const rows = block.results
      .map((result) => {
        const code = domainCode(result.domain);
        return { code, name: domainName(round, by, code), result };
      })
      .sort(compareRows);
    return {
      id: block.indicator,
      info,
      isRate: info.kind ? info.kind !== "mean" : true,
      target: targetOf(province, round, block.indicator),
      province: province && { code: null, name: t("province"), result: province },
      rows,
      by,
      ciMethod: block.ci_method,
      level: block.level,
      unit: block.unit,
    };
  });
}

export const hasData = (row) => row.result.estimate !== null && row.result.estimate !== undefined;

export function indicatorLabel(info, lang, id) {
  return (lang === "vi" ? info.label_vi : info.label_en) || id;
}
