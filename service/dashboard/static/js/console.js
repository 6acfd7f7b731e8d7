// Field operations console (docs/design.md §16, docs/field-teams.md "The console"): rounds and
// their teams, enumerators with their ODK Collect setup codes, samples, assignments and the
// review queue, all through the public API. Admins see every task; supervisors see
// assignments and review. The chosen round and task live in the URL fragment, never the token.

import { ApiError, getJson, getWithEtag, send } from "./api.js";
import { h } from "./dom.js";
import { formatCount, formatTime, lang, t, term } from "./i18n.js";
import { applyWords, roundTitle, setUpPage } from "./page.js";

const $ = (id) => document.getElementById(id);
const ADMIN_TABS = ["rounds", "people", "sample", "assignments", "review"];
const SUPERVISOR_TABS = ["assignments", "review"];
const STATUSES = ["pending", "completed", "refused", "noncontact", "not_found", "ineligible", "other_nonresponse"];
const CLOSING = ["refused", "noncontact", "not_found", "ineligible", "other_nonresponse"];
const VERDICTS = ["approved", "has_issues", "rejected"];
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const state = {
  admin: false, rounds: [], roundId: null, tab: null, serial: 0,
  issued: null, // the tokens of the last import: shown once, until the page is left
  assignments: null, filters: {}, editing: null,
  queue: null, detail: null, notice: null, problems: null,
  createFields: new Set(), // the round fields the API accepts (geography, coverage, purpose…)
};
const round = () => state.rounds.find((r) => r.id === state.roundId);
const roundPath = (suffix = "") => `/api/v1/rounds/${encodeURIComponent(state.roundId)}${suffix}`;
const tabs = () => (state.admin ? ADMIN_TABS : SUPERVISOR_TABS);

function readFragment() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  return { round: params.get("round"), tab: params.get("task") };
}
function writeFragment() {
  const params = new URLSearchParams();
  if (state.roundId) params.set("round", state.roundId);
  params.set("task", state.tab);
  window.history.replaceState(null, "", `#${params}`);
}

// ---- small builders ----

let fieldSerial = 0;
/** A labelled input, select or textarea; `attrs.id` names it for tests and the label. */
function field(labelText, control) {
  if (!control.id) control.id = `field-${++fieldSerial}`;
  return h("div", { class: "field" }, [h("label", { for: control.id }, labelText), control]);
}
const input = (attrs) => h("input", { type: "text", autocomplete: "off", ...attrs });
function select(attrs, options, selected) {
  return h("select", attrs, options.map(([value, text]) => h("option", { value, selected: value === selected }, text)));
}
/** Choices as radio buttons (a long outcome wraps; a select would cut it off on a phone). */
function radios(name, legend, options, selected) {
  return h("fieldset", { class: "field", id: `${name}-choices` }, [h("legend", {}, legend), h("div", { class: "choices" },
    options.map(([value, text]) => h("label", {}, [
      h("input", { type: "radio", name, value, id: `${name}-${value}`, checked: value === selected }), text])))]);
}
const chosen = (name) => document.querySelector(`input[name="${name}"]:checked`)?.value;
const button = (attrs, text) => h("button", { type: "button", ...attrs }, text);
const table = (id, caption, columns, rows) => h("div", { class: "table-scroll", tabindex: 0, role: "region", "aria-label": caption },
  h("table", { class: "console", id }, [h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, rows)]));

/** What the last action said: a confirmation, or the API's problem with its field paths. */
function notices() {
  const nodes = [];
  if (state.notice) nodes.push(h("p", { class: "done", role: "status", id: "notice" }, state.notice));
  if (state.problems) {
    const { message, errors } = state.problems;
    nodes.push(h("div", { class: "error", role: "alert", id: "problems" }, [
      h("p", {}, message),
      errors ? h("ul", { class: "problems" }, Object.entries(errors).map(([path, texts]) => h("li", {}, `${path}: ${[].concat(texts).join(" ")}`))) : null,
    ]));
  }
  return nodes;
}

