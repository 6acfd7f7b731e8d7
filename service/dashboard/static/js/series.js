// The series view: for a series of rounds (docs/design.md §10), every round's estimates with
// their likely ranges against the 2025 target, province-wide and by the chosen breakdown, and
// the change since the first round in words. Estimates are asked with `suppressed=withhold`;
// the change is said only where both rounds' estimates are published (series-rows.js).

import { ApiError, getJson } from "./api.js";
import { legend } from "./chart.js";
import { h } from "./dom.js";
import { formatCount, formatLevel, formatTime, formatValue, lang, t, term } from "./i18n.js";
import {
  applyWords, bindBoard, clearBoard, indicatorCard, readFragment, roundTitle, setIfOffered, setUpPage, showError,
  showTableOf,
} from "./page.js";
import {
  BY_LABELS,
  byOptions,
  domainCode,
  geographyNames,
  indicatorDefinition,
  indicatorLabel,
  isPublished,
  rowState,
  seriesByOptions,
} from "./rows.js";
import { seriesChart } from "./series-chart.js";
import { roundLabels, seriesViews } from "./series-rows.js";
import { seriesTable } from "./series-table.js";

const $ = (id) => document.getElementById(id);
const DEFAULTS = { by: "", pairing: "independent", level: "0.95", view: "chart" };

const state = {
  rounds: [], // every round the token may read, from GET /api/v1/rounds
  fullRounds: new Map(), // id → the round with its communes
  catalogue: new Map(),
  seriesId: null,
  series: null, // GET /api/v1/series/{id}, its rounds in period order
  data: null, // {estimates, changes, query}
  serial: 0,
  renderedWidth: 0,
};

const controls = () => ({
  by: $("by-select").value,
  pairing: $("pairing-select").value,
  level: $("level-select").value,
  view: document.querySelector('input[name="view"]:checked').value,
});

function writeFragment() {
  const { by, pairing, level, view } = controls();
  const fragment = new URLSearchParams({ series: state.seriesId, by, pairing, level, view });
  window.history.replaceState(null, "", `#${fragment}`);
}

/** The series the rounds carry: id → its rounds (list entries), in period order. */
function seriesOfRounds() {
  const found = new Map();
  const sorted = [...state.rounds].sort((a, b) => String(a.period?.start).localeCompare(String(b.period?.start)));
  for (const round of sorted) {
    if (round.series) found.set(round.series, [...(found.get(round.series) || []), round]);
  }
  return found;
}

/** The series' rounds as the view uses them: {id, label, doc} in period order. */
function seriesRounds() {
  const docs = state.series.rounds.map((item) => state.fullRounds.get(item.id)
    || { ...item, ...state.rounds.find((round) => round.id === item.id) });
  const labels = roundLabels(docs);
  return docs.map((doc, k) => ({ id: doc.id, label: labels[k], doc }));
}

function formatDate(iso) {
  const when = new Date(`${iso}T00:00:00Z`);
  if (!iso || Number.isNaN(when.getTime())) return iso ?? "–";
  const vi = lang() === "vi";
  return new Intl.DateTimeFormat(vi ? "vi-VN" : "en-GB", {
    day: vi ? "2-digit" : "numeric", month: vi ? "2-digit" : "short", year: "numeric", timeZone: "UTC",
  }).format(when);
}

function fillSeriesOptions() {
  const options = [...seriesOfRounds()].map(([id, rounds]) => {
    const years = roundLabels(rounds);
    const name = t("seriesName", term("instruments", rounds[0].instrument), years[0], years[years.length - 1]);
    return h("label", { class: "round-option" }, [
      h("input", { type: "radio", name: "series", value: id, id: `series-${id}`, checked: id === state.seriesId }),
      h("span", {}, name),
    ]);
  });
  $("series-options").replaceChildren(...options);
  if (!state.series) return;
  $("series-rounds").replaceChildren(...seriesRounds().map(({ label, doc }) => h("li", {}, [
    h("strong", {}, `${label}: `),
    t("roundPeriod", roundTitle(doc), formatDate(doc.period?.start), formatDate(doc.period?.end)),
  ])));
}

