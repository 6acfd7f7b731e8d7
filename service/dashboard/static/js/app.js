// The dashboard: sign-in, controls, and one card per indicator (summary, chart or table).

import { ApiError, getJson, token } from "./api.js";
import { indicatorChart, legend } from "./chart.js";
import { h } from "./dom.js";
import { formatLevel, formatTime, formatValue, lang, reasonText, setLang, t } from "./i18n.js";
import { exportRecords, toCsv } from "./records.js";
import { BY_OPTIONS, indicatorLabel, indicatorViews } from "./rows.js";
import { indicatorTable } from "./table.js";
import { toXlsx } from "./xlsx.js";

const $ = (id) => document.getElementById(id);
const BY_LABELS = { district: "byDistrict", area: "byArea", type: "byType" };
const STATUS_MARKS = { met: "✓", not_met: "✗", uncertain: "?" };

const state = {
  rounds: [],
  catalogue: new Map(),
  roundId: null,
  data: null, // {overall, byResponse, by}
  serial: 0,
  renderedWidth: 0,
};

const controls = () => ({
  by: $("by-select").value || "district",
  ci: $("ci-select").value,
  level: $("level-select").value,
  view: document.querySelector('input[name="view"]:checked').value,
});

// The page's query lives in the URL fragment (never the token), so a view can be bookmarked.
function readFragment() {
  return new URLSearchParams(window.location.hash.slice(1));
}

function writeFragment() {
  const { by, ci, level, view } = controls();
  const fragment = new URLSearchParams({ round: state.roundId, by, ci, level, view });
  window.history.replaceState(null, "", `#${fragment}`);
}

function setIfOffered(select, value) {
  if (value && [...select.options].some((option) => option.value === value)) select.value = value;
}

const currentRound = () => state.rounds.find((round) => round.id === state.roundId);

function applyLabels() {
  document.documentElement.lang = lang();
  document.title = `${t("title")} — dashboard`;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang()));
  }
}

function fillBySelect() {
  const select = $("by-select");
  const previous = select.value || "district";
  const options = BY_OPTIONS[currentRound()?.instrument] || ["district"];
  select.replaceChildren(...options.map((by) => h("option", { value: by }, t(BY_LABELS[by]))));
  select.value = options.includes(previous) ? previous : "district";
}

function showError(id, message) {
  const node = $(id);
  node.textContent = message || "";
  node.hidden = !message;
}

function messageFor(error) {
  if (error instanceof ApiError) {
    if (error.status === 401) return t("errorUnauthorized");
    if (error.status === 403) return t("errorForbidden");
    return error.message;
  }
  if (error instanceof TypeError && /fetch/i.test(error.message)) return t("errorNetwork");
  console.error(error);
  return String(error.message || error);
}

function showSignin(message) {
  $("board").hidden = true;
  $("signout").hidden = true;
  $("signin").hidden = false;
  $("indicators").replaceChildren();
  delete $("indicators").dataset.shown;
  $("meta").textContent = "";
  state.data = null;
  showError("signin-error", message);
  $("token-input").focus();
}

function signOut(message) {
  token.clear();
  state.serial += 1; // results of requests still in flight are dropped
  showSignin(message);
}

function failed(error) {
  if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
    signOut(messageFor(error));
  } else {
    $("board-status").textContent = "";
    showError("board-error", messageFor(error));
  }
}

function catalogueItems(body) {
  return Array.isArray(body) ? body : body.items || body.indicators || [];
}

async function start() {
  $("signin").hidden = true;
  $("board").hidden = false;
  $("signout").hidden = false;
  $("board-status").textContent = t("loading");
  const [rounds, catalogue] = await Promise.all([getJson("/api/v1/rounds"), getJson("/api/v1/indicators")]);
  state.rounds = rounds.items;
  state.catalogue = new Map(catalogueItems(catalogue).map((item) => [item.id, item]));
  if (!state.rounds.length) {
    $("board-status").textContent = t("noRounds");
    return;
  }
  const wanted = readFragment();
  const withData = state.rounds.find((round) => round.n_submissions > 0) || state.rounds[0];
  const known = (id) => state.rounds.some((round) => round.id === id);
  state.roundId = [wanted.get("round"), state.roundId].find(known) || withData.id;
  $("round-select").replaceChildren(...state.rounds.map((round) => h("option", { value: round.id }, round.title || round.id)));
  $("round-select").value = state.roundId;
  fillBySelect();
  setIfOffered($("by-select"), wanted.get("by"));
  setIfOffered($("ci-select"), wanted.get("ci"));
  setIfOffered($("level-select"), wanted.get("level"));
  const view = document.querySelector(`input[name="view"][value="${wanted.get("view") === "table" ? "table" : "chart"}"]`);
  view.checked = true;
  await loadEstimates();
}

async function loadEstimates() {
  const serial = ++state.serial;
  const { by, ci, level } = controls();
  const path = `/api/v1/rounds/${encodeURIComponent(state.roundId)}/estimates`;
  showError("board-error", "");
  $("board-status").textContent = t("loading");
  $("indicators").setAttribute("aria-busy", "true");
  const [overall, byResponse] = await Promise.all([getJson(path, { ci, level }), getJson(path, { by, ci, level })]);
  if (serial !== state.serial) return;
  state.data = { overall, byResponse, by, query: { by, ci, level } };
  writeFragment();
  $("board-status").textContent = "";
  $("indicators").removeAttribute("aria-busy");
  render();
}