/** Run a write; show its confirmation or its problem, then redraw. 401/403 sign out. */
async function act(work, done) {
  state.notice = null;
  state.problems = null;
  $("notice")?.remove(); // what the last action said is not this one's answer
  $("problems")?.remove();
  try {
    const result = await work();
    state.notice = typeof done === "function" ? done(result) : done;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 401) throw error;
    state.problems = { message: error.message, errors: error.errors, status: error.status };
  }
  render();
  $("notice")?.focus();
  $("problems")?.focus();
}

/** The file chosen in a file input, with the content type the API expects for it. */
function chosenFile(id) {
  const file = $(id).files[0];
  if (!file) return null;
  const type = /\.xlsx$/i.test(file.name) ? XLSX : "text/csv";
  return { file, type };
}

// ---- rounds ----

function roundsPanel() {
  const current = round();
  const rows = state.rounds.map((r) => h("tr", { "data-round": r.id }, [
    h("th", { scope: "row" }, r.id), h("td", {}, roundTitle(r)), h("td", {}, term("coStatus", r.status)),
    h("td", {}, r.teams?.length ? r.teams.join(", ") : t("coEveryone")),
    h("td", {}, button({ class: "secondary", "data-status": r.id }, r.status === "open" ? t("coClose", r.id) : t("coOpen", r.id))),
  ]));
  const teams = current ? h("section", { "aria-labelledby": "teams-title" }, [
    h("h3", { id: "teams-title" }, t("coTeamsOf", roundTitle(current))),
    field(t("coTeamsLabel"), input({ id: "teams-input", value: (current.teams || []).join(", ") })),
    h("div", { class: "actions" }, button({ id: "teams-save" }, t("coSaveTeams"))),
  ]) : null;
  return [
    h("section", { "aria-labelledby": "rounds-title" }, [h("h3", { id: "rounds-title" }, t("coRounds")),
      state.rounds.length ? table("rounds-table", t("coRounds"), Object.values(t("coRoundCols")), rows) : h("p", {}, t("coNoRounds"))]),
    teams,
    newRoundForm(),
  ];
}

function newRoundForm() {
  const optional = [];
  if (state.createFields.has("geography")) optional.push(field(t("coGeography"), input({ id: "round-geography" })));
  if (state.createFields.has("coverage")) optional.push(field(t("coCoverage"), input({ id: "round-coverage" })));
  if (state.createFields.has("purpose")) {
    optional.push(field(t("coPurpose"), select({ id: "round-purpose" }, Object.entries(t("coPurposes")), "production")));
  }
  return h("section", { "aria-labelledby": "new-round-title" }, [
    h("h3", { id: "new-round-title" }, t("coNewRound")),
    h("form", { id: "round-form", novalidate: true }, [
      h("div", { class: "form-grid" }, [
        field(t("coTemplate"), select({ id: "round-template" }, [["", t("coNoTemplate")], ...state.rounds.map((r) => [r.id, r.id])], "")),
        field(t("coRoundId"), input({ id: "round-id", required: true })),
        field(t("coRoundTitle"), input({ id: "round-title", required: true })),
        field(t("coRoundTitleVi"), input({ id: "round-title-vi", lang: "vi" })),
        field(t("coInstrument"), select({ id: "round-instrument" }, Object.entries(t("coInstruments")), "household")),
        field(t("coStart"), input({ id: "round-start", type: "date", required: true })),
        field(t("coEnd"), input({ id: "round-end", type: "date", required: true })),
        field(t("coTeamsLabel"), input({ id: "round-teams" })),
        ...optional,
      ]),
      h("div", { class: "actions" }, h("button", { type: "submit", id: "round-create" }, t("coCreate"))),
    ]),
  ]);
}

const names = (text) => text.split(/[,;\s]+/).map((name) => name.trim()).filter(Boolean);

