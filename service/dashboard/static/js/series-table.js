// The series view as a table: per area, one line per round with every published number written
// out (a round not published says why instead), and the change since the first round in words.

import { h } from "./dom.js";
import { formatCount, formatLevel, formatRange, formatValue, t } from "./i18n.js";
import { isPublished, rowExplanation } from "./rows.js";
import { roundNote } from "./series-rows.js";

function reliabilityCell(row) {
  if (row.state === "none") return h("td", { class: "rel-none" }, roundNote(row));
  const { verdict, why } = rowExplanation(row);
  return h("td", { class: `rel-${row.state}` }, [
    h("span", { class: `badge badge-${row.state}` }, verdict),
    why ? h("span", { class: "reasons" }, ` ${why}`) : null,
  ]);
}

function changeCell(group, span) {
  const several = group.changes.length > 1;
  return h("td", { class: "change-cell", rowspan: span, "data-code": group.code ?? "" }, group.changes.map((change) => h("p", {
    class: `change-${change.kind}`, "data-to": change.to.id, "data-kind": change.kind,
  }, [several ? t("changeFromTo", change.from.label, change.to.label) : null,
    h("span", { class: "change-sentence" }, change.text)])));
}

function groupBody(view, group) {
  const span = group.rounds.length;
  return h("tbody", { class: group.isProvince ? "province-group" : "domain-group", "data-code": group.code ?? "" }, group.rounds.map((item, k) => {
    const { row } = item;
    const r = row.result;
    const published = isPublished(row);
    return h("tr", { class: `rel-${row.state}`, "data-code": row.code ?? "", "data-round": item.round.id }, [
      k === 0 ? h("th", { scope: "rowgroup", rowspan: span }, group.name) : null,
      h("th", { scope: "row", class: "round-cell" }, item.label),
      h("td", { class: published ? "num" : "withheld" }, published ? formatValue(r.estimate, view.isRate) : t("notPublished")),
      h("td", { class: "num" }, published ? formatRange(r.ci_low, r.ci_high, view.isRate) : "–"),
      h("td", { class: "num" }, formatCount(r.n)),
      reliabilityCell(row),
      k === 0 ? changeCell(group, span) : null,
    ]);
  }));
}

export function seriesTable(view, caption, id) {
  const headers = [t("domain"), t("roundHeader"), t("estimate"), t("rangeHeader", formatLevel(view.level)), t("n"),
    t("reliability"), t("changeHeader")];
  return h("div", { class: "table-scroll", id, tabindex: 0, role: "region", "aria-label": caption }, h("table", { class: "estimates series-table" }, [
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))),
    ...view.groups.map((group) => groupBody(view, group)),
  ]));
}
