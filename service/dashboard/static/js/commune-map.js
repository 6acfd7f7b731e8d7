// The commune map (docs/design.md §14): the communes of the round's geography version, coloured
// by the published estimate, hatched where it is withheld, ringed where it is model-based. The map
// is one Tab stop (a toolbar of communes): the arrow keys go from commune to commune in the order
// of their names, each saying its name and number; Enter opens its row in the map's table, whose
// button leads back. A withheld commune's shape, title and row carry no number at all: only the
// words "not published" and why.

import { h, s } from "./dom.js";
import { formatLevel, formatRange, formatValue, t, term } from "./i18n.js";
import { isPublished, rowExplanation } from "./rows.js";

// ColorBrewer "Blues", five classes: light (low) to dark (high)
const CLASS_COLOURS = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
// the geography versions with a committed drawing (commune_map/build.py); the first is tried for
// a round that names no version
const DRAWN = ["vn-2025-07"];
const drawings = new Map(); // geography version → Promise of its drawing

/** The committed drawing of a geography version's communes, or null (never asked: no 404). */
export function loadDrawing(geography) {
  if (!DRAWN.includes(geography)) return Promise.resolve(null);
  if (!drawings.has(geography)) {
    const url = new URL(`../map/communes-${geography}.json`, import.meta.url);
    drawings.set(geography, fetch(url).then((response) => response.json()));
  }
  return drawings.get(geography);
}

/**
 * The version a round's communes are coded in: the round's own `geography`, else (a round made
 * before rounds named one) the drawn version whose codes hold every commune of the round's frame.
 */
export function drawingFits(round, drawing) {
  if (!drawing) return false;
  if (round?.geography) return round.geography === drawing.geography;
  const codes = Object.keys(round?.frame?.communes || {});
  const drawn = new Set(drawing.communes.map((commune) => commune.code));
  return codes.length > 0 && codes.every((code) => drawn.has(code));
}

// the geography versions whose rounds have small-area estimates (commune covariates are loaded
// per version, docs/design.md §14); other rounds' maps show the direct estimates only
const SMALL_AREA_GEOGRAPHIES = ["vn-2025-07"];

/**
 * The small-area answers (`GET /api/v1/rounds/{id}/small-area`) of the round's indicators, by
 * indicator id, when the round's geography has them; an indicator the endpoint refuses (no
 * covariates, a model that cannot be fitted) is left out, and its map shows the direct estimates.
 */
export async function smallAreaFor(round, indicatorIds, getJson) {
  const answers = new Map();
  if (!SMALL_AREA_GEOGRAPHIES.includes(round?.geography)) return answers;
  const path = `/api/v1/rounds/${encodeURIComponent(round.id)}/small-area`;
  const got = await Promise.all(indicatorIds.map((id) => getJson(path, { indicator: id }).catch(() => null)));
  indicatorIds.forEach((id, k) => got[k] && answers.set(id, got[k]));
  return answers;
}

/**
 * The map's rows, in the shape of `GET /api/v1/rounds/{id}/small-area` (docs/design.md §14):
 * {commune, name, n, published: {estimate, ci_low, ci_high, source, reason}}, the reason in the
 * page's words. With the indicator's small-area answer: its published estimates (direct where
 * reliable, else the model's, else withheld with no number); without: the direct estimate of
 * `by=commune` when it is publishable and withheld otherwise.
 */
export function publishedByCommune(view, smallArea) {
  if (smallArea) {
    return new Map(smallArea.communes.map((row) => [row.commune, {
      commune: row.commune,
      name: row.name ?? row.commune,
      n: row.n,
      published: { ...row.published, reason: term("mapReasons", row.published.reason) },
    }]));
  }
  const out = new Map();
  for (const row of view.rows) {
    const { why, verdict } = rowExplanation(row);
    const r = row.result;
    out.set(row.code, {
      commune: row.code,
      name: row.name,
      n: r.n,
      published: isPublished(row)
        ? { estimate: r.estimate, ci_low: r.ci_low, ci_high: r.ci_high, source: "direct", reason: why || null }
        : { estimate: null, ci_low: null, ci_high: null, source: "withheld", reason: why.trim() || verdict },
    });
  }
  return out;
}

