"""Estimates as a report-ready XLSX (docs/design.md §15): names, not codes; headers in the
reader's language; rates as percentages to one decimal with their interval; reliability and the
target verdict in words with the target's source; a notes sheet; number formats, column widths
and a frozen header. The CSV stays the machine-readable table (codes and names)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from catalogue import INDICATORS_BY_ID, LAO_CAI_DISTRICTS
from catalogue.geography import load_version
from catalogue.geography.rounds import LEGACY_GEOGRAPHY
from service.domain.round import Round
from service.estimates.publication import COMPLEMENTARY, DEFAULT_WEIGHTING

WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "sheet": "Estimates",
        "notes": "Notes",
        "headers": (
            "Indicator",
            "Breakdown",
            "Area",
            "Estimate",
            "Lower limit",
            "Upper limit",
            "Interviews",
            "Reliability",
            "Why",
            "Target",
            "Against the target",
            "Target source",
        ),
        "province": "Lào Cai province",
        "set_for_round": "set for this round",
        "document_field": "short_en",
        "by": {
            "district": "District",
            "commune": "Commune",
            "former_province": "Former province (before 1 July 2025)",
            "area": "Urban / rural",
            "type": "Business type",
            "sector": "Economic sector (VSIC section)",
        },
        "codes": {
            "urban": "Urban",
            "rural": "Rural",
            "enterprise": "Enterprise",
            "cooperative": "Cooperative",
            "household_business": "Household business",
        },
        "reliability": {"ok": "Reliable", "review": "Use with care", "suppress": "Not published"},
        "withheld": "Not published",
        "status": {
            "met": "Target met",
            "not_met": "Target not met",
            "uncertain": "Too uncertain to say",
        },
        "reasons": {
            "n_eff": "too few interviews to publish",
            "ci_width": "the likely range is too wide to be useful",
            "relative_width": "the likely range is too wide compared with the estimate itself",
            "complement_width": "the likely range is wide for a share this close to 100%",
            "df": "the interviews come from too few communes to be sure of the range",
            "boundary": "everyone or no one interviewed said yes",
            "cv": "the estimate is too imprecise",
            "lonely_psu": "a group of the sample has only one commune",
            "fpc": "the round's population counts do not fit the communes interviewed",
            COMPLEMENTARY: "held back so that an unpublished estimate cannot be worked out "
            "from the province figure and the others",
            DEFAULT_WEIGHTING: "not published under the round's own weighting, so not "
            "published under this one either",
        },
        "notes_rows": (
            ("Round", "{round_id}"),
            ("Updated at", "{computed_at}"),
            ("Interviews", "{n_submissions}"),
            (
                "Method",
                "Design-based estimates (R survey): strata, communes as PSUs, weights; "
                "the interval is a {level:.0%} confidence interval ({ci_method}).",
            ),
            ("Weighting", "{weighting}"),
            (
                "Not published",
                "An estimate too unreliable to publish (NCHS rules) has no "
                "numbers; where one area's figure would follow from the province and the others, "
                "the smallest other area is held back too.",
            ),
            ("Use with care", "Published, but the interval is wide: read it with its range."),
            ("Target source", "{target_source}"),
        ),
    },
    "vi": {
        "sheet": "Ước lượng",
        "notes": "Ghi chú",
        "headers": (
            "Chỉ tiêu",
            "Phân tổ theo",
            "Địa bàn",
            "Ước lượng",
            "Cận dưới",
            "Cận trên",
            "Số phiếu",
            "Độ tin cậy",
            "Lý do",
            "Chỉ tiêu",
            "So với chỉ tiêu",
            "Nguồn chỉ tiêu",
        ),
        "province": "Toàn tỉnh Lào Cai",
        "set_for_round": "đặt riêng cho đợt khảo sát này",
        "document_field": "document",
        "by": {
            "district": "Huyện, thị xã, thành phố",
            "commune": "Xã, phường, thị trấn",
            "former_province": "Tỉnh cũ (trước 1/7/2025)",
            "area": "Thành thị / nông thôn",
            "type": "Loại hình doanh nghiệp",
            "sector": "Ngành kinh tế (mã ngành cấp 1 VSIC)",
        },
        "codes": {
            "urban": "Thành thị",
            "rural": "Nông thôn",
            "enterprise": "Doanh nghiệp",
            "cooperative": "Hợp tác xã",
            "household_business": "Hộ kinh doanh",
        },
        "reliability": {"ok": "Tin cậy", "review": "Dùng thận trọng", "suppress": "Không công bố"},
        "withheld": "Không công bố",
        "status": {
            "met": "Đạt chỉ tiêu",
            "not_met": "Chưa đạt chỉ tiêu",
            "uncertain": "Chưa đủ chắc chắn để kết luận",
        },
        "reasons": {
            "n_eff": "quá ít phiếu để công bố",
            "ci_width": "khoảng tin cậy quá rộng để sử dụng",
            "relative_width": "khoảng tin cậy quá rộng so với chính ước lượng",
            "complement_width": "khoảng tin cậy rộng khi tỷ lệ gần 100%",
            "df": "phiếu đến từ quá ít xã, phường",
            "boundary": "tất cả hoặc không ai được hỏi trả lời có",
            "cv": "ước lượng quá kém chính xác",
            "lonely_psu": "một nhóm của mẫu chỉ có một xã",
            "fpc": "số liệu tổng thể của đợt không khớp với các xã đã phỏng vấn",
            COMPLEMENTARY: "tạm không công bố để không ai tính ngược ra được ước lượng chưa "
            "công bố từ số của toàn tỉnh và các địa bàn khác",
            DEFAULT_WEIGHTING: "không công bố theo cách tính trọng số chính của đợt khảo sát, "
            "nên cũng không công bố theo cách này",
        },
        "notes_rows": (
            ("Đợt khảo sát", "{round_id}"),
            ("Cập nhật lúc", "{computed_at}"),
            ("Số phiếu", "{n_submissions}"),
            (
                "Phương pháp",
                "Ước lượng theo thiết kế mẫu (R survey): tầng, xã là đơn vị mẫu "
                "cấp 1, quyền số; khoảng tin cậy {level:.0%} ({ci_method}).",
            ),
            ("Quyền số", "{weighting}"),
            (
                "Không công bố",
                "Ước lượng quá kém tin cậy (theo tiêu chuẩn NCHS) không có số; "
                "khi số của một địa bàn có thể suy ra từ số toàn tỉnh và các địa bàn khác, địa bàn "
                "nhỏ nhất còn lại cũng tạm không công bố.",
            ),
            ("Dùng thận trọng", "Có công bố, nhưng khoảng tin cậy rộng: cần đọc kèm khoảng."),
            ("Nguồn chỉ tiêu", "{target_source}"),
        ),
    },
}
# the `by`s named by a geography version's units: the level of the unit (former provinces are
# the provinces of the version before 1 July 2025)
GEOGRAPHY_LEVELS = {"district": "district", "commune": "commune", "former_province": "province"}
WIDTHS = (38, 26, 28, 12, 12, 12, 11, 18, 48, 14, 26, 40)
PERCENT, NUMBER = "0.0%", "0.0"
LANGS = tuple(WORDS)


def domain_name(
    survey_round: Round, by: str, code: str, words: dict[str, Any], version_id: str | None
) -> str:
    """The area's name: from the geography version the table is expressed in, else the
    round's frame (free codes), else the code itself."""
    if by in GEOGRAPHY_LEVELS and version_id is not None:
        level_version = load_version(LEGACY_GEOGRAPHY if by == "former_province" else version_id)
        unit = level_version.unit(code, GEOGRAPHY_LEVELS[by])
        if unit is not None:
            return unit.name_vi
    match by:
        case "district":
            frame = survey_round.frame or {}
            names = frame.get("districts") or LAO_CAI_DISTRICTS  # a round without a frame
            return str(names.get(code, code))
        case "commune":
            return str((survey_round.frame_communes.get(code) or {}).get("name", code))
        case "sector" | "former_province":
            return code
        case _ if by.startswith("grouping:"):
            return code
        case _:
            return str(words["codes"].get(code, code))


