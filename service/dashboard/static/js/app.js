// The dashboard: sign-in, controls, and one card per indicator (summary, chart or table).
// Estimates are asked with `suppressed=withhold`, so a number that must not be published never
// reaches the page or the downloads (docs/planners.md).

import { ApiError, getBlob, getJson } from "./api.js";
import { indicatorChart, legend } from "./chart.js";
import { communeMap, drawingFor, publishedByCommune, smallAreaFor } from "./commune-map.js";
import { h } from "./dom.js";
import { formatCount, formatLevel, formatRange, formatTime, formatValue, lang, t, term } from "./i18n.js";
import {
  applyWords, bindBoard, clearBoard, indicatorCard, latestRound, readFragment, roundChoices, roundTitle, setIfOffered, setUpPage,
  showError, showTableOf,
} from "./page.js";
import {
  BY_LABELS, byOptions, domainName, indicatorDefinition, indicatorLabel, indicatorViews, isPublished, rowExplanation,
  geographyNames,
} from "./rows.js";
import { indicatorTable } from "./table.js";
import { weightingNote, weightsPanel } from "./weights.js";

const $ = (id) => document.getElementById(id);
const STATUS_MARKS = { met: "✓", not_met: "✗", uncertain: "?" };
const DEFAULTS = { by: "district", ci: "logit", level: "0.95", view: "chart" };

const state = {
  rounds: [],
  fullRounds: new Map(), // id → the round with its communes (the list carries districts only)
  catalogue: new Map(),
  roundId: null,
  data: null, // {response, by, query}
  serial: 0,
  renderedWidth: 0,
  weights: null, // {key, summary | error}: the "about the weights" panel's answer
};

const controls = () => ({
  by: $("by-select").value || DEFAULTS.by,
  ci: $("ci-select").value,
  level: $("level-select").value,
  view: document.querySelector('input[name="view"]:checked').value,
});

function writeFragment() {
  const { by, ci, level, view } = controls();
  const fragment = new URLSearchParams({ round: state.roundId, by, ci, level, view });
  window.history.replaceState(null, "", `#${fragment}`);
}

const currentRound = () => state.fullRounds.get(state.roundId) || state.rounds.find((round) => round.id === state.roundId);
const estimatesPath = () => `/api/v1/rounds/${encodeURIComponent(state.roundId)}/estimates`;

function describeChoices() {
  const { ci, level } = controls();
  $("ci-help").textContent = term("ciHelp", ci);
  $("level-help").textContent = t("levelHelp", formatLevel(Number(level)));
}

function applyLabels() {
  applyWords("pageTitle");
  for (const option of $("ci-select").options) option.textContent = term("ciNames", option.value);
  for (const option of $("level-select").options) option.textContent = formatLevel(Number(option.value));
  describeChoices();
}

function fillRoundOptions() {
  $("round-options").replaceChildren(...roundChoices(state.rounds, state.roundId));
}

function fillBySelect() {
  const select = $("by-select");
  const previous = select.value || DEFAULTS.by;
  const round = currentRound();
  const options = round?.domains ?? byOptions(state.catalogue, round?.instrument);
  select.replaceChildren(...options.map((by) => h("option", { value: by }, t(BY_LABELS[by] ?? by))));
  select.value = options.includes(previous) ? previous : options[0];
}

async function start() {
  $("board-status").textContent = t("loading");
  const [rounds, catalogue] = await Promise.all([getJson("/api/v1/rounds"), getJson("/api/v1/indicators")]);
  // pilots and tests are not for planners (docs/design.md §15)
  state.rounds = rounds.items.filter((round) => (round.purpose || "production") === "production");
  state.catalogue = new Map(catalogue.items.map((item) => [item.id, item]));
  if (!state.rounds.length) {
    $("board-status").textContent = t("noRounds");
    return;
  }
  const wanted = readFragment();
  // a bookmarked round, else the one shown before, else the latest round of the chosen survey
  const known = (id) => state.rounds.some((round) => round.id === id);
  const survey = state.rounds.find((round) => round.id === wanted.get("round"))?.instrument || "household";
  const latest = latestRound(state.rounds, survey) || state.rounds[0];
  state.roundId = [wanted.get("round"), state.roundId].find(known) || latest.id;
  fillRoundOptions();
  fillBySelect();
  setIfOffered($("by-select"), wanted.get("by"));
  setIfOffered($("ci-select"), wanted.get("ci"));
  setIfOffered($("level-select"), wanted.get("level"));
  // a bookmarked view with a technical choice shows that choice
  $("advanced").open = $("ci-select").value !== DEFAULTS.ci || $("level-select").value !== DEFAULTS.level;
  describeChoices();
  const view = document.querySelector(`input[name="view"][value="${wanted.get("view") === "table" ? "table" : "chart"}"]`);
  view.checked = true;
  await loadEstimates();
}