function fillBySelect() {
  const select = $("by-select");
  const previous = select.value;
  const docs = (state.series?.rounds || []).map((item) => state.rounds.find((round) => round.id === item.id) || item);
  const options = ["", ...(seriesByOptions(docs) ?? byOptions(state.catalogue, state.series?.instrument))];
  select.replaceChildren(...options.map((by) => h("option", { value: by }, by ? t(BY_LABELS[by] ?? by) : t("byNone"))));
  select.value = options.includes(previous) ? previous : DEFAULTS.by;
}

function describeChoices() {
  const { pairing, level } = controls();
  $("pairing-help").textContent = term("pairingHelp", pairing);
  $("level-help").textContent = t("levelHelp", formatLevel(Number(level)));
}

function applyLabels() {
  applyWords("seriesPageTitle");
  for (const option of $("pairing-select").options) option.textContent = term("pairingNames", option.value);
  for (const option of $("level-select").options) option.textContent = formatLevel(Number(option.value));
  describeChoices();
}

async function chooseSeries(id) {
  state.seriesId = id;
  state.series = await getJson(`/api/v1/series/${encodeURIComponent(id)}`);
  fillSeriesOptions();
  fillBySelect();
}

async function start() {
  $("board-status").textContent = t("loading");
  const [rounds, catalogue] = await Promise.all([getJson("/api/v1/rounds"), getJson("/api/v1/indicators")]);
  state.rounds = rounds.items;
  state.catalogue = new Map(catalogue.items.map((item) => [item.id, item]));
  const found = seriesOfRounds();
  if (!found.size) {
    $("board-status").textContent = t("noSeries");
    return;
  }
  const wanted = readFragment();
  await chooseSeries([wanted.get("series"), state.seriesId].find((id) => found.has(id)) || found.keys().next().value);
  setIfOffered($("by-select"), wanted.get("by"));
  setIfOffered($("pairing-select"), wanted.get("pairing"));
  setIfOffered($("level-select"), wanted.get("level"));
  // a bookmarked view with a technical choice shows that choice
  $("advanced").open = $("pairing-select").value !== DEFAULTS.pairing || $("level-select").value !== DEFAULTS.level;
  describeChoices();
  document.querySelector(`input[name="view"][value="${wanted.get("view") === "table" ? "table" : "chart"}"]`).checked = true;
  await loadSeries();
}

async function withCommunes(ids) {
  await Promise.all(ids.filter((id) => !state.fullRounds.has(id)).map(async (id) => {
    const round = await getJson(`/api/v1/rounds/${encodeURIComponent(id)}`);
    if (round.geography) round.geographyNames = await geographyNames(getJson, round.geography);
    state.fullRounds.set(id, round);
  }));
}

/** The newest geography version among the series' rounds: every round is read in it (§13). */
function seriesGeography() {
  const versions = state.series.rounds
    .map((item) => state.rounds.find((round) => round.id === item.id)?.geography)
    .filter(Boolean)
    .sort();
  return versions.length ? versions[versions.length - 1] : "";
}

/** The former provinces both rounds cover, when their coverage differs (else null). */
function commonCoverage(from, to) {
  const coverage = (id) => state.rounds.find((round) => round.id === id)?.coverage || [];
  const [first, last] = [coverage(from), coverage(to)];
  if (!first.length || !last.length || [...first].sort().join() === [...last].sort().join()) return null;
  return first.filter((code) => last.includes(code));
}

/**
 * The province-wide change; when the rounds cover different former provinces (the API's 422
 * `coverage`, docs/design.md §13), the change on the one former province both cover, marked
 * `comparedOn`. The rounds' coverage says so before asking: no request known to fail.
 */
