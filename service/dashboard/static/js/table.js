// The table view: the same rows as the chart, every published number written out; a row that
// is not published or to use with care says so and carries the letter of its caution, which
// the card writes once under the table (cautions.js).

import { h } from "./dom.js";
import { formatCount, formatLevel, formatRange, formatValue, t } from "./i18n.js";
import { rowMark } from "./cautions.js";
import { isPublished, rowExplanation } from "./rows.js";

function reliabilityCell(row) {
  const { verdict } = rowExplanation(row);
  if (row.state === "none") return h("td", { class: "rel-none" }, [verdict, rowMark(row)]);
  return h("td", { class: `rel-${row.state}` }, [
    h("span", { class: `badge badge-${row.state}` }, verdict),
    rowMark(row),
  ]);
}

function bodyRow(view, row, isProvince) {
  const r = row.result;
  const published = isPublished(row);
  const status = r.target ? t(r.target.status) : "–";
  return h("tr", { class: `${isProvince ? "province-row" : "domain-row"} rel-${row.state}`, "data-code": row.code ?? "" }, [
    h("th", { scope: "row" }, row.name),
    h("td", { class: published ? "num" : "withheld" }, published ? formatValue(r.estimate, view.isRate) : t("notPublished")),
    h("td", { class: "num" }, published ? formatRange(r.ci_low, r.ci_high, view.isRate) : "–"),
    h("td", { class: "num" }, formatCount(r.n)),
    reliabilityCell(row),
    h("td", {}, status),
  ]);
}

export function indicatorTable(view, caption, id) {
  const headers = [t("domain"), t("estimate"), t("rangeHeader", formatLevel(view.level)), t("n"), t("reliability"), t("targetStatus")];
  const rows = [view.province ? bodyRow(view, view.province, true) : null,
    ...view.rows.map((row) => bodyRow(view, row, false))];
  return h("div", { class: "table-scroll", id, tabindex: 0, role: "region", "aria-label": caption }, h("table", { class: "estimates" }, [
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows),
  ]));
}
