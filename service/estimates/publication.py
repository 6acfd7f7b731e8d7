"""Estimates as a publication shows them: withheld numbers, complementary suppression, the
province row first (docs/design.md §6, §15).

This is the one module with the withholding rule; every planner-facing output calls it —
estimates (JSON, CSV, XLSX), the change between rounds, and the small-area endpoint:

- a result whose reliability is `suppress` loses every number that tells the estimate or can
  be turned back into it (`WITHHELD_FIELDS`, and its `population`), its verdict and reasons
  kept;
- **complementary suppression**: a `by` table is a partition of the province, whose estimate
  anyone may read. Where exactly one part (or the province alone) is withheld, it follows from
  the others, p_k = (P·p − Σ_{d≠k} N_d·p_d) / N_k, so the smallest other shown part (fewest
  interviews, then smallest population, then code) is withheld too, with the reason
  `complementary`;
- **one weighting's gaps are every weighting's**: a row withheld (unreliable or complementary)
  in the round's default weighting is withheld, reason `default_weighting`, in a table of any
  other weighting (`?weighting=input`, `nonresponse`), with complements there in turn: the
  input-weighted estimate of a part the calibrated table withholds would give it back within
  a hair. The reverse is not a leak: a part only the other weighting withholds is published
  in the default table as its own, reliable estimate, from which the other weighting's number
  does not follow;
- **the whole system of the round's tables** (`audited_complements`): every table a planner
  can ask of a round shares the round's cells, so a withheld row may follow from rows of other
  tables (a new commune from its former communes, a district less a grouping's block). Each
  shown row's total is the sum of its cells' totals: a withheld row is determined iff its cell
  vector lies in the span of the shown rows' vectors, and shown rows are withheld
  (`complementary`) until none is;
- a change between two rounds is withheld when either round's estimate is (`withheld_changes`).

`suppressed=show` (every number with its flag) is for the `admin` and `analyst` roles only
(`check_policy`); everyone else gets the withheld table by default and a 403 when asking more.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from catalogue import BY_DIMENSIONS, Role, SuppressedPolicy, TargetStatus
from catalogue.geography import (
    GeographyNotFound,
    crosswalk,
    former_provinces,
    load_version,
    version_ids,
)
from scoring import Reliability
from service.cells.domains import (
    FORMER_PROVINCE,
    GROUPING_PREFIX,
    Domain,
    DomainUnavailable,
    domain_of,
)
from service.domain.cells import CellKey
from service.domain.errors import Forbidden
from service.domain.round import Round
from service.estimates.service import EstimatesSource, compute_estimates, requested_indicators
from service.geography.groupings import read_grouping
from service.rounds.weighting import applied_mode

# every field that tells the estimate or can be turned back into it (n_eff = p(1−p)/se²), and
# the population, the weight of the part in the recovery formula
WITHHELD_FIELDS = ("estimate", "se", "ci_low", "ci_high", "deff", "n_eff", "cv", "population")
COMPLEMENTARY = "complementary"  # the reason a reliable part is withheld with another
DEFAULT_WEIGHTING = "default_weighting"  # reliable here, withheld in the default weighting
WITHHOLDING_REASONS = (COMPLEMENTARY, DEFAULT_WEIGHTING)
SHOW_ROLES = (Role.ADMIN, Role.ANALYST)


def check_policy(policy: SuppressedPolicy, role: str) -> None:
    """403 when a role other than admin or analyst asks for `suppressed=show`."""
    if policy == SuppressedPolicy.SHOW and role not in SHOW_ROLES:
        raise Forbidden(
            "suppressed=show (numbers of estimates too unreliable to publish) needs one of "
            f"the roles: {', '.join(SHOW_ROLES)}.",
        )


def is_withheld(result: dict[str, Any]) -> bool:
    """Whether a published result carries no estimate because of withholding."""
    reasons = result.get("reliability_reasons", ())
    return result["reliability"] == Reliability.SUPPRESS or any(
        reason in reasons for reason in WITHHOLDING_REASONS
    )


def _has_number(result: dict[str, Any]) -> bool:
    return result.get("estimate") is not None


def _withhold(result: dict[str, Any], reason: str | None = None) -> dict[str, Any]:
    reasons = list(result.get("reliability_reasons", ()))
    if reason is not None:
        reasons.append(reason)
    withheld = {**result, **dict.fromkeys(WITHHELD_FIELDS), "reliability_reasons": reasons}
    target = result.get("target")
    if target is not None:  # a verdict from a withheld interval would tell where it lies
        withheld["target"] = {**target, "status": TargetStatus.UNCERTAIN}
    return withheld


def _total_withheld(total: dict[str, Any] | None) -> bool:
    """Whether a group's total is a gap: unreliable with a number (the engine's result), or
    empty in a published table though it has interviews."""
    if total is None:
        return False
    if total["reliability"] == Reliability.SUPPRESS:
        return _has_number(total) or bool(total.get("n"))
    return not _has_number(total) and bool(total.get("n"))


def _complement(
    parts: list[dict[str, Any]],
    members: set[int],
    withheld: set[int],
    total_is_gap: bool,
) -> set[int]:
    """The part to withhold besides `withheld` so that no single withheld number of the group
    (its `members` and its total) follows from the others: the smallest shown member."""
    gaps = [i for i in members & withheld if _has_number(parts[i])]
    if len(gaps) + int(total_is_gap) != 1:
        return set()
    shown = [i for i in members - withheld if _has_number(parts[i])]
    if not shown:
        return set()
    smallest = min(
        shown,
        key=lambda i: (
            parts[i]["n"],
            parts[i].get("population") or 0.0,
            str(parts[i]["domain"]),
        ),
    )
    return {smallest}


Group = tuple[dict[str, Any] | None, set[str]]  # a sub-total (its published result), its codes


def withheld_results(
    results: list[dict[str, Any]],
    province: dict[str, Any] | None = None,
    groups: list[Group] | None = None,
    held: set[str | None] | None = None,
) -> list[dict[str, Any]]:
    """A block's results under withholding: unreliable ones and their complements emptied.

    `results` may start with the province row (domain null); `province` is the province's
    result for a `by` table that does not hold it (published as withheld; public either way).
    `groups` are sub-totals published elsewhere whose parts are in this table — a district and
    its communes — each a partition to protect like the province's. `held`: the codes (None:
    the province) the round's default weighting withholds, withheld here too."""
    held = held or set()
    parts = [r for r in results if r["domain"] is not None]
    own_province = next((r for r in results if r["domain"] is None), None)
    codes = [_code(r["domain"]) for r in parts]
    province_is_gap = (
        _total_withheld(own_province) or (own_province is not None and None in held)
        if own_province is not None
        else _total_withheld(province)
    )
    partitions = [(province_is_gap, set(range(len(parts))))] + [
        (_total_withheld(total), {i for i, code in enumerate(codes) if code in members})
        for total, members in groups or []
    ]
    gaps = {i for i, r in enumerate(parts) if r["reliability"] == Reliability.SUPPRESS}
    gaps |= {i for i, code in enumerate(codes) if code in held}
    complement: set[int] = set()
    changed = bool(parts)
    while changed:  # a complement in one group may leave another with a single gap
        changed = False
        for total_is_gap, members in partitions:
            extra = _complement(parts, members, gaps | complement, total_is_gap)
            if extra:
                complement |= extra
                changed = True
    complementary_ids = {id(parts[i]) for i in complement}
    out = []
    for result in results:
        if result["reliability"] == Reliability.SUPPRESS:
            out.append(_withhold(result))
        elif _code(result["domain"]) in held:
            out.append(_withhold(result, DEFAULT_WEIGHTING))
        elif id(result) in complementary_ids:
            out.append(_withhold(result, COMPLEMENTARY))
        else:
            out.append(result)
    return out


