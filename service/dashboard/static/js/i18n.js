// Vietnamese and English labels; numbers and dates formatted for the chosen language.

const LANG_KEY = "survey.dashboard.lang";

const LABELS = {
  en: {
    title: "Digital adoption in Lào Cai",
    skip: "Skip to the estimates",
    signinTitle: "Sign in",
    signinHelp: "Enter a planner or administrator token. It is kept only in this browser tab.",
    tokenLabel: "Access token",
    signin: "Sign in",
    signout: "Sign out",
    boardTitle: "Estimates",
    round: "Survey round",
    by: "Break down by",
    ciMethod: "CI method",
    level: "Confidence level",
    view: "View",
    viewChart: "Chart",
    viewTable: "Table",
    downloadCsv: "Download CSV",
    downloadXlsx: "Download XLSX",
    byDistrict: "District",
    byArea: "Urban / rural",
    byType: "Business type",
    province: "Lào Cai province",
    loading: "Loading estimates…",
    meta: (v, at, n) => `Data version ${v} · computed ${at} · ${n} submissions`,
    target: "2025 target",
    noTarget: "No 2025 target",
    met: "Target met",
    not_met: "Target not met",
    uncertain: "Too uncertain to say",
    ci: (level) => `${level} CI`,
    ok: "Reliable",
    review: "Review",
    suppress: "Suppressed",
    noData: "No data",
    estimate: "Estimate",
    ciLow: "CI low",
    ciHigh: "CI high",
    domain: "Area",
    n: "n",
    nEff: "Effective n",
    reliability: "Reliability",
    targetStatus: "Target status",
    legendOk: "Estimate with its confidence interval",
    legendReview: "Review: use with care",
    legendSuppress: "Suppressed: too unreliable to publish",
    legendTarget: "2025 target",
    chartLabel: (name, by) => `${name}: estimates by ${by}, with confidence intervals and the target`,
    errorUnauthorized: "The token is invalid or has been revoked.",
    errorForbidden: "This token cannot read estimates: a planner or administrator token is needed.",
    errorNetwork: "The service cannot be reached. Check the connection and try again.",
    errorEmpty: "Enter a token.",
    noRounds: "There are no survey rounds yet.",
    urban: "Urban",
    rural: "Rural",
    enterprise: "Enterprise",
    cooperative: "Cooperative",
    household_business: "Household business",
    reasons: {
      n_eff: "effective sample size below 30",
      ci_width: "confidence interval too wide",
      relative_width: "interval too wide for the estimate",
      complement_width: "interval wide for the complement",
      df: "fewer than 8 degrees of freedom",
      boundary: "estimate at 0% or 100%",
      cv: "coefficient of variation too high",
    },
  },
  vi: {
    title: "Chuyển đổi số tại Lào Cai",
    skip: "Chuyển đến số liệu ước lượng",
    signinTitle: "Đăng nhập",
    signinHelp: "Nhập mã truy cập của cán bộ kế hoạch hoặc quản trị. Mã chỉ được giữ trong thẻ trình duyệt này.",
    tokenLabel: "Mã truy cập",
    signin: "Đăng nhập",
    signout: "Đăng xuất",
    boardTitle: "Ước lượng",
    round: "Đợt khảo sát",
    by: "Phân tổ theo",
    ciMethod: "Phương pháp khoảng tin cậy",
    level: "Độ tin cậy",
    view: "Hiển thị",
    viewChart: "Biểu đồ",
    viewTable: "Bảng",
    downloadCsv: "Tải CSV",
    downloadXlsx: "Tải XLSX",
    byDistrict: "Huyện, thị xã, thành phố",
    byArea: "Thành thị / nông thôn",
    byType: "Loại hình doanh nghiệp",
    province: "Toàn tỉnh Lào Cai",
    loading: "Đang tải số liệu…",
    meta: (v, at, n) => `Phiên bản dữ liệu ${v} · tính lúc ${at} · ${n} phiếu`,
    target: "Chỉ tiêu 2025",
    noTarget: "Không có chỉ tiêu 2025",
    met: "Đạt chỉ tiêu",
    not_met: "Chưa đạt chỉ tiêu",
    uncertain: "Chưa đủ chắc chắn để kết luận",
    ci: (level) => `KTC ${level}`,
    ok: "Tin cậy",
    review: "Cần xem xét",
    suppress: "Không công bố",
    noData: "Không có số liệu",
    estimate: "Ước lượng",
    ciLow: "Cận dưới",
    ciHigh: "Cận trên",
    domain: "Địa bàn",
    n: "n",
    nEff: "Cỡ mẫu hiệu dụng",
    reliability: "Độ tin cậy",
    targetStatus: "Đánh giá chỉ tiêu",
    legendOk: "Ước lượng và khoảng tin cậy",
    legendReview: "Cần xem xét: dùng thận trọng",
    legendSuppress: "Không công bố: độ tin cậy quá thấp",
    legendTarget: "Chỉ tiêu 2025",
    chartLabel: (name, by) => `${name}: ước lượng theo ${by}, có khoảng tin cậy và chỉ tiêu`,
    errorUnauthorized: "Mã truy cập không hợp lệ hoặc đã bị thu hồi.",
    errorForbidden: "Mã này không được xem số liệu ước lượng: cần mã của cán bộ kế hoạch hoặc quản trị.",
    errorNetwork: "Không kết nối được với máy chủ. Hãy kiểm tra kết nối và thử lại.",
    errorEmpty: "Hãy nhập mã truy cập.",
    noRounds: "Chưa có đợt khảo sát nào.",
    urban: "Thành thị",
    rural: "Nông thôn",
    enterprise: "Doanh nghiệp",
    cooperative: "Hợp tác xã",
    household_business: "Hộ kinh doanh",
    reasons: {
      n_eff: "cỡ mẫu hiệu dụng dưới 30",
      ci_width: "khoảng tin cậy quá rộng",
      relative_width: "khoảng tin cậy quá rộng so với ước lượng",
      complement_width: "khoảng tin cậy rộng so với phần bù",
      df: "bậc tự do dưới 8",
      boundary: "ước lượng bằng 0% hoặc 100%",
      cv: "hệ số biến thiên quá cao",
    },
  },
};

export const LANGS = Object.keys(LABELS);
let current = LANGS.includes(localStorage.getItem(LANG_KEY)) ? localStorage.getItem(LANG_KEY) : "vi";

export const lang = () => current;

export function setLang(code) {
  current = LANGS.includes(code) ? code : "vi";
  localStorage.setItem(LANG_KEY, current);
  document.documentElement.lang = current;
}

export function t(key, ...args) {
  const value = LABELS[current][key] ?? LABELS.en[key] ?? key;
  return typeof value === "function" ? value(...args) : value;
}

export function reasonText(code) {
  return LABELS[current].reasons[code] ?? code;
}

const locale = () => (current === "vi" ? "vi-VN" : "en-GB");

/** An estimate as shown: a percentage for rates, a score for means. */
export function formatValue(value, isRate, digits = 1) {
  if (value === null || value === undefined) return "–";
  const shown = isRate ? value * 100 : value;
  const text = new Intl.NumberFormat(locale(), {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(shown);
  return isRate ? `${text}%` : text;
}

export function formatCount(value) {
  if (value === null || value === undefined) return "–";
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(value);
}

export function formatLevel(level) {
  return `${new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(level * 100)}%`;
}

export function formatTime(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return iso ?? "–";
  return new Intl.DateTimeFormat(locale(), {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
    timeZone: "Asia/Ho_Chi_Minh", timeZoneName: "short",
  }).format(when);
}
