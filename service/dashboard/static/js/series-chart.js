// The series chart of one indicator as SVG, drawn with the dashboard's marks (chart.js): per
// area a name, the change since the first round in words, then one line per round with its
// likely range as a bar and its estimate as a mark, against the 2025 target's dashed line. A
// round not published has no mark, bar or number: only its reason in words.

import {
  BOTTOM, NAME, NARROW, NOTE, ROW, TOP, VALUE_WIDTH, axis, charWidth, estimateMarks, targetMark, wrap,
} from "./chart.js";
import { s } from "./dom.js";
import { formatLevel, formatRange, formatValue, t } from "./i18n.js";
import { isPublished } from "./rows.js";
import { roundNote } from "./series-rows.js";

const GROUP_GAP = 12;
let chartSerial = 0;

function describe(view, item) {
  const { row, label } = item;
  const r = row.result;
  const note = roundNote(row);
  if (!isPublished(row)) return `${label}: ${note}`;
  const range = `${t("likelyRange", formatLevel(view.level))} ${formatRange(r.ci_low, r.ci_high, view.isRate)}`;
  return `${label}: ${formatValue(r.estimate, view.isRate)} (${range}), ${t("n")}: ${r.n}${note ? ` — ${note}` : ""}`;
}

function changeWords(group, several) {
  return group.changes.map((change) => (several ? t("changeFromTo", change.from.label, change.to.label) : "") + change.text);
}

/** Where each part of a group goes: name lines, change lines, then per round its bar and notes. */
function groupLayout(group, geometry) {
  const { width, fontSize, plotLeft, several } = geometry;
  const names = wrap(group.name, width - 8, fontSize);
  const changes = changeWords(group, several).map((text) => wrap(text, width - 8, fontSize));
  const rounds = group.rounds.map((item) => {
    const notes = wrap(roundNote(item.row), width - plotLeft - 4, fontSize);
    // a round not published writes its note on its bar's line
    const below = isPublished(item.row) ? notes.length : Math.max(notes.length - 1, 0);
    return { notes, height: ROW + below * NOTE };
  });
  const head = names.length * NAME + changes.flat().length * NOTE + 4;
  return { names, changes, rounds, head, height: GROUP_GAP + head + rounds.reduce((sum, r) => sum + r.height, 0) };
}

function drawRound(view, item, layout, geometry, y) {
  const { plotLeft } = geometry;
  const { row } = item;
  const mid = y + ROW / 2;
  const children = [
    s("title", {}, describe(view, item)),
    s("text", { class: "round-label", x: plotLeft - 10, y: mid + 4, "text-anchor": "end" }, item.label),
  ];
  if (isPublished(row)) children.push(...estimateMarks(view, row, geometry, mid));
  const firstNote = isPublished(row) ? y + ROW + NOTE - 4 : mid + 4;
  layout.notes.forEach((line, k) => {
    children.push(s("text", { class: `row-note note-${row.state}`, x: plotLeft, y: firstNote + k * NOTE }, line));
  });
  return s("g", {
    class: `series-row rel-${row.state}`, "data-code": row.code ?? "", "data-round": item.round.id, "data-reliability": row.state,
  }, children);
}

function drawGroup(view, group, layout, geometry, y) {
  const children = [];
  let line = y + GROUP_GAP;
  for (const name of layout.names) {
    line += NAME;
    children.push(s("text", { class: "group-name", x: 4, y: line - 3 }, name));
  }
  layout.changes.forEach((lines, k) => {
    const change = group.changes[k];
    const texts = lines.map((text) => {
      line += NOTE;
      return s("text", { class: `change-note change-${change.kind}`, x: 4, y: line - 3 }, text);
    });
    children.push(s("g", { class: "change", "data-to": change.to.id, "data-kind": change.kind }, texts));
  });
  line += 4;
  group.rounds.forEach((item, k) => {
    children.push(drawRound(view, item, layout.rounds[k], geometry, line));
    line += layout.rounds[k].height;
  });
  return s("g", { class: `series-group${group.isProvince ? " province-group" : ""}`, "data-code": group.code ?? "" }, children);
}

/** The chart of one series view, `width` pixels wide. */
export function seriesChart(view, width, label) {
  const id = `series-chart-${++chartSerial}`;
  const narrow = width < NARROW;
  const fontSize = narrow ? 11 : 12;
  const labelWidth = Math.max(...view.groups[0].rounds.map((item) => item.label.length)) * charWidth(fontSize);
  const plotLeft = 8 + labelWidth + 14;
  const plotRight = width - VALUE_WIDTH - 8;
  const max = view.isRate ? 1 : 100;
  // the axis is the indicator's whole range, and a likely range is drawn inside it
  const scale = (v) => plotLeft + (Math.min(Math.max(v, 0), max) / max) * (plotRight - plotLeft);
  const several = view.groups[0].changes.length > 1;
  const geometry = { scale, plotLeft, plotRight, max, width, fontSize, several };
  const layouts = view.groups.map((group) => groupLayout(group, geometry));
  const height = TOP + layouts.reduce((sum, layout) => sum + layout.height, 0) + 10 + BOTTOM;
  const svg = s("svg", {
    class: narrow ? "chart series-chart chart-narrow" : "chart series-chart",
    width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-title`,
  });
  const bottom = height - BOTTOM;
  svg.append(s("title", { id: `${id}-title` }, label), axis(view, geometry, bottom));
  let y = TOP - GROUP_GAP;
  view.groups.forEach((group, k) => {
    if (k > 0) svg.append(s("line", { class: "separator", x1: 0, x2: width, y1: y + GROUP_GAP / 2, y2: y + GROUP_GAP / 2 }));
    svg.append(drawGroup(view, group, layouts[k], geometry, y));
    y += layouts[k].height;
  });
  if (view.target !== null && view.target !== undefined) svg.append(targetMark(view, geometry, bottom));
  return svg;
}
