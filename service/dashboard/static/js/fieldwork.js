// Fieldwork page for supervisors: progress by district and by enumerator, from the public API
// (GET /api/v1/rounds and /api/v1/rounds/{id}/progress). Plain words, in Vietnamese and English.
import { ApiError, getJson, token } from "./api.js";
import { h } from "./dom.js";

const LANG_KEY = "survey.dashboard.lang";
const COLUMNS = ["assigned", "completed", "refused", "noncontact", "not_found", "ineligible",
                 "other_nonresponse", "pending", "duplicates", "response_rate"];
const LABELS = {
  vi: {
    title: "Tiến độ điều tra thực địa", estimatesLink: "Ước lượng", signout: "Đăng xuất",
    signinTitle: "Đăng nhập", signin: "Đăng nhập", tokenLabel: "Mã truy cập",
    signinHelp: "Nhập mã của giám sát viên, người lập kế hoạch hoặc quản trị viên.",
    round: "Đợt điều tra", byDistrict: "Theo huyện", byEnumerator: "Theo điều tra viên",
    district: "Huyện", enumerator: "Điều tra viên", total: "Tổng", unassigned: "Chưa giao",
    assigned: "Được giao", completed: "Đã phỏng vấn", refused: "Từ chối",
    noncontact: "Không gặp được", not_found: "Không tìm thấy", ineligible: "Không thuộc đối tượng",
    other_nonresponse: "Lý do khác", pending: "Chưa đến", duplicates: "Trùng lặp",
    response_rate: "Tỷ lệ trả lời", loading: "Đang tải…", noSample: "Chưa có đợt điều tra nào có mẫu.",
    errorUnauthorized: "Mã không hợp lệ hoặc đã bị thu hồi.",
    errorForbidden: "Mã này không xem được tiến độ.", errorNetwork: "Không kết nối được dịch vụ.",
    errorEmpty: "Hãy nhập mã.",
  },
  en: {
    title: "Fieldwork progress", estimatesLink: "Estimates", signout: "Sign out",
    signinTitle: "Sign in", signin: "Sign in", tokenLabel: "Access token",
    signinHelp: "Enter a supervisor, planner or administrator token.",
    round: "Survey round", byDistrict: "By district", byEnumerator: "By enumerator",
    district: "District", enumerator: "Enumerator", total: "Total", unassigned: "Not assigned",
    assigned: "Assigned", completed: "Interviewed", refused: "Refused",
    noncontact: "Nobody reached", not_found: "Not found", ineligible: "Not eligible",
    other_nonresponse: "Other reason", pending: "Not visited yet", duplicates: "Duplicates",
    response_rate: "Response rate", loading: "Loading…", noSample: "No survey round has a sample yet.",
    errorUnauthorized: "The token is invalid or has been revoked.",
    errorForbidden: "This token cannot read fieldwork progress.",
    errorNetwork: "The service cannot be reached.", errorEmpty: "Enter a token.",
  },
};

const $ = (id) => document.getElementById(id);
let lang = localStorage.getItem(LANG_KEY) === "en" ? "en" : "vi";
let rounds = [];
const t = (key) => LABELS[lang][key] ?? key;

function percent(value) {
  if (value === null || value === undefined) return "–";
  return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 }).format(value);
}

function applyLanguage() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
  }
}

function cells(counts) {
  return COLUMNS.map((name) =>
    h("td", { class: "num", "data-column": name },
      name === "response_rate" ? percent(counts[name]) : counts[name]));
}

function table(body, by, keyLabel) {
  const head = h("tr", {}, [h("th", { scope: "col" }, t(keyLabel)),
    ...COLUMNS.map((name) => h("th", { scope: "col", class: "num" }, t(name)))]);
  const rows = body.groups.map((group) =>
    h("tr", { "data-key": group.key ?? "" }, [h("th", { scope: "row" }, group.key ?? t("unassigned")), ...cells(group)]));
  const total = h("tr", { "data-key": "total" }, [h("th", { scope: "row" }, t("total")), ...cells(body.total)]);
  return h("table", { class: "progress", id: `progress-${by}` },
    [h("thead", {}, head), h("tbody", {}, rows), h("tfoot", {}, total)]);
}

async function showProgress() {
  const roundId = $("round-select").value;
  const board = $("progress");
  $("board-status").textContent = t("loading");
  $("board-error").hidden = true;
  try {
    const [byDistrict, byEnumerator] = await Promise.all(["district", "enumerator"].map((by) =>
      getJson(`/api/v1/rounds/${encodeURIComponent(roundId)}/progress`, { by })));
    board.replaceChildren(
      h("section", {}, [h("h3", {}, t("byDistrict")), h("div", { class: "table-scroll" }, table(byDistrict, "district", "district"))]),
      h("section", {}, [h("h3", {}, t("byEnumerator")), h("div", { class: "table-scroll" }, table(byEnumerator, "enumerator", "enumerator"))]),
    );
    board.dataset.shown = `${roundId}|${lang}`;
    $("board-status").textContent = "";
  } catch (error) {
    fail($("board-error"), error);
  }
}

function fail(where, error) {
  const key = error instanceof ApiError
    ? (error.status === 401 ? "errorUnauthorized" : error.status === 403 ? "errorForbidden" : null)
    : "errorNetwork";
  where.textContent = key ? t(key) : error.message;
  where.hidden = false;
  $("board-status").textContent = "";
}

async function start() {
  try {
    const listed = await getJson("/api/v1/rounds");
    rounds = listed.items.filter((round) => round.sample);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) token.clear();
    showSignin();
    fail($("signin-error"), error);
    return;
  }
  $("signin").hidden = true;
  $("board").hidden = false;
  $("signout").hidden = false;
  const select = $("round-select");
  select.replaceChildren(...rounds.map((round) => h("option", { value: round.id }, round.title)));
  if (!rounds.length) {
    $("board-status").textContent = t("noSample");
    return;
  }
  await showProgress();
}

function showSignin() {
  $("signin").hidden = false;
  $("board").hidden = true;
  $("signout").hidden = true;
}

$("signin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = $("token-input").value.trim();
  if (!value) {
    $("signin-error").textContent = t("errorEmpty");
    $("signin-error").hidden = false;
    return;
  }
  token.set(value);
  $("signin-error").hidden = true;
  start();
});
$("signout").addEventListener("click", () => { token.clear(); showSignin(); });
$("round-select").addEventListener("change", showProgress);
for (const button of document.querySelectorAll("[data-lang]")) {
  button.addEventListener("click", () => {
    lang = button.dataset.lang;
    localStorage.setItem(LANG_KEY, lang);
    applyLanguage();
    if (!$("board").hidden && rounds.length) showProgress();
  });
}
applyLanguage();
if (token.get()) start();