async function provinceWide(ask, { from, to, level }) {
  const known = commonCoverage(from, to);
  const refusal = known?.length === 1 ? { common_coverage: known, comparable_by: "former_province" } : await ask("").then(
    (answer) => ({ answer }),
    (error) => {
      if (error instanceof ApiError && error.problem.common_coverage?.length === 1) return error.problem;
      throw error;
    },
  );
  if (refusal.answer) return refusal.answer;
  const [code] = refusal.common_coverage;
  const estimatesOn = (id) => getJson(`/api/v1/rounds/${encodeURIComponent(id)}/estimates`, {
    by: refusal.comparable_by, level, suppressed: "withhold", geography: seriesGeography(),
  });
  const [area, ...estimates] = await Promise.all([ask(refusal.comparable_by), estimatesOn(from), estimatesOn(to)]);
  // the change on the area is said only where both rounds' estimates of the area are published:
  // the province's rows show other estimates, and the difference would give a withheld one away
  const withheldIn = (indicator) => [from, to].map((id, k) => {
    const block = estimates[k].estimates.find((item) => item.indicator === indicator);
    const result = block?.results.find((item) => domainCode(item.domain) === code);
    return result && !isPublished({ state: rowState(result) }) ? { withheldIn: id, reasons: result.reliability_reasons || [] } : null;
  }).find(Boolean);
  const onArea = (block) => block.results
    .filter((result) => result.domain && Object.values(result.domain)[0] === code)
    .map((result) => ({ ...result, domain: null, ...withheldIn(block.indicator) }));
  const names = await formerProvinceNames();
  const comparedOn = names[code] ?? code;
  return { ...area, comparedOn, changes: area.changes.map((block) => ({ ...block, by: null, results: onArea(block) })) };
}

let formerProvinces = null;
async function formerProvinceNames() {
  if (!formerProvinces) {
    const units = await getJson("/api/v1/geography/vn-2025-03/units", { level: "province" });
    formerProvinces = Object.fromEntries(units.items.map((unit) => [unit.code, unit.name_vi]));
  }
  return formerProvinces;
}

/** The change from the first round to `to`, province-wide and (with `by`) by domain. */
async function changeFrom(from, to, { by, level, pairing }) {
  const path = `/api/v1/series/${encodeURIComponent(state.seriesId)}/change`;
  // a breakdown is read in the series' newest version, as the estimates are (§13)
  const geography = (breakdown) => (breakdown ? seriesGeography() : "");
  const ask = (breakdown) => getJson(path, { from, to, by: breakdown, level, pairing, geography: geography(breakdown) }).catch((error) => {
    // the API names the PSU that cannot be paired; the planner needs what to do instead
    if (error instanceof ApiError && error.status === 422 && pairing === "overlapping") {
      throw new ApiError(422, error.title, t("errorPairing"));
    }
    throw error;
  });
  const [province, domains] = await Promise.all([provinceWide(ask, { from, to, level }), by ? ask(by) : null]);
  if (!domains) return province;
  const byIndicator = new Map(domains.changes.map((block) => [block.indicator, block.results]));
  const changes = province.changes.map((block) => ({ ...block, results: [...block.results, ...(byIndicator.get(block.indicator) || [])] }));
  return { ...province, changes };
}

/** A pair of rounds that cannot be paired so (a redesigned sample) says why, the rest is shown. */
const unpaired = (pairing) => (error) => {
  if (error instanceof ApiError && error.status === 422 && pairing === "overlapping") return { unpaired: error.message };
  throw error;
};

async function loadSeries() {
  const serial = ++state.serial;
  const { by, pairing, level } = controls();
  showError("board-error", "");
  $("board-status").textContent = t("loading");
  $("indicators").setAttribute("aria-busy", "true");
  const ids = state.series.rounds.map((round) => round.id);
  const path = (id) => `/api/v1/rounds/${encodeURIComponent(id)}/estimates`;
  const [estimates, changes] = await Promise.all([
    Promise.all(ids.map((id) => getJson(path(id), {
      by, level, overall: by ? "true" : "", suppressed: "withhold", geography: by ? seriesGeography() : "",
    }))),
    Promise.all(ids.slice(1).map((id) => changeFrom(ids[0], id, { by, level, pairing }).catch(unpaired(pairing)))),
    ["commune", "former_province"].includes(by) ? withCommunes(ids) : null,
  ]);
  if (serial !== state.serial) return;
  state.data = {
    estimates: new Map(ids.map((id, k) => [id, estimates[k]])),
    changes: new Map(ids.slice(1).map((id, k) => [id, changes[k]])),
    query: { by, pairing, level },
  };
  writeFragment();
  $("board-status").textContent = "";
  $("indicators").removeAttribute("aria-busy");
  render();
}

