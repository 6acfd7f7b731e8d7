// Fieldwork page for supervisors: progress by district and by enumerator, and interview quality
// by enumerator with links to the flagged forms, from the public API (GET /api/v1/rounds,
// /rounds/{id}/progress, /rounds/{id}/quality, /rounds/{id}/submissions/{sid}). It shares the
// dashboard's page (sign-in, language, skip link), words and number formats (docs/field-teams.md).

import { ApiError, getJson } from "./api.js";
import { h } from "./dom.js";
import { formatCount, formatTime, formatValue, lang, t, term } from "./i18n.js";
import { applyWords, roundChoices, setUpPage } from "./page.js";

const $ = (id) => document.getElementById(id);
const COLUMNS = ["assigned", "completed", "refused", "noncontact", "not_found", "ineligible",
  "other_nonresponse", "pending", "duplicates", "response_rate"];
const QUALITY_COLUMNS = [
  ["submissions", (g) => formatCount(g.submissions)],
  ["completed", (g) => formatCount(g.completed)],
  ["medianMinutes", (g) => (g.median_duration_min === null ? t("fwNone") : formatValue(g.median_duration_min, false))],
  ["shortShare", (g) => formatValue(g.short_share, true)],
  ["refusalRate", (g) => formatValue(g.refusal_rate, true)],
  ["identical", (g) => formatCount(g.identical_answers)],
];

const state = { rounds: [], roundId: null, data: null, serial: 0 };
const roundPath = (suffix) => `/api/v1/rounds/${encodeURIComponent(state.roundId)}/${suffix}`;
const currentRound = () => state.rounds.find((round) => round.id === state.roundId);

// The chosen round lives in the URL fragment, so the page can be bookmarked.
const wantedRound = () => new URLSearchParams(window.location.hash.slice(1)).get("round");
function writeFragment() {
  window.history.replaceState(null, "", `#${new URLSearchParams({ round: state.roundId })}`);
}

function count(name, value) {
  return name === "response_rate" ? formatValue(value, true) : formatCount(value);
}

function progressRow(key, name, counts) {
  return h("tr", { "data-key": key }, [h("th", { scope: "row" }, name),
    ...COLUMNS.map((column) => h("td", { class: "num", "data-column": column }, count(column, counts[column])))]);
}

function groupName(by, key) {
  if (key === null || key === undefined) return t("fwUnassigned");
  if (by === "district") return (currentRound()?.frame?.districts || {})[key] ?? key;
  return key;
}

function progressTable(body, by, keyLabel) {
  const head = h("tr", {}, [h("th", { scope: "col" }, t(keyLabel)),
    ...COLUMNS.map((column) => h("th", { scope: "col", class: "num" }, term("fwColumns", column)))]);
  const rows = body.groups.map((group) => progressRow(group.key ?? "", groupName(by, group.key), group));
  return h("table", { class: "progress", id: `progress-${by}` }, [
    h("caption", { class: "visually-hidden" }, t(by === "district" ? "fwByDistrict" : "fwByEnumerator")),
    h("thead", {}, head), h("tbody", {}, rows),
    h("tfoot", {}, progressRow("total", t("fwTotal"), body.total))]);
}

/** A region that scrolls sideways on a phone, reachable and named for keyboard users. */
const scroller = (label, table) => h("div", { class: "table-scroll", tabindex: 0, role: "region", "aria-label": label }, table);

function explained(items) {
  return h("dl", { class: "column-help" }, items.flatMap(([name, text]) => [h("dt", {}, name), h("dd", {}, text)]));
}

function progressSection(body, by) {
  const title = t(by === "district" ? "fwByDistrict" : "fwByEnumerator");
  return h("section", { "aria-labelledby": `title-${by}` }, [
    h("h3", { id: `title-${by}` }, title),
    scroller(title, progressTable(body, by, by === "district" ? "fwDistrict" : "fwEnumerator"))]);
}

function columnHelp() {
  const help = t("fwColumnHelp");
  return h("details", { class: "about-columns" }, [h("summary", {}, t("fwAbout")),
    explained(Object.keys(help).map((column) => [term("fwColumns", column), help[column]]))]);
}

function flagItem(flag) {
  const links = flag.submission_ids.map((sid) => h("li", {}, h("a", {
    href: `#submission-${sid}`, "data-submission": sid,
  }, t("fwShow", sid.slice(0, 8)))));
  return h("li", { "data-flag": flag.code }, [
    h("span", {}, t("fwFlagCount", formatCount(flag.submission_ids.length), term("fwFlags", flag.code))),
    h("ul", { class: "flagged" }, links)]);
}