async function createRound() {
  const value = (id) => $(id)?.value.trim() ?? "";
  const body = {
    id: value("round-id"), title: value("round-title"), instrument: value("round-instrument"),
    period: { start: value("round-start"), end: value("round-end") }, teams: names(value("round-teams")),
  };
  if (value("round-title-vi")) body.title_vi = value("round-title-vi");
  const template = value("round-template");
  if (template) {
    const source = await getJson(`/api/v1/rounds/${encodeURIComponent(template)}`);
    Object.assign(body, { instrument: source.instrument, design: source.design, targets: source.targets });
    if (source.frame) body.frame = source.frame;
    for (const name of ["geography", "coverage", "purpose"]) if (source[name] !== undefined && source[name] !== null) body[name] = source[name];
  }
  if (value("round-geography")) body.geography = value("round-geography");
  if (value("round-coverage")) body.coverage = names(value("round-coverage"));
  if (value("round-purpose")) body.purpose = value("round-purpose");
  const created = await send("POST", "/api/v1/rounds", { body });
  await loadRounds();
  state.roundId = created.body.id;
  writeFragment();
  return created.body.id;
}

async function patchRound(roundId, changes) {
  await send("PATCH", `/api/v1/rounds/${encodeURIComponent(roundId)}`, { body: changes });
  await loadRounds();
}

// ---- enumerators and their setup codes ----

function peoplePanel(tokens) {
  const list = tokens.items.map((tok) => h("tr", { "data-token": tok.id }, [
    h("th", { scope: "row" }, tok.name), h("td", {}, term("coRoles", tok.role)), h("td", {}, formatTime(tok.created_at)),
    h("td", {}, tok.revoked_at ? t("coRevoked") : t("coActive")),
    h("td", {}, tok.revoked_at ? "" : button({ class: "secondary", "data-revoke": tok.id }, t("coRevoke", tok.name))),
  ]));
  return [
    h("section", { "aria-labelledby": "import-title" }, [
      h("h3", { id: "import-title" }, t("coImport")),
      h("p", { class: "hint", id: "import-help" }, t("coImportHelp")),
      field(t("coPeopleFile"), h("input", { type: "file", id: "people-file", accept: ".csv,.xlsx,text/csv", "aria-describedby": "import-help" })),
      h("div", { class: "actions" }, button({ id: "people-import" }, t("coImportButton"))),
    ]),
    state.issued ? qrSheet(state.issued) : null,
    h("section", { "aria-labelledby": "one-token-title" }, [
      h("h3", { id: "one-token-title" }, t("coOneToken")),
      h("div", { class: "form-grid" }, [
        field(t("coTokenName"), input({ id: "token-name" })),
        field(t("coTokenRole"), select({ id: "token-role" }, Object.entries(t("coRoles")), "enumerator")),
      ]),
      h("div", { class: "actions" }, button({ id: "token-create" }, t("coOneToken"))),
    ]),
    h("section", { "aria-labelledby": "tokens-title" }, [h("h3", { id: "tokens-title" }, t("coTokens")),
      table("tokens-table", t("coTokens"), Object.values(t("coTokenCols")), list)]),
  ];
}

/** The printable sheet: one group per team, a QR code and the user name per enumerator. */
function qrSheet(issued) {
  const teams = new Map();
  for (const tok of issued) {
    const key = tok.team || "";
    if (!teams.has(key)) teams.set(key, []);
    teams.get(key).push(tok);
  }
  const groups = [...teams.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([team, members], index) => h("section", {
    class: "team-sheet", "aria-labelledby": `team-${index}`, "data-team": team,
  }, [
    h("h4", { id: `team-${index}` }, team ? t("coTeam", team) : t("coNoTeam")),
    h("ul", { class: "qr-cards" }, members.map((tok) => h("li", { "data-name": tok.name }, [
      tok.collect ? h("img", { src: tok.collect.qr_png, alt: t("coQrAlt", tok.name), class: "qr", "data-name": tok.name }) : null,
      h("span", { class: "who" }, tok.name),
    ]))),
  ]));
  return h("section", { class: "qr-sheet", id: "qr-sheet", "aria-labelledby": "sheet-title" }, [
    h("h3", { id: "sheet-title" }, t("coSheet")),
    h("p", { class: "hint" }, t("coSheetHelp")),
    h("div", { class: "actions" }, [button({ id: "sheet-print" }, t("coPrint")),
      state.roundId ? button({ id: "sheet-teams", class: "secondary" }, t("coAddToTeams")) : null]),
    ...groups,
  ]);
}