/** Five classes: fixed fifths of 0–100% for a rate, equal steps over the shown range for a score. */
function classes(rows, isRate) {
  const values = rows.filter((row) => row.published.source !== "withheld").map((row) => row.published.estimate);
  const low = isRate ? 0 : Math.min(...values);
  const high = isRate ? 1 : Math.max(...values);
  const step = (high - low) / CLASS_COLOURS.length || 1;
  const index = (value) => Math.min(Math.max(Math.floor((value - low) / step), 0), CLASS_COLOURS.length - 1);
  const bounds = CLASS_COLOURS.map((_, k) => [low + k * step, low + (k + 1) * step]);
  return { index, bounds, empty: values.length === 0 };
}

/** Where a published number comes from, and for a model-based one why the model was used. */
function sourceWords(p) {
  if (p.source !== "model") return t("mapDirect");
  return p.reason ? `${t("mapModel")}: ${p.reason}` : t("mapModel");
}

/** What a commune says when reached: its name, then its number and where it comes from, or why none. */
function sentence(row, view) {
  const p = row.published;
  if (p.source === "withheld") return `${row.name}: ${t("notPublished")}. ${p.reason}`;
  const range = `${t("likelyRange", formatLevel(view.level))}: ${formatRange(p.ci_low, p.ci_high, view.isRate)}`;
  return `${row.name}: ${formatValue(p.estimate, view.isRate)} (${range}); ${sourceWords(p)}.`;
}

const STEPS = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };

/** One Tab stop for all the shapes: the arrow keys (Home, End) move along them, in this order. */
function roving(shapes) {
  let current = shapes[0];
  current.setAttribute("tabindex", 0);
  shapes.forEach((shape, k) => {
    shape.addEventListener("focus", () => {
      current.setAttribute("tabindex", -1);
      shape.setAttribute("tabindex", 0);
      current = shape;
    });
    shape.addEventListener("keydown", (event) => {
      const to = event.key === "Home" ? 0 : event.key === "End" ? shapes.length - 1 : k + (STEPS[event.key] ?? NaN);
      if (!(to >= 0 && to < shapes.length)) return;
      event.preventDefault();
      shapes[to].focus();
    });
  });
}

function hatch(id) {
  return s("pattern", { id, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, [
    s("rect", { width: 6, height: 6, fill: "#ffffff" }),
    s("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#6f6f6f", "stroke-width": 2.5 }),
  ]);
}

function swatch(fill, ring) {
  return s("svg", { class: "map-swatch", width: 18, height: 18, viewBox: "0 0 18 18", "aria-hidden": "true", focusable: "false" }, [
    s("rect", { x: 1, y: 1, width: 16, height: 16, fill, stroke: "#6f6f6f" }),
    ring ? s("circle", { class: "model-mark", cx: 9, cy: 9, r: 4 }) : null,
  ]);
}

function legend(view, scale, hatchId) {
  const items = scale.empty ? [] : scale.bounds.map(([low, high], k) => h("li", {}, [
    swatch(CLASS_COLOURS[k]), formatRange(low, high, view.isRate),
  ]));
  return h("ul", { class: "legend-list map-legend", "aria-label": t("mapLegend") }, [
    ...items,
    h("li", {}, [swatch(`url(#${hatchId})`), t("mapLegendWithheld")]),
    h("li", {}, [swatch("#ffffff", true), t("mapLegendModel")]),
  ]);
}