/** Where a change was compared on one former province only, say so in words. */
function comparedOnNotes() {
  const areas = new Set([...state.data.changes.values()].map((change) => change.comparedOn).filter(Boolean));
  return [...areas].map((area) => h("p", { class: "coverage-note" }, t("comparedOn", area)));
}

function summary(view) {
  const province = view.groups[0];
  return h("div", { class: "summary" }, [
    h("p", { class: "province-change" }, [
      h("span", { class: "province-name" }, `${t("province")}: `),
      ...province.changes.map((change) => h("span", { class: `change change-${change.kind}`, "data-to": change.to.id, "data-kind": change.kind }, [
        t("changeFromTo", change.from.label, change.to.label),
        h("strong", { class: "change-sentence" }, change.text),
        change.kind === "shown" ? "." : "",
      ])),
    ]),
    ...comparedOnNotes(),
    h("p", { class: "target-line" }, view.target === null ? t("noTarget") : t("targetLine", formatValue(view.target, view.isRate, 0))),
  ]);
}

function card(view, mode) {
  const label = indicatorLabel(view.info, lang(), view.id);
  const definition = indicatorDefinition(view.info, lang());
  const byName = view.by ? t(BY_LABELS[view.by] ?? view.by).toLowerCase() : "";
  const content = mode === "table" ? seriesTable(view, label, `table-${view.id}`) : h("div", { class: "chart-wrap" });
  const onTable = mode === "table" ? null : () => showTableOf(view.id, { writeFragment, render });
  const section = indicatorCard({ id: view.id, label, definition, summary: summary(view), content, onTable });
  const chartLabel = t("seriesChartLabel", label, byName, view.target !== null);
  // the chart is drawn once the card is in the page and its width is known
  const draw = mode === "table" ? () => {} : () => content.replaceChildren(seriesChart(view, Math.max(content.clientWidth, 260), chartLabel));
  return { section, draw };
}

function meta() {
  const rounds = seriesRounds();
  const last = state.data.estimates.get(rounds[rounds.length - 1].id);
  const counts = rounds.map(({ id, label }) => t("roundCount", label, formatCount(state.data.estimates.get(id).n_submissions)));
  return t("seriesMeta", formatTime(last.computed_at), counts.join(" · "));
}

function render() {
  if (!state.data) return;
  const { view } = controls();
  const { by, pairing, level } = state.data.query;
  $("meta").textContent = meta();
  $("legend").replaceChildren(legend());
  $("legend").hidden = view === "table";
  const container = $("indicators");
  state.renderedWidth = container.clientWidth;
  // a breakdown gets the whole width: its notes then wrap less
  container.classList.toggle("table-mode", view === "table" || Boolean(by));
  const views = seriesViews({ catalogue: state.catalogue, rounds: seriesRounds(), estimates: state.data.estimates, changes: state.data.changes, by });
  const cards = views.map((item) => card(item, view));
  container.replaceChildren(...cards.map((item) => item.section));
  for (const item of cards) item.draw();
  // which query the page shows, so that a test (or a script) can wait for it
  container.dataset.shown = `${state.seriesId}|${by}|${pairing}|${level}|${view}|${lang()}`;
}

const clear = () => clearBoard(state);

function onLanguage() {
  applyLabels();
  if (state.series) {
    fillSeriesOptions();
    fillBySelect();
  }
  render();
}

function bindControls(failed) {
  $("series-options").addEventListener("change", (event) => {
    chooseSeries(event.target.value).then(loadSeries).catch(failed);
  });
  for (const id of ["by-select", "pairing-select", "level-select"]) {
    $(id).addEventListener("change", () => {
      describeChoices();
      loadSeries().catch(failed);
    });
  }
  bindBoard(state, { writeFragment, render });
}

bindControls(setUpPage({ start, clear, onLanguage, forbiddenKey: "errorForbiddenSeries" }));