async function importPeople() {
  const chosen = chosenFile("people-file");
  if (!chosen) return null;
  const { body } = await send("POST", "/api/v1/tokens/import", { body: chosen.file, contentType: chosen.type });
  state.issued = body.items;
  tokensShown = await getJson("/api/v1/tokens");
  return body.items.length;
}

// ---- sample and reserves ----

function samplePanel() {
  const sample = round()?.sample;
  return [h("section", { "aria-labelledby": "sample-title" }, [
    h("h3", { id: "sample-title" }, t("coSampleTitle")),
    h("p", { id: "sample-now" }, sample ? t("coSampleNow", formatCount(sample.assignments), formatCount(sample.psus), formatCount(sample.strata)) : t("coNoSample")),
    h("p", { class: "hint", id: "sample-help" }, t("coSampleHelp")),
    field(t("coSampleFile"), h("input", { type: "file", id: "sample-file", accept: ".csv,.xlsx,text/csv", "aria-describedby": "sample-help" })),
    h("div", { class: "actions" }, button({ id: "sample-upload" }, t("coUpload"))),
  ])];
}

async function uploadTable(inputId, method, suffix) {
  const chosen = chosenFile(inputId);
  if (!chosen) return null;
  const { body } = await send(method, roundPath(suffix), { body: chosen.file, contentType: chosen.type });
  await loadRounds();
  return body;
}

// ---- assignments ----

function assignmentsPanel() {
  const current = round();
  const districts = Object.entries(current?.frame?.districts || {});
  const filters = state.filters;
  const form = h("form", { id: "assignment-filters", novalidate: true }, [
    h("div", { class: "form-grid" }, [
      field(t("coFilterEnumerator"), input({ id: "filter-enumerator", value: filters.enumerator || "" })),
      field(t("coFilterStatus"), select({ id: "filter-status" }, [["", t("coAny")], ...STATUSES.map((s) => [s, term("fwColumns", s)])], filters.status || "")),
      districts.length ? field(t("coFilterDistrict"), select({ id: "filter-district" }, [["", t("coAny")], ...districts], filters.district || "")) : null,
    ]),
    h("div", { class: "actions" }, h("button", { type: "submit", id: "filter-apply" }, t("coFilter"))),
  ]);
  const items = state.assignments?.items || [];
  const rows = items.map((a) => h("tr", { "data-assignment": a.assignment_id }, [
    h("th", { scope: "row" }, a.assignment_id), h("td", {}, a.label || ""), h("td", {}, (current?.frame?.districts || {})[a.district] ?? a.district),
    h("td", { "data-column": "enumerator" }, a.enumerator || t("fwUnassigned")),
    h("td", { "data-column": "status" }, a.closed ? `${term("fwColumns", a.status)} (${t("coStatus").closed})` : term("fwColumns", a.status)),
    h("td", {}, button({ class: "secondary", "data-edit": a.assignment_id }, t("coEdit", a.assignment_id))),
  ]));
  const list = state.assignments === null ? h("p", {}, t("coLoading"))
    : items.length ? table("assignments-table", t("coAssignments"), Object.values(t("coAssignmentCols")), rows) : h("p", {}, t("coNoAssignments"));
  return [
    h("section", { "aria-labelledby": "assignments-title" }, [h("h3", { id: "assignments-title" }, t("coAssignments")), form, list,
      state.assignments?.next ? h("div", { class: "actions" }, button({ id: "assignments-more", class: "secondary" }, t("coMore"))) : null]),
    state.editing ? assignmentEditor(state.editing) : null,
    state.admin && current?.sample ? h("section", { "aria-labelledby": "reserve-title" }, [
      h("h3", { id: "reserve-title" }, t("coReserves")),
      h("p", { class: "hint", id: "reserve-help" }, t("coReserveHelp")),
      field(t("coReserveFile"), h("input", { type: "file", id: "reserve-file", accept: ".csv,.xlsx,text/csv", "aria-describedby": "reserve-help" })),
      h("div", { class: "actions" }, button({ id: "reserve-upload" }, t("coAppend"))),
    ]) : null,
  ];
}

