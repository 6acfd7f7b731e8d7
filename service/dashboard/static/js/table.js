// The table view: the same rows and numbers as the chart, as an HTML table.

import { h } from "./dom.js";
import { formatCount, formatLevel, formatValue, reasonText, t } from "./i18n.js";
import { hasData } from "./rows.js";

function reliabilityCell(row) {
  if (!hasData(row)) return h("td", { class: "rel-none" }, t("noData"));
  const r = row.result;
  const reasons = (r.reliability_reasons || []).map(reasonText).join("; ");
  return h("td", { class: `rel-${r.reliability}` }, [
    h("span", { class: `badge badge-${r.reliability}` }, t(r.reliability)),
    reasons ? h("span", { class: "reasons" }, ` ${reasons}`) : null,
  ]);
}

function bodyRow(view, row, isProvince) {
  const r = row.result;
  const value = (v) => h("td", { class: "num" }, formatValue(v, view.isRate));
  const status = r.target ? t(r.target.status) : "–";
  return h("tr", { class: `${isProvince ? "province-row" : "domain-row"} rel-${hasData(row) ? r.reliability : "none"}`, "data-code": row.code ?? "" }, [
    h("th", { scope: "row" }, row.name),
    value(r.estimate),
    value(r.ci_low),
    value(r.ci_high),
    h("td", { class: "num" }, formatCount(r.n)),
    h("td", { class: "num" }, formatCount(r.n_eff)),
    reliabilityCell(row),
    h("td", {}, status),
  ]);
}

export function indicatorTable(view, caption) {
  const headers = [t("domain"), t("estimate"), `${t("ciLow")} (${formatLevel(view.level)})`,
    `${t("ciHigh")} (${formatLevel(view.level)})`, t("n"), t("nEff"), t("reliability"), t("targetStatus")];
  const rows = [view.province ? bodyRow(view, view.province, true) : null,
    ...view.rows.map((row) => bodyRow(view, row, false))];
  return h("div", { class: "table-scroll", tabindex: 0, role: "region", "aria-label": caption }, h("table", { class: "estimates" }, [
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows),
  ]));
}