def _code(domain: dict[str, str] | None) -> str | None:
    return None if domain is None else next(iter(domain.values()))


def withheld_report(
    report: dict[str, Any],
    province: dict[str, Any] | None = None,
    groups: dict[str, list[Group]] | None = None,
    held: dict[str, set[str | None]] | None = None,
) -> dict[str, Any]:
    """The report with every block withheld; `province`: the province-wide report of a `by`
    report without its province rows; `groups`: per indicator, the published sub-totals over
    this table's parts; `held`: per indicator, the codes the default weighting withholds. The
    (cached) report itself is never changed."""
    province_of = (
        {block["indicator"]: block["results"][0] for block in province["estimates"]}
        if province is not None
        else {}
    )
    return {
        **report,
        "estimates": [
            {
                **block,
                "results": withheld_results(
                    block["results"],
                    province_of.get(block["indicator"]),
                    (groups or {}).get(block["indicator"]),
                    (held or {}).get(block["indicator"]),
                ),
            }
            for block in report["estimates"]
        ],
    }


def with_overall(overall: dict[str, Any], by_report: dict[str, Any]) -> dict[str, Any]:
    """The `by` report with each indicator's province-wide result put first (domain null)."""
    province = {block["indicator"]: block["results"] for block in overall["estimates"]}
    return {
        **by_report,
        "estimates": [
            {**block, "results": [*province[block["indicator"]], *block["results"]]}
            for block in by_report["estimates"]
        ],
    }