function assignmentEditor(id) {
  return h("section", { id: "assignment-editor", "aria-labelledby": "editor-title", "data-assignment": id }, [
    h("h3", { id: "editor-title", tabindex: -1 }, t("coEditing", id)),
    h("div", { class: "form-grid" }, [
      field(t("coReassignTo"), input({ id: "reassign-to" })),
      h("div", { class: "actions" }, button({ id: "reassign" }, t("coReassign"))),
    ]),
    h("div", { class: "form-grid" }, [
      radios("close-outcome", t("coCloseOutcome"), CLOSING.map((o) => [o, term("fwOutcomes", o)]), "refused"),
      field(t("coReason"), input({ id: "close-reason" })),
      h("div", { class: "actions" }, button({ id: "close-assignment" }, t("coCloseAssignment"))),
    ]),
  ]);
}

async function loadAssignments(after) {
  const params = { ...state.filters, limit: 100, after };
  const page = await getJson(roundPath("/assignments"), params);
  state.assignments = after ? { items: [...state.assignments.items, ...page.items], next: page.next } : page;
}

async function changeAssignment(change) {
  const id = state.editing;
  await send("PATCH", roundPath(`/assignments/${encodeURIComponent(id)}`), { body: change });
  await loadAssignments();
  return id;
}

// ---- review queue ----

async function loadQueue() {
  const [waiting, quality] = await Promise.all([
    getJson(roundPath("/submissions"), { review: "unreviewed", limit: 1000 }),
    getJson(roundPath("/quality")).catch(() => ({ groups: [] })),
  ]);
  const flagged = new Set(quality.groups.flatMap((g) => g.flags.flatMap((f) => f.submission_ids || [])));
  const isFlagged = (doc) => flagged.has(doc.submission_id) || (doc.flags || []).length > 0;
  // flagged first, then the oldest interview first: the order a supervisor works through
  const items = waiting.items.map((doc) => ({ doc, flagged: isFlagged(doc) }))
    .sort((a, b) => (b.flagged - a.flagged) || String(a.doc.interviewed_at).localeCompare(String(b.doc.interviewed_at)));
  state.queue = items;
}

function reviewPanel() {
  const queue = state.queue === null ? h("p", {}, t("coLoading"))
    : state.queue.length ? h("ul", { class: "queue", id: "review-queue" }, state.queue.map(({ doc, flagged }) => h("li", {},
      button({ "data-open": doc.submission_id, "data-flagged": String(flagged), "aria-current": String(state.detail?.body.submission_id === doc.submission_id) }, [
        flagged ? h("span", { class: "flag-mark" }, `⚑ ${t("coFlagged")} · `) : null,
        `${doc.assignment_id || doc.submission_id.slice(0, 8)} · ${doc.enumerator_id} · ${formatTime(doc.interviewed_at)}`,
      ]))))
      : h("p", { id: "queue-empty" }, t("coQueueEmpty"));
  return [
    h("section", { "aria-labelledby": "queue-title" }, [h("h3", { id: "queue-title" }, t("coQueue")), h("p", { class: "hint" }, t("coQueueHelp")), queue]),
    state.detail ? reviewDetail(state.detail.body) : null,
  ];
}

