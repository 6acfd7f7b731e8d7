// The district chart as SVG: one row per domain, the CI as a bar, the estimate as a mark, the
// 2025 target as a dashed vertical line. Reliability is told by shape, pattern and text, so
// colour is never the only cue (Okabe–Ito colours, safe for colour-blind readers).

import { h, s } from "./dom.js";
import { formatLevel, formatValue, reasonText, t } from "./i18n.js";
import { hasData } from "./rows.js";

const ROW = 26;
const NOTE = 14;
const TOP = 24;
const BOTTOM = 26;
const VALUE_WIDTH = 56;
const NARROW = 420; // below this chart width: smaller type, fewer ticks
let chartSerial = 0;

// Average advance of a character at the chart's type sizes: enough to lay out labels and
// wrap notes without measuring text (which needs the chart to be in the page first).
const charWidth = (fontSize) => fontSize * 0.56;

function wrap(text, width, fontSize) {
  if (!text) return [];
  const perLine = Math.max(Math.floor(width / charWidth(fontSize)), 12);
  const lines = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > perLine) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line];
}

function rowNote(result) {
  if (!hasData({ result })) return t("noData");
  if (result.reliability === "ok") return "";
  const reasons = (result.reliability_reasons || []).map(reasonText).join("; ");
  return reasons ? `${t(result.reliability)}: ${reasons}` : t(result.reliability);
}

function describe(view, row) {
  const r = row.result;
  if (!hasData(row)) return `${row.name}: ${t("noData")}`;
  const ci = `${t("ci", formatLevel(view.level))} ${formatValue(r.ci_low, view.isRate)}–${formatValue(r.ci_high, view.isRate)}`;
  const note = rowNote(r);
  return `${row.name}: ${formatValue(r.estimate, view.isRate)} (${ci}), n = ${r.n}${note ? ` — ${note}` : ""}`;
}

function marker(reliability, x, y) {
  if (reliability === "review") {
    return s("path", { class: "mark mark-review", d: `M${x} ${y - 6} L${x + 6} ${y} L${x} ${y + 6} L${x - 6} ${y} Z` });
  }
  if (reliability === "suppress") {
    return s("circle", { class: "mark mark-suppress", cx: x, cy: y, r: 4.5 });
  }
  return s("circle", { class: "mark mark-ok", cx: x, cy: y, r: 5 });
}

function drawRow(view, row, geometry, y, isProvince, hatchId) {
  const { scale, plotLeft, width } = geometry;
  const r = row.result;
  const reliability = hasData(row) ? r.reliability : "none";
  const lines = geometry.noteLines(row);
  const classes = ["row", `rel-${reliability}`, isProvince ? "province-bar" : hasData(row) ? "domain-bar" : "domain-empty"];
  const mid = y + ROW / 2;
  const children = [
    s("title", {}, describe(view, row)),
    s("text", { class: "row-name", x: plotLeft - 10, y: mid + 4, "text-anchor": "end" }, row.name),
  ];
  if (hasData(row)) {
    const low = scale(r.ci_low ?? r.estimate);
    const high = scale(r.ci_high ?? r.estimate);
    const band = reliability === "suppress"
      ? s("rect", { class: "ci ci-suppress", x: low, y: mid - 5, width: Math.max(high - low, 1), height: 10, fill: `url(#${hatchId})` })
      : s("rect", { class: `ci ci-${reliability}`, x: low, y: mid - 3, width: Math.max(high - low, 1), height: 6, rx: 3 });
    children.push(
      band,
      marker(reliability, scale(r.estimate), mid),
      s("text", { class: `row-value value-${reliability}`, x: width - 4, y: mid + 4, "text-anchor": "end" },
        formatValue(r.estimate, view.isRate)),
    );
  }
  lines.forEach((line, k) => {
    children.push(s("text", { class: `row-note note-${reliability}`, x: 4, y: y + ROW + (k + 1) * NOTE - 4 }, line));
  });
  return s("g", { class: classes.join(" "), "data-code": row.code ?? "", "data-reliability": reliability }, children);
}