def requested_report(
    survey_round: Round, query: dict[str, Any], source: EstimatesSource
) -> dict[str, Any]:
    """The report a validated query asks for: with the province rows when `overall`, under
    its `suppressed` policy."""
    if query["suppressed"] == SuppressedPolicy.SHOW:
        report = compute_estimates(survey_round, query, source)
        if query.get("overall") and query["by"]:
            report = with_overall(
                compute_estimates(survey_round, {**query, "by": None}, source), report
            )
        return report
    return published_report(survey_round, query, source)


def published_report(
    survey_round: Round, query: dict[str, Any], source: EstimatesSource
) -> dict[str, Any]:
    """The report under withholding: each table on its own (`_table_withheld`), then what the
    whole system of the round's tables would still give back (`audited_complements`)."""
    report = _table_withheld(survey_round, query, source)
    extra = audited_complements(survey_round, query, source)
    key = table_key(survey_round, query["by"], query.get("geography"))
    return {
        **report,
        "estimates": [
            {
                **block,
                "results": [
                    _withhold(r, COMPLEMENTARY)
                    if not is_withheld(r) and _row_key(key, r) in extra.get(block["indicator"], ())
                    else r
                    for r in block["results"]
                ],
            }
            for block in report["estimates"]
        ],
    }


def _table_withheld(
    survey_round: Round, query: dict[str, Any], source: EstimatesSource
) -> dict[str, Any]:
    """One table under withholding. It looks at the province row even without `overall`, a
    commune table at its districts' or former provinces' rows, and a table of another
    weighting than the round's default at what the default withholds."""
    report = compute_estimates(survey_round, query, source)
    held = held_in_default_weighting(survey_round, query, source)
    if not query["by"]:
        return withheld_report(report, held=held)
    province = _table_withheld(survey_round, {**query, "by": None, "overall": False}, source)
    groups = subtotal_groups(survey_round, query, source) if query["by"] == "commune" else None
    if query.get("overall"):
        own = with_overall(compute_estimates(survey_round, {**query, "by": None}, source), report)
        return withheld_report(own, None, groups, held)
    return withheld_report(report, province, groups, held)


def held_in_default_weighting(
    survey_round: Round, query: dict[str, Any], source: EstimatesSource
) -> dict[str, set[str | None]] | None:
    """Per indicator, the codes (None: the province) the same table withholds in the round's
    default weighting; None when the query is in that weighting."""
    default = applied_mode(survey_round, None)
    if applied_mode(survey_round, query.get("weighting")) is default:
        return None
    in_default = {**query, "weighting": None, "overall": bool(query["by"])}
    return withheld_domains(published_report(survey_round, in_default, source))


def subtotal_groups(
    survey_round: Round, query: dict[str, Any], source: EstimatesSource
) -> dict[str, list[Group]]:
    """Per indicator, each published sub-total of a commune table with its communes — the
    districts where the table's geography version has them, else the former provinces: a
    commune table must not give a withheld commune back through its sub-total."""
    level, parent_of = commune_parents(survey_round, query)
    members: dict[str, set[str]] = {}
    for commune, parent in parent_of.items():
        members.setdefault(parent, set()).add(commune)
    subtotals = _table_withheld(survey_round, {**query, "by": level, "overall": False}, source)
    return {
        block["indicator"]: [
            (result, members.get(_code(result["domain"]) or "", set()))
            for result in block["results"]
        ]
        for block in subtotals["estimates"]
    }


TableKey = tuple[str | None, str | None]  # (by, geography version of commune and grouping tables)
RowKey = tuple[TableKey, str | None]  # a table and a row's code
PROVINCE_ROW: RowKey = ((None, None), None)  # the province row, whichever table holds it
SPAN_TOLERANCE = 1e-7  # a residual this small (relative) is rounding: the vector is in the span