function tableOfMap(view, rows, ids, onShow) {
  const body = rows.map((row) => {
    const p = row.published;
    const withheld = p.source === "withheld";
    const show = h("button", { type: "button", class: "link-button" }, t("mapShowOnMap"));
    show.addEventListener("click", () => onShow(row.commune));
    return h("tr", { id: ids.row(row.commune), tabindex: -1, "data-code": row.commune, "data-source": p.source }, [
      h("th", { scope: "row" }, row.name),
      h("td", { class: withheld ? "withheld" : "num" }, withheld ? t("notPublished") : formatValue(p.estimate, view.isRate)),
      h("td", { class: "num" }, withheld ? "–" : formatRange(p.ci_low, p.ci_high, view.isRate)),
      h("td", {}, withheld ? p.reason : sourceWords(p)),
      h("td", {}, show),
    ]);
  });
  const headers = [t("mapCommune"), t("estimate"), t("rangeHeader", formatLevel(view.level)), t("mapSourceHeader"), ""];
  return h("details", { class: "map-table", id: ids.table }, [
    h("summary", {}, t("mapTable")),
    h("div", { class: "table-scroll" }, h("table", { class: "estimates" }, [
      h("caption", { class: "visually-hidden" }, t("mapTable")),
      h("thead", {}, h("tr", {}, headers.map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", {}, body),
    ])),
  ]);
}

/**
 * The map of one indicator, drawn from `drawing` (the round's geography version), its communes'
 * numbers in the small-area shape (`publishedByCommune`); a withheld commune's numbers, if it
 * carried any, are never read.
 */
export function communeMap(view, label, drawing, published) {
  const rows = drawing.communes.map((commune) => published.get(commune.code) ?? {
    commune: commune.code,
    name: commune.name_vi,
    n: 0,
    published: { estimate: null, ci_low: null, ci_high: null, source: "withheld", reason: t("noData") },
  }).sort((a, b) => a.name.localeCompare(b.name, "vi"));
  const byCode = new Map(rows.map((row) => [row.commune, row]));
  const scale = classes(rows, view.isRate);
  const ids = {
    hatch: `map-hatch-${view.id}`,
    table: `map-table-${view.id}`,
    row: (code) => `map-row-${view.id}-${code}`,
    shape: (code) => `map-shape-${view.id}-${code}`,
  };
  const said = h("p", { class: "map-focus", "aria-live": "polite" }, t("mapHint"));
  const openRow = (code) => {
    document.getElementById(ids.table).open = true;
    document.getElementById(ids.row(code)).focus();
  };
  const shapes = [];
  const marks = [];
  // the focused commune's outline, drawn again on top so that no neighbour hides it
  const ring = s("path", { class: "focus-ring", "aria-hidden": "true" });
  for (const commune of drawing.communes) {
    const row = byCode.get(commune.code);
    const p = row.published;
    const fill = p.source === "withheld" ? `url(#${ids.hatch})` : CLASS_COLOURS[scale.index(p.estimate)];
    const words = sentence(row, view);
    const shape = s("path", {
      id: ids.shape(commune.code), class: "commune", d: commune.path, fill, tabindex: -1, role: "button",
      "aria-label": words, "data-code": commune.code, "data-source": p.source,
    }, s("title", {}, words));
    shape.addEventListener("focus", () => {
      said.textContent = words;
      ring.setAttribute("d", commune.path);
    });
    shape.addEventListener("blur", () => ring.removeAttribute("d"));
    shape.addEventListener("click", () => openRow(commune.code));
    shape.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      openRow(commune.code);
    });
    shapes.push({ name: row.name, code: commune.code, shape });
    if (p.source === "model") {
      marks.push(s("circle", { class: "model-mark", cx: commune.centre[0], cy: commune.centre[1], r: 4, "aria-hidden": "true" }));
    }
  }
  // keyboard order: by name, as the table lists them
  shapes.sort((a, b) => a.name.localeCompare(b.name, "vi") || a.code.localeCompare(b.code));
  roving(shapes.map((item) => item.shape));
  const svg = s("svg", {
    class: "map-drawing", viewBox: drawing.view_box, role: "toolbar", "aria-label": t("mapLabel", label),
  }, [s("defs", {}, hatch(ids.hatch)), ...shapes.map((item) => item.shape), ...marks, ring]);
  const skip = h("a", { class: "map-skip", href: `#${ids.table}` }, t("mapSkip"));
  skip.addEventListener("click", (event) => {
    event.preventDefault();
    const table = document.getElementById(ids.table);
    table.open = true;
    table.querySelector("summary").focus();
  });
  return h("figure", { class: "commune-map", "data-geography": drawing.geography, "data-drawing": drawing.drawing }, [
    h("figcaption", {}, [
      h("strong", {}, t("mapTitle", label)),
      drawing.drawing === "schematic" ? h("span", { class: "map-note" }, ` ${t("mapSchematic")}`) : null,
    ]),
    skip,
    svg,
    said,
    legend(view, scale, ids.hatch),
    tableOfMap(view, rows, ids, (code) => document.getElementById(ids.shape(code)).focus()),
    h("p", { class: "map-source" }, t("mapSource", drawing.source.attribution)),
  ]);
}

/** The drawing for a round's communes, or null when none fits them. */
export async function drawingFor(round) {
  const drawing = await loadDrawing(round?.geography || DRAWN[0]);
  return drawingFits(round, drawing) ? drawing : null;
}