async function roundWithCommunes() {
  if (!state.fullRounds.has(state.roundId)) {
    const round = await getJson(`/api/v1/rounds/${encodeURIComponent(state.roundId)}`);
    if (round.geography) round.geographyNames = await geographyNames(getJson, round.geography);
    state.fullRounds.set(state.roundId, round);
  }
}


async function loadEstimates() {
  const serial = ++state.serial;
  const { by, ci, level } = controls();
  showError("board-error", "");
  $("board-status").textContent = t("loading");
  $("indicators").setAttribute("aria-busy", "true");
  const [response] = await Promise.all([
    getJson(estimatesPath(), { by, ci, level, overall: "true", suppressed: "withhold" }),
    ["commune", "former_province"].includes(by) ? roundWithCommunes() : null,
  ]);
  // the commune map, when the round's communes are of a drawn geography version
  const drawing = by === "commune" ? await drawingFor(currentRound()) : null;
  // its numbers: the small-area estimates where the round's geography has them (design §14a)
  const ids = response.estimates.map((block) => block.indicator);
  const smallArea = drawing ? await smallAreaFor(currentRound(), ids, getJson) : new Map();
  if (serial !== state.serial) return;
  state.data = { response, by, drawing, smallArea, query: { by, ci, level } };
  writeFragment();
  $("board-status").textContent = "";
  $("indicators").removeAttribute("aria-busy");
  render();
  if ($("weights-panel").open) await loadWeights();
}

const weightsKey = () => `${state.roundId}|${state.data?.response.data_version}`;

/** The panel's numbers, asked when it is opened (the API reads every unit's weight for them). */
async function loadWeights() {
  if (!state.data || state.weights?.key === weightsKey()) {
    renderWeights();
    return;
  }
  const key = weightsKey();
  $("weights-body").replaceChildren(h("p", { class: "status" }, t("weightsLoading")));
  let answer;
  try {
    answer = { key, summary: await getJson(`/api/v1/rounds/${encodeURIComponent(state.roundId)}/weights`) };
  } catch (error) {
    if (!(error instanceof ApiError) || [401, 403].includes(error.status)) throw error;
    answer = { key, error: error.message };
  }
  const margins = answer.summary?.margins || [];
  if (margins.some((row) => row.variables.includes("commune"))) await roundWithCommunes();
  if (key !== weightsKey()) return; // another round or version is shown by now
  state.weights = answer;
  renderWeights();
}

function renderWeights() {
  const body = $("weights-body");
  const answer = state.weights;
  if (!answer || answer.key !== weightsKey()) return;
  const nameOf = (variable, code) => domainName(currentRound(), variable, code);
  body.replaceChildren(...(answer.error
    ? [h("p", { class: "error" }, t("weightsError", answer.error))]
    : weightsPanel(answer.summary, currentRound()?.instrument, nameOf)));
  body.dataset.shown = `${answer.key}|${lang()}`;
}

function currentViews() {
  const { response, by } = state.data;
  return indicatorViews({ catalogue: state.catalogue, round: currentRound(), response, by });
}

function headline(view, p) {
  const name = h("span", { class: "province-name" }, `${t("province")}: `);
  if (!isPublished(view.province)) return h("p", { class: "headline" }, [name, h("strong", { class: "withheld" }, rowExplanation(view.province).verdict)]);
  const range = `${t("likelyRange", formatLevel(view.level))}: ${formatRange(p.ci_low, p.ci_high, view.isRate)}`;
  return h("p", { class: "headline" }, [
    name,
    h("strong", { class: "estimate" }, formatValue(p.estimate, view.isRate)),
    h("span", { class: "ci-text" }, ` (${range})`),
  ]);
}

function targetLine(view, p) {
  const status = p.target?.status;
  if (!status) return h("p", { class: "target-status status-none", "data-status": "none" }, t("noTarget"));
  const why = isPublished(view.province) ? t("statusHelp")[status] : t("statusHelp").suppressed;
  return h("p", { class: `target-status status-${status}`, "data-status": status }, [
    h("span", { class: "status-mark", "aria-hidden": "true" }, STATUS_MARKS[status]),
    ` ${t(status)} `,
    h("span", { class: "target-value" }, `(${t("target", view.targetSource)} ≥ ${formatValue(view.target, view.isRate, 0)}): ${why}`),
  ]);
}

