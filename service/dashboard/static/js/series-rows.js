// What the series view shows, per indicator: one group per area (the province first, then the
// domains by name), each with one row per round (its estimate, or why it is not published) and
// the change since the first round in words. A change is said only when both rounds' estimates
// are published: with one of them withheld, the difference would give the withheld number away.

import { formatLevel, formatValue, lang, reasonText, t } from "./i18n.js";
import { domainCode, domainName, isPublished, rowNote, rowState } from "./rows.js";

const absentResult = { n: 0, estimate: null, reliability: "suppress", reliability_reasons: [] };

/** A short name for each round: its year when the years differ, else "Round k". */
export function roundLabels(rounds) {
  const years = rounds.map((round) => String(round.period?.start ?? "").slice(0, 4));
  const unique = years.every((year) => /^\d{4}$/.test(year)) && new Set(years).size === years.length;
  return rounds.map((round, k) => (unique ? years[k] : t("roundNumber", k + 1)));
}

const blockOf = (response, indicator) => (response?.estimates || []).find((block) => block.indicator === indicator);
const changeBlockOf = (response, indicator) => (response?.changes || []).find((block) => block.indicator === indicator);
const sameDomain = (result, code) => domainCode(result.domain) === code;

function roundRow(block, code, name) {
  const result = (block?.results || []).find((item) => sameDomain(item, code));
  if (!result) return { code, name, result: absentResult, state: "none", absent: true };
  return { code, name, result, state: rowState(result) };
}

/** The words under a round's bar: nothing for a reliable estimate. */
export function roundNote(row) {
  return row.absent ? t("noInterviewsInRound") : rowNote(row);
}

function signed(value, isRate) {
  return formatValue(value * (isRate ? 100 : 1), false);
}

/** "up 7.2 points (95% CI 3.1 to 11.3): a real change", from the API's change result. */
export function changeSentence(result, isRate, level) {
  const { difference, ci_low: low, ci_high: high, significant } = result;
  const amount = signed(Math.abs(difference), isRate);
  const direction = difference > 0 ? t("up", amount, isRate) : difference < 0 ? t("down", amount, isRate) : t("unchanged");
  const range = low === null || low === undefined ? "" : t("changeRange", formatLevel(level), signed(low, isRate), signed(high, isRate));
  const verdict = significant === true ? t("realChange") : significant === false ? t("noDetectableChange") : t("changeUnsure");
  return `${direction}${range}: ${verdict}`;
}

const reasonsOf = (row) => (row.result.reliability_reasons || []).map(reasonText).join("; ");

/**
 * The change from the first round to `to` for one group: {kind, text} where kind is `shown`
 * (the sentence), `missing` (a round without interviews here), or `withheld` (an estimate not
 * published); seriesViews adds `unpaired` (rounds that cannot be paired as asked).
 */
export function changeStatement(group, change, view) {
  const first = group.rounds[0];
  const last = group.rounds.find((item) => item.round.id === change.to.id);
  const absent = [first, last].find((item) => item.row.state === "none");
  if (first.row.state === "none" && last.row.state === "none") return { kind: "missing", text: t("changeNone") };
  if (absent) return { kind: "missing", text: t("changeMissing", absent.label) };
  const hidden = [first, last].find((item) => !isPublished(item.row));
  if (hidden) return { kind: "withheld", text: t("changeWithheld", hidden.label, reasonsOf(hidden.row)) };
  const result = change.result;
  if (result?.withheldIn) {
    const round = group.rounds.find((item) => item.round.id === result.withheldIn);
    return { kind: "withheld", text: t("changeWithheld", round.label, result.reasons.map(reasonText).join("; ")) };
  }
  if (!result || result.difference === null || result.difference === undefined) {
    return { kind: "missing", text: t("changeMissing", result?.from_estimate == null ? first.label : last.label) };
  }
  return { kind: "shown", text: changeSentence(result, view.isRate, view.level) };
}

function domainNames(rounds, by, code) {
  // the latest round that knows the code names it (districts were renamed and merged in 2025)
  for (const round of [...rounds].reverse()) {
    const name = domainName(round.doc, by, code);
    if (name !== code) return name;
  }
  return code;
}

function groupCodes(blocks, changeBlocks) {
  const codes = new Set();
  for (const block of [...blocks, ...changeBlocks]) {
    for (const result of block?.results || []) if (result.domain !== null) codes.add(domainCode(result.domain));
  }
  return [...codes];
}

/**
 * One view per indicator. `rounds`: [{id, label, doc}] in period order; `estimates`: round id →
 * its estimates response; `changes`: later round id → the change response from the first.
 */
export function seriesViews({ catalogue, rounds, estimates, changes, by }) {
  const last = rounds[rounds.length - 1];
  const later = rounds.slice(1);
  return (estimates.get(last.id)?.estimates || []).map(({ indicator, level }) => {
    const info = catalogue.get(indicator) || {};
    const blocks = rounds.map((round) => blockOf(estimates.get(round.id), indicator));
    const changeBlocks = later.map((round) => changeBlockOf(changes.get(round.id), indicator));
    const codes = by ? groupCodes(blocks, changeBlocks) : [];
    const named = codes.map((code) => ({ code, name: domainNames(rounds, by, code) }))
      .sort((a, b) => a.name.localeCompare(b.name, lang()));
    const view = {
      id: indicator,
      info,
      isRate: info.is_rate === true,
      target: last.doc.targets?.[indicator] ?? null,
      level,
      by,
    };
    view.groups = [{ code: null, name: t("province") }, ...named].map(({ code, name }) => {
      const group = {
        code,
        name,
        isProvince: code === null,
        rounds: rounds.map((round, k) => ({ round, label: round.label, row: roundRow(blocks[k], code, name) })),
      };
      group.changes = later.map((round, k) => {
        const refused = changes.get(round.id)?.unpaired;
        if (refused) return { from: rounds[0], to: round, kind: "unpaired", text: refused };
        const result = (changeBlocks[k]?.results || []).find((item) => sameDomain(item, code));
        return { from: rounds[0], to: round, ...changeStatement(group, { to: round, result }, view) };
      });
      return group;
    });
    return view;
  });
}
