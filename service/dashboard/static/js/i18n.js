// The chosen language, its words (labels.js), and numbers and dates in its conventions:
// Vietnamese "1.234,5" and "26/11/2026 13:05", English "1,234.5" and "26 Nov 2026, 13:05".

import { HELP_FOR_REASON, LABELS } from "./labels.js";

const LANG_KEY = "survey.dashboard.lang";
const MINUS = "\u2212";

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

/** A word from one of the label tables (reasons, sectors, CI names…), the code if unknown. */
export const term = (table, code) => LABELS[current][table][code] ?? code;

/** Why an estimate is flagged, in plain words. */
export const reasonText = (code) => term("reasons", code);

/** What would help, once per kind of help, for these reason codes. */
export function helpText(codes) {
  const kinds = [...new Set((codes || []).map((code) => HELP_FOR_REASON[code] ?? "more"))];
  return kinds.map((kind) => term("help", kind)).join(" ");
}

const locale = () => (current === "vi" ? "vi-VN" : "en-GB");

function number(value, digits) {
  const text = new Intl.NumberFormat(locale(), {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(value);
  return text.replace(/^[-\u2212]/, MINUS); // a true minus sign, whatever the locale writes
}

/** An estimate as shown: a percentage for rates, a score for means. */
export function formatValue(value, isRate, digits = 1) {
  if (value === null || value === undefined) return "–";
  const text = number(isRate ? value * 100 : value, digits);
  return isRate ? `${text}%` : text;
}

/** A likely range, "12,3% đến 45,6%" or "12.3% to 45.6%". */
export const formatRange = (low, high, isRate) => t("rangeText", formatValue(low, isRate), formatValue(high, isRate));

export const formatCount = (value) => (value === null || value === undefined ? "–" : number(value, 0));

export const formatLevel = (level) => `${new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(level * 100)}%`;

/** A moment in Vietnam's time: "26/11/2026 13:05" (vi) or "26 Nov 2026, 13:05" (en). */
export function formatTime(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return iso ?? "–";
  const parts = Object.fromEntries(new Intl.DateTimeFormat(locale(), {
    year: "numeric", month: current === "vi" ? "2-digit" : "short", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "Asia/Ho_Chi_Minh",
  }).formatToParts(when).map((part) => [part.type, part.value]));
  const time = `${parts.hour}:${parts.minute}`;
  return current === "vi"
    ? `${parts.day}/${parts.month}/${parts.year} ${time}`
    : `${parts.day} ${parts.month} ${parts.year}, ${time}`;
}
