// The chart of one indicator as SVG: one row per domain, the likely range as a bar, the estimate
// as a mark, the 2025 target as a dashed vertical line. A row that is not published has no
// mark, bar or number: only "not published" in words. A row with a caution carries its letter
// before its name; the card writes each caution once under the chart (cautions.js), never
// over the target line. Reliability is told by shape and text, so colour
// is never the only cue (Okabe–Ito colours, safe for colour-blind readers). Every number is also
// in the table view, which a button under each chart opens.

import { h, s } from "./dom.js";
import { formatLevel, formatRange, formatValue, t } from "./i18n.js";
import { isPublished, rowExplanation, rowNote } from "./rows.js";

export const ROW = 26; // a bar's line
export const NAME = 15; // a line of a domain name above its bar (stacked layout)
export const NOTE = 14; // a line of a row's note
const ROW_GAP = 8; // above a name on its own line
export const TOP = 26;
export const BOTTOM = 26;
export const VALUE_WIDTH = 60;
export const MARK_WIDTH = 14; // a row's caution letter, before its name
export const NARROW = 480; // below this chart width: names above the bars, smaller type
let chartSerial = 0;

// A generous average advance of a character at the chart's type sizes: enough to lay out and
// wrap text before the chart is in the page (measuring needs it there); a test checks with
// getBBox that no text leaves the chart.
export const charWidth = (fontSize) => fontSize * 0.6;

