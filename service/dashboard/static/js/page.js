// What every page of the dashboard shares: the language switch and the page's words, the
// sign-in form (a wrong token marks the field invalid, tied to its message), sign-out, the
// board's errors, and a skip link that moves focus without touching the URL (which holds the
// bookmarked view).

import { ApiError, token } from "./api.js";
import { h } from "./dom.js";
import { lang, setLang, t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

export function showError(id, message) {
  const node = $(id);
  node.textContent = message || "";
  node.hidden = !message;
}

function markToken(message) {
  showError("signin-error", message);
  if (message) $("token-input").setAttribute("aria-invalid", "true");
  else $("token-input").removeAttribute("aria-invalid");
}

export const roundTitle = (round) => (lang() === "vi" && round.title_vi) || round.title || round.id;

const SURVEYS = ["household", "business"];
const yearOf = (round) => (round.period?.start || "").slice(0, 4);
const newestFirst = (a, b) => (b.period?.end || "").localeCompare(a.period?.end || "")
  || (b.period?.start || "").localeCompare(a.period?.start || "");

/** The newest round of a survey (an instrument), preferring one with interviews. */
export function latestRound(rounds, instrument) {
  const mine = rounds.filter((round) => round.instrument === instrument).sort(newestFirst);
  return mine.find((round) => round.n_submissions > 0) || mine[0];
}

/**
 * The rounds as radio buttons (a long title wraps; a select would cut it off on a phone),
 * grouped by survey and year, newest first.
 */
export function roundChoices(rounds, selectedId) {
  const groups = new Map();
  const order = (round) => SURVEYS.indexOf(round.instrument);
  for (const round of [...rounds].sort((a, b) => order(a) - order(b) || newestFirst(a, b))) {
    const key = `${round.instrument}|${yearOf(round)}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(round);
  }
  return [...groups].map(([key, members]) => {
    const [instrument, year] = key.split("|");
    const title = `${t(instrument === "business" ? "surveyBusiness" : "surveyHousehold")} ${year}`;
    return h("div", { class: "round-group", role: "group", "aria-label": title }, [
      h("p", { class: "round-group-title" }, title),
      ...members.map((round) => h("label", { class: "round-option" }, [
        h("input", { type: "radio", name: "round", value: round.id, id: `round-${round.id}`, checked: round.id === selectedId }),
        h("span", {}, roundTitle(round)),
      ])),
    ]);
  });
}

/** The page's words in the chosen language: `data-i18n` nodes, the title, the switch. */
export function applyWords(titleKey) {
  document.documentElement.lang = lang();
  document.title = t(titleKey);
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang()));
  }
}

/**
 * Wire a page: `start()` shows the board once a token is there, `clear()` forgets what the board
 * showed, `onLanguage()` redraws in the new language; `forbiddenKey` names the words for a token
 * whose role may not read this page. Returns `failed(error)`, for the board's requests.
 */
export function setUpPage({ start, clear, onLanguage, forbiddenKey }) {
  function messageFor(error) {
    if (error instanceof ApiError) {
      if (error.status === 401) return t("errorUnauthorized");
      if (error.status === 403) return t(forbiddenKey);
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
    clear();
    markToken(message);
    $("token-input").focus();
  }

  function signOut(message) {
    token.clear();
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

  async function showBoard() {
    $("signin").hidden = true;
    $("board").hidden = false;
    $("signout").hidden = false;
    await start();
  }

  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = $("token-input").value.trim();
    if (!value) {
      markToken(t("errorEmpty"));
      return;
    }
    token.set(value);
    $("token-input").value = "";
    markToken("");
    await showBoard().catch(failed);
    $("board").querySelector("input:checked, select, button")?.focus();
  });
  $("signout").addEventListener("click", () => signOut(""));
  $("skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    $("main").focus();
    $("main").scrollIntoView();
  });
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => {
      setLang(button.dataset.lang);
      onLanguage();
    });
  }
  setLang(lang());
  onLanguage();
  if (token.get()) showBoard().catch(failed);
  else showSignin("");
  return failed;
}

// ---- What the boards of the estimates page and the series view share ----

/** The view kept in the URL fragment (never the token), so that it can be bookmarked. */
export const readFragment = () => new URLSearchParams(window.location.hash.slice(1));

export function setIfOffered(select, value) {
  if (value !== null && [...select.options].some((option) => option.value === value)) select.value = value;
}

/**
 * One indicator's card: title, definition, summary, then `content` (a chart's holder or a table);
 * under a chart a button that opens the table (`onTable`), so keyboard users find every number.
 */
export function indicatorCard({ id, label, definition, summary, content, onTable }) {
  const pointer = onTable ? h("button", { type: "button", class: "link-button table-pointer" }, t("tablePointer")) : null;
  pointer?.addEventListener("click", onTable);
  return h("section", { class: "indicator", "data-indicator": id, "aria-labelledby": `title-${id}` }, [
    h("h3", { id: `title-${id}` }, label),
    definition ? h("p", { class: "definition" }, definition) : null,
    summary,
    content,
    pointer,
  ]);
}

/** Show the table view and move the focus to the table of one indicator. */
export function showTableOf(indicatorId, { writeFragment, render }) {
  $("view-table").checked = true;
  writeFragment();
  render();
  $(`table-${indicatorId}`)?.focus();
}

/** Forget what the board showed; requests still in flight are dropped (their serial is old). */
export function clearBoard(state) {
  state.serial += 1;
  state.data = null;
  $("indicators").replaceChildren();
  delete $("indicators").dataset.shown;
  $("meta").textContent = "";
}

/** The chart/table switch, no form submission, and a redraw when the board's width changes. */
export function bindBoard(state, { writeFragment, render }) {
  for (const radio of document.querySelectorAll('input[name="view"]')) {
    radio.addEventListener("change", () => {
      writeFragment();
      render();
    });
  }
  $("controls").addEventListener("submit", (event) => event.preventDefault());
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      if (state.data && $("indicators").clientWidth !== state.renderedWidth) render();
    }, 150);
  });
}
