// A card's cautions (docs/design.md §15): each distinct caution once, under the chart or the
// table, after the letter that marks every row it applies to.

import { h } from "./dom.js";
import { t } from "./i18n.js";

/** The letter of a row's caution, for a table cell (none for a row without one). */
export function rowMark(row) {
  if (!row.mark) return null;
  return h("span", { class: `row-mark tone-${row.state}`, title: t("cautionMark", row.mark) }, [
    h("span", { "aria-hidden": "true" }, ` ${row.mark}`),
    h("span", { class: "visually-hidden" }, ` (${t("cautionMark", row.mark)})`),
  ]);
}

/** The card's list of cautions, or null when no row has one. */
export function cautionList(view) {
  if (!view.cautions.length) return null;
  return h("div", { class: "cautions" }, [
    h("p", { class: "cautions-lead" }, t("cautionsLead")),
    h("ul", { class: "caution-list" }, view.cautions.map((caution) => h(
      "li",
      { class: `caution caution-${caution.state}`, "data-mark": caution.mark },
      [h("span", { class: `caution-mark tone-${caution.state}` }, caution.mark), h("span", { class: "caution-text" }, caution.text)],
    ))),
  ]);
}