export function wrap(text, width, fontSize) {
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

function describe(view, row) {
  const r = row.result;
  if (!isPublished(row)) return `${row.name}: ${rowNote(row)}`;
  const range = `${t("likelyRange", formatLevel(view.level))} ${formatRange(r.ci_low, r.ci_high, view.isRate)}`;
  const note = rowNote(row);
  return `${row.name}: ${formatValue(r.estimate, view.isRate)} (${range}), ${t("n")}: ${r.n}${note ? ` — ${note}` : ""}`;
}

function marker(state, x, y) {
  if (state === "review") {
    return s("path", { class: "mark mark-review", d: `M${x} ${y - 4.5} L${x + 4.5} ${y} L${x} ${y + 4.5} L${x - 4.5} ${y} Z` });
  }
  return s("circle", { class: "mark mark-ok", cx: x, cy: y, r: 3.5 });
}

/** Where each part of a row goes: name lines, the bar's line (published rows), note lines. */
function rowLayout(row, geometry) {
  const { stacked, width, fontSize, noteX, nameX } = geometry;
  const names = stacked ? wrap(row.name, width - VALUE_WIDTH - 8 - nameX, fontSize) : [row.name];
  // a row not published says so in a word; why is the card's caution under its letter
  const notes = isPublished(row) ? [] : wrap(rowExplanation(row).verdict, width - noteX - 4, fontSize);
  const nameHeight = stacked ? ROW_GAP + names.length * NAME : 0;
  const barHeight = isPublished(row) || !stacked ? ROW : 0;
  // a side-by-side row that is not published writes its note on its name's line
  const notesBeside = !stacked && !isPublished(row);
  const notesHeight = notesBeside ? Math.max(notes.length * NOTE + 8 - ROW, 0) : notes.length * NOTE;
  return { names, notes, nameHeight, barHeight, notesBeside, height: nameHeight + barHeight + notesHeight };
}

/** A published estimate on its line `mid`: its likely range as a bar, its mark, its number. */
export function estimateMarks(view, row, { scale, width }, mid) {
  const r = row.result;
  const low = scale(r.ci_low ?? r.estimate);
  const high = scale(r.ci_high ?? r.estimate);
  return [
    s("rect", { class: `ci ci-${row.state}`, x: low, y: mid - 5, width: Math.max(high - low, 1), height: 10, rx: 2 }),
    marker(row.state, scale(r.estimate), mid),
    s("text", { class: "row-value", x: width - 4, y: mid + 4, "text-anchor": "end" }, formatValue(r.estimate, view.isRate)),
  ];
}

function drawRow(view, row, geometry, y, isProvince) {
  const { plotLeft, stacked, noteX, nameX } = geometry;
  const layout = rowLayout(row, geometry);
  const mid = y + layout.nameHeight + ROW / 2;
  const classes = ["row", `rel-${row.state}`, isProvince ? "province-bar" : isPublished(row) ? "domain-bar" : `domain-${row.state}`];
  const children = [s("title", {}, describe(view, row))];
  const firstLine = stacked ? y + ROW_GAP + NAME - 3 : mid + 4;
  if (row.mark) {
    children.push(s("text", { class: `row-mark tone-${row.state}`, x: 4, y: firstLine, "aria-hidden": "true" }, row.mark));
  }
  layout.names.forEach((line, k) => {
    children.push(stacked
      ? s("text", { class: "row-name", x: 4 + nameX, y: firstLine + k * NAME }, line)
      : s("text", { class: "row-name", x: plotLeft - 12, y: mid + 4, "text-anchor": "end" }, line));
  });
  if (isPublished(row)) children.push(...estimateMarks(view, row, geometry, mid));
  const firstNote = layout.notesBeside ? mid + 4 : y + layout.nameHeight + layout.barHeight + NOTE - 4;
  layout.notes.forEach((line, k) => {
    children.push(s("text", { class: `row-note note-${row.state}`, x: noteX, y: firstNote + k * NOTE }, line));
  });
  return s("g", { class: classes.join(" "), "data-code": row.code ?? "", "data-reliability": row.state }, children);
}

export function axis(view, geometry, bottom) {
  const { scale, plotLeft, plotRight, max } = geometry;
  const grid = s("g", { class: "axis", "aria-hidden": "true" });
  const ticks = plotRight - plotLeft < 220 ? 2 : 5;
  for (let k = 0; k <= ticks; k += 1) {
    const x = scale((max * k) / ticks);
    const anchor = k === 0 ? "start" : k === ticks ? "end" : "middle";
    grid.append(
      s("line", { class: "grid", x1: x, x2: x, y1: TOP - 4, y2: bottom }),
      s("text", { class: "tick", x, y: bottom + 16, "text-anchor": anchor }, formatValue((max * k) / ticks, view.isRate, 0)),
    );
  }
  return grid;
}

export function targetMark(view, geometry, bottom) {
  const { scale, plotLeft, plotRight } = geometry;
  const x = scale(view.target);
  const anchor = x > plotRight - 60 ? "end" : x < plotLeft + 60 ? "start" : "middle";
  return s("g", { class: "target", "aria-hidden": "true" }, [
    s("line", { class: "target-line", x1: x, x2: x, y1: TOP - 6, y2: bottom }),
    s("text", { class: "target-label", x, y: TOP - 10, "text-anchor": anchor },
      `${t("target")} ≥ ${formatValue(view.target, view.isRate, 0)}`),
  ]);
}

/** The chart of one indicator view, `width` pixels wide. */
export function indicatorChart(view, width, label) {
  const id = `chart-${++chartSerial}`;
  const narrow = width < NARROW;
  const fontSize = narrow ? 11 : 12;
  const all = [view.province, ...view.rows].filter(Boolean);
  const nameX = all.some((row) => row.mark) ? MARK_WIDTH : 0;
  const longest = Math.max(...all.map((row) => row.name.length)) * charWidth(fontSize);
  const stacked = narrow || longest > Math.min(width * 0.4, 240);
  const plotLeft = stacked ? 8 : nameX + longest + 16;
  const plotRight = width - VALUE_WIDTH - 8;
  const max = view.isRate ? 1 : 100;
  // the axis is the indicator's whole range, and a likely range is drawn inside it
  const scale = (v) => plotLeft + (Math.min(Math.max(v, 0), max) / max) * (plotRight - plotLeft);
  const geometry = { scale, plotLeft, plotRight, max, width, stacked, fontSize, nameX, noteX: stacked ? 4 + nameX : plotLeft };
  const heights = all.map((row) => rowLayout(row, geometry).height);
  const height = TOP + heights.reduce((sum, value) => sum + value, 0) + 10 + BOTTOM;
  const hasTarget = view.target !== null && view.target !== undefined;

  const svg = s("svg", {
    class: narrow ? "chart chart-narrow" : "chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-title`,
  });
  const bottom = height - BOTTOM;
  svg.append(s("title", { id: `${id}-title` }, label), axis(view, geometry, bottom));
  let y = TOP;
  all.forEach((row, index) => {
    const isProvince = index === 0 && row === view.province;
    svg.append(drawRow(view, row, geometry, y, isProvince));
    y += heights[index];
    if (isProvince) {
      svg.append(s("line", { class: "separator", x1: 0, x2: width, y1: y + 5, y2: y + 5 }));
      y += 10;
    }
  });
  if (hasTarget) svg.append(targetMark(view, geometry, bottom));
  return svg;
}

/** The legend, drawn with the same marks as the charts; its words are HTML text. */
export function legend() {
  const item = (marks, text) => h("li", {}, [
    s("svg", { class: "legend-mark", width: 22, height: 16, viewBox: "-3 -8 22 16", "aria-hidden": "true" }, marks),
    h("span", {}, text),
  ]);
  return h("ul", { class: "legend-list" }, [
    item([s("rect", { class: "ci ci-ok", x: 0, y: -5, width: 16, height: 10, rx: 2 }),
      s("circle", { class: "mark mark-ok", cx: 8, cy: 0, r: 3.5 })], t("legendOk")),
    item([s("rect", { class: "ci ci-review", x: 0, y: -5, width: 16, height: 10, rx: 2 }),
      s("path", { class: "mark mark-review", d: "M8 -4.5 L12.5 0 L8 4.5 L3.5 0 Z" })], t("legendReview")),
    item([s("line", { class: "target-line", x1: 8, x2: 8, y1: -8, y2: 8 })], t("legendTarget")),
  ]);
}