def table_key(survey_round: Round, by: str | None, geography: str | None) -> TableKey:
    """Which table a `by` and `geography` give: area, type, sector, district and former
    province are the same table in every version; communes and groupings are not."""
    if by == "commune" or (by or "").startswith(GROUPING_PREFIX):
        return by, geography or survey_round.geography
    return by, None


def _row_key(key: TableKey, result: dict[str, Any]) -> RowKey:
    return PROVINCE_ROW if result["domain"] is None else (key, _code(result["domain"]))


def family_tables(
    survey_round: Round, source: EstimatesSource
) -> list[tuple[TableKey, str | None, Domain | None]]:
    """Every table a planner can ask of the round, each as (key, geography, domain): the
    province, every `by` of its instrument, the former provinces, communes in every later
    geography version a crosswalk reaches, and every grouping of those versions."""
    own = survey_round.geography
    asked: list[tuple[str | None, str | None]] = [(None, None)]
    asked += [(by, None) for by in BY_DIMENSIONS[survey_round.instrument]]
    if own is not None:
        asked.append((FORMER_PROVINCE, None))
        for version in (own, *later_versions(own)):
            geography = None if version == own else version
            if geography is not None:
                asked.append(("commune", geography))
            asked += [
                (f"{GROUPING_PREFIX}{name}", geography)
                for name, _ in source.store.groupings.names(version)
            ]
    tables = []
    for by, geography in asked:
        lookup = None
        if by is not None and by.startswith(GROUPING_PREFIX):
            target = geography or own
            lookup = read_grouping(source.store, target, by.removeprefix(GROUPING_PREFIX))
        try:
            domain = domain_of(survey_round, by, geography, lookup)
        except DomainUnavailable:  # a version without districts
            continue
        tables.append((table_key(survey_round, by, geography), geography, domain))
    return tables


def later_versions(version_id: str) -> list[str]:
    """The geography versions a crosswalk reaches from `version_id`."""
    later = []
    for other in version_ids():
        if other == version_id:
            continue
        try:
            crosswalk(version_id, other)
        except GeographyNotFound:
            continue
        later.append(other)
    return later


def audited_complements(
    survey_round: Round, query: dict[str, Any], source: EstimatesSource
) -> dict[str, set[RowKey]]:
    """Per indicator, the rows withheld besides each table's own withholding so that no
    withheld number follows from the whole system of the round's tables in the query's
    weighting (cached with the estimates)."""
    store = source.store
    own = survey_round.geography
    groupings = tuple(
        (version, tuple(store.groupings.names(version)))
        for version in ((own, *later_versions(own)) if own is not None else ())
    )
    key = (
        "publication-audit",
        store.db.name,
        survey_round.id,
        source.version_of(survey_round),
        tuple(requested_indicators(survey_round.instrument, query)),
        applied_mode(survey_round, query.get("weighting")),
        groupings,
    )
    extra: dict[str, set[RowKey]] = source.cache.get_or_compute(
        key, lambda: _audit(survey_round, query, source)
    )
    return extra


def _audit(
    survey_round: Round, query: dict[str, Any], source: EstimatesSource
) -> dict[str, set[RowKey]]:
    _, cells = source.store.cells.read(survey_round.id)
    counted = sorted({c["cell"] for c in cells if c.get("n")})
    keys = [CellKey.parse(cell) for cell in counted]
    rows: dict[str, list[tuple[RowKey, np.ndarray, bool, tuple[Any, ...]]]] = {}
    for order, (key, geography, domain) in enumerate(family_tables(survey_round, source)):
        table = {**query, "by": domain and domain.name, "geography": geography, "overall": False}
        raw = compute_estimates(survey_round, table, source)
        shown = _table_withheld(survey_round, table, source)
        labels = np.array(
            [domain.label(key) for key in keys] if domain is not None else [""] * len(counted)
        )
        for raw_block, block in zip(raw["estimates"], shown["estimates"], strict=True):
            # matched by domain, not position: a submission stored between the two reads may
            # have added a domain to one of them
            shown_rows = {_row_key(key, result): result for result in block["results"]}
            for raw_result in raw_block["results"]:
                row = _row_key(key, raw_result)
                result = shown_rows.get(row)
                if result is None or not _has_number(raw_result):
                    continue  # nobody has this number: nothing to protect, nothing to use
                vector = (labels == (row[1] or "")).astype(float)
                size = (raw_result["n"], raw_result.get("population") or 0.0, order, str(row))
                rows.setdefault(block["indicator"], []).append(
                    (row, vector, _has_number(result), size)
                )
    return {indicator: _complements_of(found) for indicator, found in rows.items()}