function answerControl(key, value) {
  const id = `answer-${key}`;
  if (typeof value === "boolean") {
    return h("div", { class: "field field-check" }, [h("input", { type: "checkbox", id, "data-answer": key, checked: value }), h("label", { for: id }, key)]);
  }
  if (typeof value === "number") return field(key, input({ id, type: "number", "data-answer": key, value: String(value), inputmode: "numeric" }));
  if (value && typeof value === "object") {
    return h("fieldset", { class: "field" }, [h("legend", {}, key), ...Object.entries(value).map(([k, v]) => answerControl(`${key}.${k}`, v))]);
  }
  return field(key, input({ id, "data-answer": key, value: value ?? "" }));
}

function reviewDetail(doc) {
  const flags = doc.flags || [];
  const facts = [
    ["submission", doc.submission_id], ["enumerator", doc.enumerator_id],
    ["outcome", term("fwOutcomes", doc.outcome ?? "completed")], ["interviewedAt", formatTime(doc.interviewed_at)],
    ["reviewState", term("fwReview", doc.review?.state ?? "unreviewed")],
  ];
  return h("section", { id: "review-detail", "aria-labelledby": "detail-title", "data-submission": doc.submission_id }, [
    h("h3", { id: "detail-title", tabindex: -1 }, t("coDetail", doc.assignment_id || doc.submission_id.slice(0, 8))),
    h("dl", { class: "submission" }, facts.flatMap(([key, value]) => [h("dt", {}, term("fwFields", key)), h("dd", {}, String(value))])
      .concat(flags.length ? [h("dt", {}, t("coFlags")), h("dd", {}, flags.join(", "))] : [])),
    h("form", { id: "review-form", novalidate: true }, [
      h("fieldset", { class: "field" }, [h("legend", {}, t("coVerdict")), h("div", { class: "choices" }, VERDICTS.map((v) => h("label", {}, [
        h("input", { type: "radio", name: "verdict", value: v, id: `verdict-${v}`, checked: v === "approved" }), t("coVerdicts")[v]])))]),
      field(t("coComment"), h("textarea", { id: "review-comment", maxlength: 1000 })),
      h("div", { class: "actions" }, h("button", { type: "submit", id: "review-submit" }, t("coSendReview"))),
    ]),
    h("h4", {}, t("coCorrect")),
    h("p", { class: "hint" }, t("coCorrectHelp")),
    h("form", { id: "correct-form", novalidate: true }, [
      doc.outcome ? radios("correct-outcome", t("coOutcome"), Object.keys(t("fwOutcomes")).map((o) => [o, term("fwOutcomes", o)]), doc.outcome) : null,
      h("div", { class: "form-grid" }, Object.entries(doc.answers || {}).map(([k, v]) => answerControl(k, v))),
      field(t("coReason"), input({ id: "correct-reason", required: true })),
      h("div", { class: "actions" }, h("button", { type: "submit", id: "correct-submit" }, t("coSendCorrection"))),
    ]),
  ]);
}

/** The answers as the form now shows them, in the shape the submission has. */
function editedAnswers(original) {
  const answers = structuredClone(original || {});
  for (const node of document.querySelectorAll("[data-answer]")) {
    const path = node.dataset.answer.split(".");
    let holder = answers;
    for (const part of path.slice(0, -1)) holder = holder[part];
    const key = path.at(-1);
    if (node.type === "checkbox") holder[key] = node.checked;
    else if (node.type === "number") holder[key] = Number(node.value);
    else holder[key] = node.value;
  }
  return answers;
}

async function openSubmission(sid) {
  state.detail = await getWithEtag(roundPath(`/submissions/${encodeURIComponent(sid)}`));
}

async function sendReview() {
  const doc = state.detail.body;
  const verdict = chosen("verdict");
  const comment = $("review-comment").value.trim();
  await send("POST", roundPath(`/submissions/${encodeURIComponent(doc.submission_id)}/review`), {
    body: { state: verdict, comment: comment || null },
  });
  state.detail = null;
  await loadQueue();
  return t("fwReview")[verdict];
}