function currentViews() {
  const { overall, byResponse, by } = state.data;
  return indicatorViews({ catalogue: state.catalogue, round: currentRound(), overall, byResponse, by });
}

function summary(view) {
  const p = view.province?.result;
  if (!p || p.estimate === null || p.estimate === undefined) return h("p", { class: "headline" }, t("noData"));
  const ci = `${t("ci", formatLevel(view.level))}: ${formatValue(p.ci_low, view.isRate)} – ${formatValue(p.ci_high, view.isRate)}`;
  const status = p.target?.status;
  const reliability = p.reliability === "ok" ? null
    : h("p", { class: `province-reliability rel-${p.reliability}` }, [
      h("span", { class: `badge badge-${p.reliability}` }, t(p.reliability)),
      ` ${(p.reliability_reasons || []).map(reasonText).join("; ")}`,
    ]);
  return h("div", { class: "summary" }, [
    h("p", { class: "headline" }, [
      h("span", { class: "province-name" }, `${t("province")}: `),
      h("strong", { class: "estimate" }, formatValue(p.estimate, view.isRate)),
      h("span", { class: "ci-text" }, ` (${ci})`),
    ]),
    h("p", { class: `target-status status-${status || "none"}`, "data-status": status || "none" }, status
      ? [h("span", { class: "status-mark", "aria-hidden": "true" }, STATUS_MARKS[status]), ` ${t(status)} `,
        h("span", { class: "target-value" }, `(${t("target")} ≥ ${formatValue(view.target, view.isRate, 0)})`)]
      : t("noTarget")),
    reliability,
  ]);
}

function card(view, mode) {
  const label = indicatorLabel(view.info, lang(), view.id);
  const byName = t(BY_LABELS[view.by] || "byDistrict").toLowerCase();
  const content = mode === "table"
    ? indicatorTable(view, label)
    : h("div", { class: "chart-wrap" });
  const section = h("section", { class: "indicator", "data-indicator": view.id, "aria-labelledby": `title-${view.id}` }, [
    h("h3", { id: `title-${view.id}` }, label),
    view.info.definition && lang() === "en" ? h("p", { class: "definition" }, view.info.definition) : null,
    summary(view),
    content,
  ]);
  // the chart is drawn once the card is in the page and its width is known
  const draw = mode === "table" ? () => {} : () => content.replaceChildren(
    indicatorChart(view, Math.max(content.clientWidth, 260), t("chartLabel", label, byName)),
  );
  return { section, draw };
}

function render() {
  if (!state.data) return;
  const { byResponse } = state.data;
  const round = currentRound();
  $("meta").textContent = `${round.title || round.id} · ${t("meta", byResponse.data_version, formatTime(byResponse.computed_at), formatValue(byResponse.n_submissions, false, 0))}`;
  $("legend").replaceChildren(legend());
  const container = $("indicators");
  state.renderedWidth = container.clientWidth;
  container.classList.toggle("table-mode", controls().view === "table");
  const cards = currentViews().map((view) => card(view, controls().view));
  container.replaceChildren(...cards.map((item) => item.section));
  for (const item of cards) item.draw();
  const { by, ci, level } = state.data.query;
  // which query the page shows, so that a test (or a script) can wait for it
  container.dataset.shown = `${state.roundId}|${by}|${ci}|${level}|${controls().view}|${lang()}`;
}

function download(name, blob) {
  const link = h("a", { href: URL.createObjectURL(blob), download: name, class: "visually-hidden" });
  document.body.append(link);
  link.click();
  setTimeout(() => {
    URL.revokeObjectURL(link.href);
    link.remove();
  }, 1000);
}

function fileStem() {
  const { ci, level } = controls();
  return `${state.roundId}-estimates-by-${state.data.by}-${ci}-${level}`;
}

function bind() {
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = $("token-input").value.trim();
    if (!value) {
      showError("signin-error", t("errorEmpty"));
      return;
    }
    token.set(value);
    $("token-input").value = "";
    showError("signin-error", "");
    try {
      await start();
      $("round-select").focus();
    } catch (error) {
      failed(error);
    }
  });
  $("signout").addEventListener("click", () => signOut(""));
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => {
      setLang(button.dataset.lang);
      applyLabels();
      if (state.rounds.length) fillBySelect();
      render();
    });
  }
  $("round-select").addEventListener("change", () => {
    state.roundId = $("round-select").value;
    fillBySelect();
    loadEstimates().catch(failed);
  });
  for (const id of ["by-select", "ci-select", "level-select"]) {
    $(id).addEventListener("change", () => loadEstimates().catch(failed));
  }
  for (const radio of document.querySelectorAll('input[name="view"]')) {
    radio.addEventListener("change", () => {
      writeFragment();
      render();
    });
  }
  $("controls").addEventListener("submit", (event) => event.preventDefault());
  $("download-csv").addEventListener("click", () => {
    if (!state.data) return;
    const records = exportRecords(state.data.byResponse, currentViews());
    download(`${fileStem()}.csv`, new Blob([toCsv(records)], { type: "text/csv;charset=utf-8" }));
  });
  $("download-xlsx").addEventListener("click", () => {
    if (!state.data) return;
    const records = exportRecords(state.data.byResponse, currentViews());
    download(`${fileStem()}.xlsx`, new Blob([toXlsx(records)], {
      type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }));
  });
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      if (state.data && $("indicators").clientWidth !== state.renderedWidth) render();
    }, 150);
  });
}

function init() {
  setLang(lang());
  applyLabels();
  bind();
  if (token.get()) start().catch(failed);
  else showSignin("");
}

init();