function qualitySection(report) {
  const title = t("fwQuality");
  const head = h("tr", {}, [h("th", { scope: "col" }, t("fwEnumerator")),
    ...QUALITY_COLUMNS.map(([key]) => h("th", { scope: "col", class: "num" }, term("fwQualityColumns", key)))]);
  const rows = report.groups.map((group) => h("tr", { "data-key": group.key }, [
    h("th", { scope: "row" }, group.key), ...QUALITY_COLUMNS.map(([, value]) => h("td", { class: "num" }, value(group)))]));
  const flags = report.groups.map((group) => h("li", { "data-key": group.key }, [
    h("strong", {}, group.key), group.flags.length
      ? h("ul", {}, group.flags.map(flagItem))
      : h("span", {}, ` ${t("fwNoFlags")}`)]));
  const help = t("fwQualityHelp");
  const minutes = report.short_minutes === null || report.short_minutes === undefined
    ? t("fwNone") : formatValue(report.short_minutes, false);
  const about = h("details", { class: "about-columns" }, [h("summary", {}, t("fwAbout")), explained(
    Object.keys(help).map((key) => [term("fwQualityColumns", key), key === "shortShare" ? help[key](minutes) : help[key]]))]);
  return h("section", { id: "quality", "aria-labelledby": "title-quality" }, [h("h3", { id: "title-quality" }, title),
    scroller(title, h("table", { class: "progress", id: "quality-table" },
      [h("caption", { class: "visually-hidden" }, title), h("thead", {}, head), h("tbody", {}, rows)])),
    about,
    h("ul", { class: "flags" }, flags),
    h("div", { id: "submission-detail", "aria-live": "polite" })]);
}

function answerText(value) {
  if (value === true) return t("fwYes");
  if (value === false) return t("fwNo");
  if (typeof value === "number") return formatCount(value);
  if (value && typeof value === "object") return Object.entries(value).map(([k, v]) => `${k}: ${answerText(v)}`).join(", ");
  return String(value ?? t("fwNone"));
}

function submissionDetail(doc, sid) {
  const none = t("fwNone");
  const rows = [
    ["submission", doc.submission_id],
    ["enumerator", doc.enumerator_id],
    ["outcome", term("fwOutcomes", doc.outcome ?? "completed")],
    ["startedAt", doc.started_at ? formatTime(doc.started_at) : none],
    ["interviewedAt", formatTime(doc.interviewed_at)],
    ["reviewState", term("fwReview", doc.review?.state ?? "unreviewed")],
    ["answers", doc.answers ? answerText(doc.answers) : none],
  ];
  return h("dl", { class: "submission", "data-submission": sid },
    rows.flatMap(([key, value]) => [h("dt", {}, term("fwFields", key)), h("dd", {}, String(value))]));
}

async function qualityOf() {
  try {
    return await getJson(roundPath("quality"));
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return null; // planners: progress only
    throw error;
  }
}

function render() {
  if (!state.data) return;
  const { byDistrict, byEnumerator, quality } = state.data;
  const board = $("progress");
  board.replaceChildren(
    progressSection(byDistrict, "district"),
    progressSection(byEnumerator, "enumerator"),
    columnHelp(),
    ...(quality ? [qualitySection(quality)] : []),
  );
  // which round and language the page shows, so that a test can wait for it
  board.dataset.shown = `${state.roundId}|${lang()}`;
}

async function loadProgress() {
  const serial = ++state.serial;
  $("board-status").textContent = t("fwLoading");
  $("board-error").hidden = true;
  const [byDistrict, byEnumerator, quality] = await Promise.all([
    getJson(roundPath("progress"), { by: "district" }),
    getJson(roundPath("progress"), { by: "enumerator" }),
    qualityOf(),
  ]);
  if (serial !== state.serial) return;
  state.data = { byDistrict, byEnumerator, quality };
  writeFragment();
  $("board-status").textContent = "";
  render();
}

function fillRoundOptions() {
  $("round-options").replaceChildren(...roundChoices(state.rounds, state.roundId));
}

async function start() {
  $("board-status").textContent = t("fwLoading");
  const listed = await getJson("/api/v1/rounds");
  state.rounds = listed.items.filter((round) => round.sample);
  if (!state.rounds.length) {
    $("board-status").textContent = t("fwNoSample");
    return;
  }
  const known = (id) => state.rounds.some((round) => round.id === id);
  state.roundId = [wantedRound(), state.roundId].find(known) || state.rounds[0].id;
  fillRoundOptions();
  await loadProgress();
}

function clear() {
  state.serial += 1; // results of requests still in flight are dropped
  state.data = null;
  $("progress").replaceChildren();
  delete $("progress").dataset.shown;
}

function onLanguage() {
  applyWords("fwPageTitle");
  if (state.rounds.length) fillRoundOptions();
  render();
}

const failed = setUpPage({ start, clear, onLanguage, forbiddenKey: "fwForbidden" });
$("round-options").addEventListener("change", (event) => {
  state.roundId = event.target.value;
  loadProgress().catch(failed);
});
$("controls").addEventListener("submit", (event) => event.preventDefault());
$("progress").addEventListener("click", (event) => {
  const link = event.target.closest("a[data-submission]");
  if (!link) return;
  event.preventDefault();
  const sid = link.dataset.submission;
  getJson(roundPath(`submissions/${encodeURIComponent(sid)}`))
    .then((doc) => $("submission-detail").replaceChildren(submissionDetail(doc, sid)))
    .catch(failed);
});