def _weighting(report: dict[str, Any]) -> str:
    block = report.get("weighting") or {}
    steps = [f"input: {block.get('input', 'submitted')}"]
    steps += [f"{key}: {block[key]}" for key in ("nonresponse", "calibration") if block.get(key)]
    return ", ".join(steps)


def report_workbook(
    report: dict[str, Any], survey_round: Round, lang: str, geography: str | None = None
) -> bytes:
    words = WORDS[lang]
    version_id = geography or survey_round.geography
    book = Workbook()
    sheet = book.active
    sheet.title = words["sheet"]
    sheet.append(list(words["headers"]))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for block in report["estimates"]:
        indicator = INDICATORS_BY_ID[block["indicator"]]
        label = indicator.label_vi if lang == "vi" else indicator.label_en
        number_format = PERCENT if indicator.is_rate else NUMBER
        for result in block["results"]:
            domain = result["domain"]
            if domain is None:
                breakdown, area = "", words["province"]
            else:
                by, code = next(iter(domain.items()))
                breakdown = words["by"].get(by, by)
                area = domain_name(survey_round, by, code, words, version_id)
            withheld = result["estimate"] is None
            reliability = (
                words["withheld"] if withheld else words["reliability"][result["reliability"]]
            )
            reasons = "; ".join(
                words["reasons"].get(code, code) for code in result["reliability_reasons"]
            )
            target = result.get("target") or {}
            sheet.append(
                [
                    label,
                    breakdown,
                    area,
                    result["estimate"],
                    result["ci_low"],
                    result["ci_high"],
                    result["n"],
                    reliability,
                    reasons,
                    target.get("value"),
                    words["status"][target["status"]] if target else None,
                    source_text(target.get("source"), words) if target else None,
                ]
            )
            row = sheet.max_row
            for column in (4, 5, 6, 10):
                sheet.cell(row, column).number_format = number_format
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(words["notes"])
    level = report["estimates"][0]["level"] if report["estimates"] else 0.95
    ci_method = report["estimates"][0]["ci_method"] if report["estimates"] else ""
    values = {
        "round_id": report["round_id"],
        "computed_at": report["computed_at"],
        "n_submissions": report["n_submissions"],
        "level": level,
        "ci_method": ci_method,
        "weighting": _weighting(report),
        "target_source": "; ".join(_sources(report, words)) or "—",
    }
    for name, text in words["notes_rows"]:
        notes.append([name, text.format(**values)])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 100
    for cell in notes["A"]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def source_text(source: dict[str, Any] | None, words: dict[str, Any]) -> str:
    """Where a target comes from, in words: document, issuer, date and clause."""
    if not source or not source.get("document"):
        return str(words["set_for_round"])
    day = "/".join(reversed(source["date"].split("-")))
    document = source[words["document_field"]]
    return f"{document} ({source['issuer']}, {day}): {source['clause']}"


def _sources(report: dict[str, Any], words: dict[str, Any]) -> list[str]:
    texts = {
        source_text((result.get("target") or {}).get("source"), words)
        for block in report["estimates"]
        for result in block["results"]
        if result.get("target")
    }
    return sorted(texts)