async function sendCorrection() {
  const doc = state.detail.body;
  const body = { reason: $("correct-reason").value.trim() };
  if (doc.answers) body.answers = editedAnswers(doc.answers);
  if (doc.outcome && chosen("correct-outcome") !== doc.outcome) body.outcome = chosen("correct-outcome");
  const path = roundPath(`/submissions/${encodeURIComponent(doc.submission_id)}`);
  try {
    state.detail = await send("PATCH", path, { body, ifMatch: state.detail.etag });
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      await openSubmission(doc.submission_id); // the version someone else saved
      throw new ApiError(412, error.title, t("coStale"));
    }
    throw error;
  }
  return t("coSaved");
}

// ---- the page ----

function tabChoices() {
  return tabs().map((tab) => h("label", {}, [
    h("input", { type: "radio", name: "task", value: tab, id: `tab-${tab}`, checked: tab === state.tab }), term("coTabs", tab)]));
}

function fillControls() {
  const options = state.rounds.map((r) => [r.id, roundTitle(r)]);
  $("round-select").replaceChildren(...options.map(([value, text]) => h("option", { value, selected: value === state.roundId }, text)));
  $("round-select").disabled = !options.length;
  $("tabs").replaceChildren(...tabChoices());
}

let tokensShown = { items: [] };

function render() {
  if (!state.tab) return;
  const build = {
    rounds: roundsPanel, people: () => peoplePanel(tokensShown), sample: samplePanel,
    assignments: assignmentsPanel, review: reviewPanel,
  }[state.tab];
  $("panel").replaceChildren(...notices(), ...[].concat(build()).filter(Boolean));
  $("panel").dataset.shown = `${state.tab}|${state.roundId ?? ""}|${lang()}`;
}

async function loadRounds() {
  state.rounds = (await getJson("/api/v1/rounds")).items;
}

/** What the chosen task needs from the API before it can be drawn. */
async function loadTab() {
  const serial = ++state.serial;
  $("board-status").textContent = t("coLoading");
  if (state.tab === "people") tokensShown = await getJson("/api/v1/tokens");
  if (state.tab === "assignments" && state.roundId && round()?.sample) await loadAssignments();
  if (state.tab === "assignments" && !round()?.sample) state.assignments = { items: [], next: null };
  if (state.tab === "review" && state.roundId) await loadQueue();
  if (serial !== state.serial) return;
  $("board-status").textContent = "";
  render();
}

async function learnRoundFields() {
  try {
    const spec = await (await fetch("/openapi.json")).json();
    // fields other branches add to rounds (geography, coverage, purpose) appear when the API has them
    state.createFields = new Set(Object.keys(spec.components?.schemas?.RoundCreate?.properties || {}));
  } catch {
    state.createFields = new Set();
  }
}

async function start() {
  $("board-status").textContent = t("coLoading");
  try {
    await getJson("/api/v1/tokens", { });
    state.admin = true;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
    state.admin = false;
  }
  await loadRounds();
  if (!state.admin) {
    // supervisors review; planners and enumerators are told the console is not for them
    if (state.rounds.length) await getJson(`/api/v1/rounds/${encodeURIComponent(state.rounds[0].id)}/quality`);
    else throw new ApiError(403, "Forbidden", "");
  }
  await learnRoundFields();
  const wanted = readFragment();
  state.roundId = [wanted.round, state.roundId].find((id) => state.rounds.some((r) => r.id === id)) || state.rounds[0]?.id || null;
  state.tab = tabs().includes(wanted.tab) ? wanted.tab : tabs()[0];
  fillControls();
  writeFragment();
  await loadTab();
}

function clear() {
  state.serial += 1;
  state.tab = null;
  state.issued = null;
  state.detail = null;
  state.notice = null;
  state.problems = null;
  $("panel").replaceChildren();
  delete $("panel").dataset.shown;
}

function onLanguage() {
  applyWords("coPageTitle");
  if (state.tab) {
    fillControls();
    render();
  }
}

const failed = setUpPage({ start, clear, onLanguage, forbiddenKey: "coForbidden" });
const run = (work) => work().catch(failed);