function summary(view) {
  const p = view.province?.result;
  if (!p || view.province.state === "none") return h("p", { class: "headline" }, t("noData"));
  const { verdict, why } = rowExplanation(view.province);
  return h("div", { class: "summary" }, [
    headline(view, p),
    targetLine(view, p),
    view.province.state === "ok" ? null : h("p", { class: `province-reliability rel-${view.province.state}` }, [
      h("span", { class: `badge badge-${view.province.state}` }, verdict), ` ${why}`,
    ]),
  ]);
}

function card(view, mode) {
  const label = indicatorLabel(view.info, lang(), view.id);
  const definition = indicatorDefinition(view.info, lang());
  const byName = t(BY_LABELS[view.by] ?? view.by).toLowerCase();
  const content = mode === "table"
    ? indicatorTable(view, label, `table-${view.id}`)
    : h("div", { class: "chart-wrap" });
  const onTable = mode === "table" ? null : () => showTableOf(view.id, { writeFragment, render });
  const { drawing, smallArea } = state.data;
  const modelled = smallArea.get(view.id);
  // small-area intervals are at 95 %, whatever the board's level
  const mapView = modelled ? { ...view, level: modelled.level } : view;
  const map = mode === "chart" && drawing
    ? communeMap(mapView, label, drawing, publishedByCommune(view, modelled))
    : null;
  const body = map ? h("div", {}, [map, content]) : content;
  const section = indicatorCard({ id: view.id, label, definition, summary: summary(view), content: body, onTable });
  const hasTarget = view.target !== null && view.target !== undefined;
  // the chart is drawn once the card is in the page and its width is known
  const draw = mode === "table" ? () => {} : () => content.replaceChildren(
    indicatorChart(view, Math.max(content.clientWidth, 260), t("chartLabel", label, byName, hasTarget)),
  );
  return { section, draw };
}

function render() {
  if (!state.data) return;
  const { response } = state.data;
  const { view } = controls();
  $("meta").textContent = `${roundTitle(currentRound())} · ${t("meta", formatTime(response.computed_at), formatCount(response.n_submissions))}`;
  $("weighting-note").replaceChildren(...weightingNote(response.weighting));
  $("legend").replaceChildren(legend());
  $("legend").hidden = view === "table";
  const container = $("indicators");
  state.renderedWidth = container.clientWidth;
  container.classList.toggle("table-mode", view === "table");
  const cards = currentViews().map((item) => card(item, view));
  container.replaceChildren(...cards.map((item) => item.section));
  for (const item of cards) item.draw();
  const { by, ci, level } = state.data.query;
  // which query the page shows, so that a test (or a script) can wait for it
  container.dataset.shown = `${state.roundId}|${by}|${ci}|${level}|${view}|${lang()}`;
}

function saveFile(name, blob) {
  const link = h("a", { href: URL.createObjectURL(blob), download: name, class: "visually-hidden" });
  document.body.append(link);
  link.click();
  setTimeout(() => {
    URL.revokeObjectURL(link.href);
    link.remove();
  }, 1000);
}

/** The server's export of what is shown, numbers not published left empty with the reason. */
async function download(format) {
  if (!state.data) return;
  const { by, ci, level } = state.data.query;
  $("board-status").textContent = t("downloading");
  const blob = await getBlob(estimatesPath(), { by, ci, level, overall: "true", suppressed: "withhold", format, lang: lang() });
  saveFile(`${state.roundId}-estimates-by-${by}-${ci}-${level}.${format}`, blob);
  $("board-status").textContent = "";
}

function clear() {
  clearBoard(state);
  state.weights = null;
  $("weighting-note").replaceChildren();
  $("weights-body").replaceChildren();
  delete $("weights-body").dataset.shown;
}

function onLanguage() {
  applyLabels();
  if (state.rounds.length) {
    fillRoundOptions();
    fillBySelect();
  }
  render();
  renderWeights();
}

function bindControls(failed) {
  $("weights-panel").addEventListener("toggle", () => {
    if ($("weights-panel").open) loadWeights().catch(failed);
  });
  $("round-options").addEventListener("change", (event) => {
    state.roundId = event.target.value;
    fillBySelect();
    loadEstimates().catch(failed);
  });
  for (const id of ["by-select", "ci-select", "level-select"]) {
    $(id).addEventListener("change", () => {
      describeChoices();
      loadEstimates().catch(failed);
    });
  }
  $("download-csv").addEventListener("click", () => download("csv").catch(failed));
  $("download-xlsx").addEventListener("click", () => download("xlsx").catch(failed));
  bindBoard(state, { writeFragment, render });
}

bindControls(setUpPage({ start, clear, onLanguage, forbiddenKey: "errorForbidden" }));