/** The chart of one indicator view, `width` pixels wide. */
export function indicatorChart(view, width, label) {
  const id = `chart-${++chartSerial}`;
  const hatchId = `${id}-hatch`;
  const narrow = width < NARROW;
  const all = [view.province, ...view.rows].filter(Boolean);
  const longest = Math.max(...all.map((row) => row.name.length));
  const labelWidth = Math.min(longest * charWidth(narrow ? 11 : 12) * 1.08 + 6, width * 0.45, 220);
  const plotLeft = labelWidth + 10;
  const plotRight = width - VALUE_WIDTH - 8;
  const max = view.isRate ? 1 : 100;
  const scale = (v) => plotLeft + (Math.min(Math.max(v, 0), max) / max) * (plotRight - plotLeft);
  const notes = new Map(all.map((row) => [row, wrap(rowNote(row.result), width - 8, narrow ? 10 : 10.5)]));
  const geometry = { scale, plotLeft, width, noteLines: (row) => notes.get(row) };
  const rowHeight = (row) => ROW + notes.get(row).length * NOTE;
  const height = TOP + all.reduce((sum, row) => sum + rowHeight(row), 0) + 10 + BOTTOM;

  const svg = s("svg", {
    class: narrow ? "chart chart-narrow" : "chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-title`,
  });
  svg.append(
    s("title", { id: `${id}-title` }, label),
    s("defs", {}, s("pattern", { id: hatchId, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, [
      s("rect", { width: 6, height: 6, class: "hatch-bg" }),
      s("line", { x1: 0, y1: 0, x2: 0, y2: 6, class: "hatch-line" }),
    ])),
  );
  const bottom = height - BOTTOM;
  const grid = s("g", { class: "axis", "aria-hidden": "true" });
  const ticks = plotRight - plotLeft < 220 ? 2 : 5;
  for (let k = 0; k <= ticks; k += 1) {
    const value = (max * k) / ticks;
    const x = scale(value);
    grid.append(
      s("line", { class: "grid", x1: x, x2: x, y1: TOP - 4, y2: bottom }),
      s("text", { class: "tick", x, y: bottom + 16, "text-anchor": "middle" }, formatValue(value, view.isRate, 0)),
    );
  }
  svg.append(grid);

  let y = TOP;
  all.forEach((row, index) => {
    svg.append(drawRow(view, row, geometry, y, index === 0 && row === view.province, hatchId));
    y += rowHeight(row);
    if (index === 0 && row === view.province) {
      svg.append(s("line", { class: "separator", x1: 0, x2: width, y1: y + 5, y2: y + 5 }));
      y += 10;
    }
  });

  if (view.target !== null && view.target !== undefined) {
    const x = scale(view.target);
    svg.append(s("g", { class: "target", "aria-hidden": "true" }, [
      s("line", { class: "target-line", x1: x, x2: x, y1: TOP - 6, y2: bottom }),
      s("text", { class: "target-label", x, y: TOP - 10, "text-anchor": x > plotRight - 40 ? "end" : "middle" },
        `${t("target")} ≥ ${formatValue(view.target, view.isRate, 0)}`),
    ]));
  }
  return svg;
}

/** The legend, drawn with the same marks as the charts; its words are HTML text. */
export function legend() {
  const item = (marks, text) => h("li", {}, [
    s("svg", { class: "legend-mark", width: 22, height: 16, viewBox: "-3 -8 22 16", "aria-hidden": "true" }, marks),
    h("span", {}, text),
  ]);
  return h("ul", { class: "legend-list" }, [
    item([s("rect", { class: "ci ci-ok", x: 0, y: -3, width: 16, height: 6, rx: 3 }),
      s("circle", { class: "mark mark-ok", cx: 8, cy: 0, r: 5 })], t("legendOk")),
    item([s("rect", { class: "ci ci-review", x: 0, y: -3, width: 16, height: 6, rx: 3 }),
      s("path", { class: "mark mark-review", d: "M8 -6 L14 0 L8 6 L2 0 Z" })], t("legendReview")),
    item([s("rect", { class: "ci legend-suppress", x: 0, y: -5, width: 16, height: 10 }),
      s("circle", { class: "mark mark-suppress", cx: 8, cy: 0, r: 4.5 })], t("legendSuppress")),
    item([s("line", { class: "target-line", x1: 8, x2: 8, y1: -8, y2: 8 })], t("legendTarget")),
  ]);
}