def _complements_of(rows: list[tuple[RowKey, np.ndarray, bool, tuple[Any, ...]]]) -> set[RowKey]:
    """The shown rows to withhold so that no withheld row's vector lies in the span of the
    shown rows' vectors (each row's total is the sum of its cells' totals, so a withheld total
    is determined iff its vector is a combination of shown ones). The shown rows are taken
    largest first into an orthonormal basis of what is published; a row that would put a
    withheld vector in the span is withheld instead — the smallest row of that combination."""
    vectors = np.unique(np.array([vector for _, vector, _, _ in rows]), axis=1)
    norms = np.linalg.norm(vectors, axis=1)
    hidden = [i for i, (_, _, visible, _) in enumerate(rows) if not visible and norms[i] > 0]
    residuals = vectors[hidden]
    scale = norms[hidden]
    basis = np.zeros((0, vectors.shape[1]))
    extra: set[RowKey] = set()
    largest_first = sorted(
        (i for i, (_, _, visible, _) in enumerate(rows) if visible),
        key=lambda i: rows[i][3],
        reverse=True,
    )
    for i in largest_first:
        residual = _orthogonal_part(basis, vectors[i])
        length = float(np.linalg.norm(residual))
        if length <= SPAN_TOLERANCE * norms[i]:
            continue  # already a combination of what is shown: it tells nothing new
        direction = residual / length
        after = residuals - np.outer(residuals @ direction, direction)
        if np.any(np.linalg.norm(after, axis=1) <= SPAN_TOLERANCE * scale):
            extra.add(rows[i][0])
            residuals = np.vstack([residuals, residual])
            scale = np.append(scale, norms[i])
        else:
            basis = np.vstack([basis, direction])
            residuals = after
    return extra


def _orthogonal_part(basis: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """`vector` less its projection on the orthonormal rows of `basis` (twice, for rounding)."""
    once = vector - basis.T @ (basis @ vector)
    part: np.ndarray = once - basis.T @ (basis @ once)
    return part


def commune_parents(survey_round: Round, query: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The `by` whose rows are sub-totals of a commune table, and each commune's row there:
    the round's frame for free codes, else the geography version the table is expressed in."""
    version_id = query.get("geography") or survey_round.geography
    if version_id is None:
        communes = survey_round.frame_communes
        return "district", {code: commune["district"] for code, commune in communes.items()}
    version = load_version(version_id)
    if version.has_districts:
        return "district", {unit.code: unit.parent or "" for unit in version.communes}
    return "former_province", dict(former_provinces(version_id))


def withheld_domains(report: dict[str, Any]) -> dict[str, set[str | None]]:
    """indicator → the domain codes (None: province) a withheld report leaves empty."""
    return {
        block["indicator"]: {_code(r["domain"]) for r in block["results"] if is_withheld(r)}
        for block in report["estimates"]
    }


# the numbers of a change row that tell either round's estimate, or their difference
CHANGE_WITHHELD_FIELDS = (
    *("from_estimate", "to_estimate", "difference", "se", "ci_low", "ci_high"),
    *("p_value", "significant"),
)
CHANGE_WITHHELD_REASON = "suppressed"


def withheld_changes(
    report: dict[str, Any], withheld: Iterable[dict[str, set[str | None]]]
) -> dict[str, Any]:
    """The change report with every row emptied where either round's estimate is withheld
    (`withheld`: each round's `withheld_domains`), reason `suppressed` (unless it has one:
    `missing_in_round`)."""
    rounds = list(withheld)

    def hidden(indicator: str, domain: dict[str, str] | None) -> bool:
        return any(_code(domain) in per_round.get(indicator, set()) for per_round in rounds)

    return {
        **report,
        "changes": [
            {
                **block,
                "results": [
                    {
                        **result,
                        **dict.fromkeys(CHANGE_WITHHELD_FIELDS),
                        "reason": result.get("reason") or CHANGE_WITHHELD_REASON,
                    }
                    if hidden(block["indicator"], result["domain"])
                    else result
                    for result in block["results"]
                ],
            }
            for block in report["changes"]
        ],
    }
