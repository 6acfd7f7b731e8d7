// Fieldwork page for supervisors: progress by district and by enumerator, and interview quality
// by enumerator with links to the flagged submissions, from the public API (GET /api/v1/rounds,
// /rounds/{id}/progress, /rounds/{id}/quality, /rounds/{id}/submissions/{sid}). Plain words, in
// Vietnamese and English.
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
    quality: "Chất lượng phỏng vấn theo điều tra viên", submissions: "Phiếu gửi",
    medianMinutes: "Thời gian giữa vị (phút)", shortShare: "Tỷ lệ phỏng vấn quá ngắn",
    refusalRate: "Tỷ lệ từ chối", identical: "Câu trả lời trùng nhau", noFlags: "Không có dấu hiệu bất thường.",
    flag_short_interviews: "phỏng vấn ngắn hơn nhiều so với thường lệ",
    flag_identical_answers: "phiếu có câu trả lời giống hệt nhau, nhiều hơn mức ngẫu nhiên",
    flag_overlapping_interviews: "phỏng vấn trùng giờ với một phỏng vấn khác",
    flag_clock: "phiếu có ngày giờ đáng ngờ (kiểm tra đồng hồ điện thoại)",
    show: "Xem phiếu", submission: "Phiếu", outcome: "Kết quả", interviewedAt: "Kết thúc lúc",
    startedAt: "Bắt đầu lúc", reviewState: "Trạng thái duyệt", answers: "Câu trả lời", none: "—",
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
    quality: "Interview quality by enumerator", submissions: "Submissions",
    medianMinutes: "Median length (minutes)", shortShare: "Share of very short interviews",
    refusalRate: "Refusal rate", identical: "Identical answers", noFlags: "Nothing unusual.",
    flag_short_interviews: "interviews much shorter than usual",
    flag_identical_answers: "interviews with exactly the same answers, more than chance explains",
    flag_overlapping_interviews: "interviews at the same time as another interview",
    flag_clock: "submissions with doubtful dates (check the phone's clock)",
    show: "Show submission", submission: "Submission", outcome: "Outcome", interviewedAt: "Ended at",
    startedAt: "Started at", reviewState: "Review", answers: "Answers", none: "—",
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

function number(value) {
  if (value === null || value === undefined) return t("none");
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(value);
}

function flagItem(flag) {
  const links = flag.submission_ids.map((sid) =>
    h("li", {}, h("a", { href: `#submission-${sid}`, "data-submission": sid },
      `${t("show")} ${sid.slice(0, 8)}`)));
  return h("li", { "data-flag": flag.code }, [
    h("span", {}, `${flag.submission_ids.length} ${t(`flag_${flag.code}`)}`),
    h("ul", { class: "flagged" }, links)]);
}

function qualitySection(report) {
  const columns = [["submissions", (g) => g.submissions], ["completed", (g) => g.completed],
    ["medianMinutes", (g) => number(g.median_duration_min)], ["shortShare", (g) => percent(g.short_share)],
    ["refusalRate", (g) => percent(g.refusal_rate)], ["identical", (g) => g.identical_answers]];
  const head = h("tr", {}, [h("th", { scope: "col" }, t("enumerator")),
    ...columns.map(([key]) => h("th", { scope: "col", class: "num" }, t(key)))]);
  const rows = report.groups.map((group) => h("tr", { "data-key": group.key }, [
    h("th", { scope: "row" }, group.key), ...columns.map(([, value]) => h("td", { class: "num" }, value(group)))]));
  const flags = report.groups.map((group) => h("li", { "data-key": group.key }, [
    h("strong", {}, group.key), group.flags.length
      ? h("ul", {}, group.flags.map(flagItem))
      : h("span", {}, ` ${t("noFlags")}`)]));
  return h("section", { id: "quality" }, [h("h3", {}, t("quality")),
    h("div", { class: "table-scroll" }, h("table", { class: "progress", id: "quality-table" },
      [h("thead", {}, head), h("tbody", {}, rows)])),
    h("ul", { class: "flags" }, flags), h("div", { id: "submission-detail", "aria-live": "polite" })]);
}

async function showSubmission(roundId, sid) {
  const panel = $("submission-detail");
  try {
    const doc = await getJson(`/api/v1/rounds/${encodeURIComponent(roundId)}/submissions/${encodeURIComponent(sid)}`);
    const rows = [["submission", doc.submission_id], ["enumerator", doc.enumerator_id],
      ["outcome", doc.outcome ?? "completed"], ["startedAt", doc.started_at ?? t("none")],
      ["interviewedAt", doc.interviewed_at], ["reviewState", doc.review?.state ?? t("none")],
      ["answers", doc.answers ? JSON.stringify(doc.answers) : t("none")]];
    panel.replaceChildren(h("dl", { class: "submission", "data-submission": sid },
      rows.flatMap(([key, value]) => [h("dt", {}, t(key)), h("dd", {}, String(value))])));
  } catch (error) {
    fail($("board-error"), error);
  }
}

async function qualityOf(roundId) {
  try {
    return await getJson(`/api/v1/rounds/${encodeURIComponent(roundId)}/quality`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return null;  // planners: progress only
    throw error;
  }
}

async function showProgress() {
  const roundId = $("round-select").value;
  const board = $("progress");
  $("board-status").textContent = t("loading");
  $("board-error").hidden = true;
  try {
    const [byDistrict, byEnumerator] = await Promise.all(["district", "enumerator"].map((by) =>
      getJson(`/api/v1/rounds/${encodeURIComponent(roundId)}/progress`, { by })));
    const quality = await qualityOf(roundId);
    board.replaceChildren(
      h("section", {}, [h("h3", {}, t("byDistrict")), h("div", { class: "table-scroll" }, table(byDistrict, "district", "district"))]),
      h("section", {}, [h("h3", {}, t("byEnumerator")), h("div", { class: "table-scroll" }, table(byEnumerator, "enumerator", "enumerator"))]),
      ...(quality ? [qualitySection(quality)] : []),
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
$("progress").addEventListener("click", (event) => {
  const link = event.target.closest("a[data-submission]");
  if (!link) return;
  event.preventDefault();
  showSubmission($("round-select").value, link.dataset.submission);
});
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
