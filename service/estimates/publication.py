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
- a change between two rounds is withheld when either round's estimate is (`withheld_changes`).

`suppressed=show` (every number with its flag) is for the `admin` and `analyst` roles only
(`check_policy`); everyone else gets the withheld table by default and a 403 when asking more.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from catalogue import Role, SuppressedPolicy, TargetStatus
from catalogue.geography import former_provinces, load_version
from scoring import Reliability
from service.domain.errors import Forbidden
from service.domain.round import Round
from service.estimates.service import EstimatesSource, compute_estimates

# every field that tells the estimate or can be turned back into it (n_eff = p(1−p)/se²), and
# the population, the weight of the part in the recovery formula
WITHHELD_FIELDS = ("estimate", "se", "ci_low", "ci_high", "deff", "n_eff", "cv", "population")
COMPLEMENTARY = "complementary"  # the reason a reliable part is withheld with another
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
    return result["reliability"] == Reliability.SUPPRESS or COMPLEMENTARY in result.get(
        "reliability_reasons", ()
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
    total: dict[str, Any] | None,
) -> set[int]:
    """The part to withhold besides `withheld` so that no single withheld number of the group
    (its `members` and its `total`) follows from the others: the smallest shown member."""
    gaps = [i for i in members & withheld if _has_number(parts[i])]
    if len(gaps) + int(_total_withheld(total)) != 1:
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
) -> list[dict[str, Any]]:
    """A block's results under withholding: unreliable ones and their complements emptied.

    `results` may start with the province row (domain null); `province` is the province's
    result for a `by` table that does not hold it (it is public either way). `groups` are
    sub-totals published elsewhere whose parts are in this table — a district and its
    communes — each a partition to protect like the province's."""
    parts = [r for r in results if r["domain"] is not None]
    own_province = next((r for r in results if r["domain"] is None), None)
    codes = [_code(r["domain"]) for r in parts]
    partitions = [(own_province or province, set(range(len(parts))))] + [
        (total, {i for i, code in enumerate(codes) if code in members})
        for total, members in groups or []
    ]
    unreliable = {i for i, r in enumerate(parts) if r["reliability"] == Reliability.SUPPRESS}
    complement: set[int] = set()
    changed = bool(parts)
    while changed:  # a complement in one group may leave another with a single gap
        changed = False
        for total, members in partitions:
            extra = _complement(parts, members, unreliable | complement, total)
            if extra:
                complement |= extra
                changed = True
    complementary_ids = {id(parts[i]) for i in complement}
    out = []
    for result in results:
        if result["reliability"] == Reliability.SUPPRESS:
            out.append(_withhold(result))
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
) -> dict[str, Any]:
    """The report with every block withheld; `province`: the province-wide report of a `by`
    report without its province rows; `groups`: per indicator, the published sub-totals over
    this table's parts. The (cached) report itself is never changed."""
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
    its `suppressed` policy (withholding looks at the province row even without `overall`,
    and a commune table at its districts' or former provinces' published rows)."""
    report = compute_estimates(survey_round, query, source)
    if query["suppressed"] == SuppressedPolicy.SHOW:
        if query["overall"] and query["by"]:
            report = with_overall(
                compute_estimates(survey_round, {**query, "by": None}, source), report
            )
        return report
    if not query["by"]:
        return withheld_report(report)
    province = compute_estimates(survey_round, {**query, "by": None}, source)
    groups = (
        subtotal_groups(survey_round, query, province, source) if query["by"] == "commune" else None
    )
    if query["overall"]:
        return withheld_report(with_overall(province, report), None, groups)
    return withheld_report(report, province, groups)


def subtotal_groups(
    survey_round: Round,
    query: dict[str, Any],
    province: dict[str, Any],
    source: EstimatesSource,
) -> dict[str, list[Group]]:
    """Per indicator, each published sub-total of a commune table with its communes — the
    districts where the table's geography version has them, else the former provinces: a
    commune table must not give a withheld commune back through its sub-total."""
    level, parent_of = commune_parents(survey_round, query)
    members: dict[str, set[str]] = {}
    for commune, parent in parent_of.items():
        members.setdefault(parent, set()).add(commune)
    subtotals = withheld_report(
        compute_estimates(survey_round, {**query, "by": level}, source), province
    )
    return {
        block["indicator"]: [
            (result, members.get(_code(result["domain"]) or "", set()))
            for result in block["results"]
        ]
        for block in subtotals["estimates"]
    }


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