$("controls").addEventListener("submit", (event) => event.preventDefault());
$("round-select").addEventListener("change", (event) => {
  state.roundId = event.target.value;
  state.detail = null;
  state.editing = null;
  state.filters = {};
  state.notice = state.problems = null;
  writeFragment();
  run(loadTab);
});
$("tabs").addEventListener("change", (event) => {
  state.tab = event.target.value;
  state.notice = state.problems = null;
  writeFragment();
  run(loadTab);
});

// every button and form of the panel, by id or data attribute
$("panel").addEventListener("click", (event) => {
  const target = event.target.closest("button");
  if (!target || target.type === "submit") return;
  const { id, dataset } = target;
  if (dataset.status) {
    const r = state.rounds.find((x) => x.id === dataset.status);
    run(() => act(() => patchRound(r.id, { status: r.status === "open" ? "closed" : "open" }), t("coSaved")));
  } else if (id === "teams-save") {
    run(() => act(() => patchRound(state.roundId, { teams: names($("teams-input").value) }), t("coSaved")));
  } else if (id === "people-import") {
    run(() => act(importPeople, (n) => n && t("coImported", formatCount(n))));
  } else if (id === "sheet-print") {
    window.print();
  } else if (id === "sheet-teams") {
    const teams = [...new Set([...(round()?.teams || []), ...state.issued.map((tok) => tok.name)])];
    run(() => act(() => patchRound(state.roundId, { teams }), () => t("coAddedToTeams", formatCount(teams.length))));
  } else if (id === "token-create") {
    const body = { name: $("token-name").value.trim(), role: $("token-role").value };
    run(() => act(async () => {
      state.issued = [(await send("POST", "/api/v1/tokens", { body })).body];
      tokensShown = await getJson("/api/v1/tokens");
    }, t("coSaved")));
  } else if (dataset.revoke) {
    run(() => act(async () => {
      await send("DELETE", `/api/v1/tokens/${encodeURIComponent(dataset.revoke)}`);
      tokensShown = await getJson("/api/v1/tokens");
    }, t("coSaved")));
  } else if (id === "sample-upload") {
    run(() => act(() => uploadTable("sample-file", "PUT", "/sample"), (s) => s && t("coSampleNow", formatCount(s.assignments), formatCount(s.psus), formatCount(s.strata))));
  } else if (id === "reserve-upload") {
    run(() => act(async () => {
      const summary = await uploadTable("reserve-file", "POST", "/sample/rows");
      await loadAssignments();
      return summary;
    }, (s) => s && t("coSampleNow", formatCount(s.assignments), formatCount(s.psus), formatCount(s.strata))));
  } else if (dataset.edit) {
    state.editing = dataset.edit;
    state.notice = state.problems = null;
    render();
    $("editor-title").focus();
  } else if (id === "reassign") {
    run(() => act(() => changeAssignment({ enumerator: $("reassign-to").value.trim() || null }), t("coSaved")));
  } else if (id === "close-assignment") {
    const closed = { outcome: chosen("close-outcome"), reason: $("close-reason").value.trim() };
    run(() => act(() => changeAssignment({ closed }), t("coSaved")));
  } else if (id === "assignments-more") {
    run(async () => {
      await loadAssignments(state.assignments.next);
      render();
    });
  } else if (dataset.open) {
    run(async () => {
      state.notice = state.problems = null;
      await openSubmission(dataset.open);
      render();
      $("detail-title").focus();
    });
  }
});

$("panel").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target.getAttribute("id"); // not `.id`: a control named "id" would shadow it
  if (form === "round-form") run(() => act(createRound, (id) => t("coCreated", id)).then(fillControls));
  else if (form === "assignment-filters") {
    state.filters = {
      enumerator: $("filter-enumerator").value.trim() || undefined,
      status: $("filter-status").value || undefined,
      district: $("filter-district")?.value || undefined,
    };
    state.editing = null;
    run(async () => {
      await loadAssignments();
      render();
    });
  } else if (form === "review-form") run(() => act(sendReview, (word) => `${t("coSaved")} ${word}`));
  else if (form === "correct-form") run(() => act(sendCorrection, (word) => word));
});
