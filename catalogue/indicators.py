"""The indicators (docs/design.md §5): what each measures and how it is estimated.

Their targets are in the targets register (catalogue/targets)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from catalogue.instruments import Instrument


class IndicatorKind(StrEnum):
    """How an indicator is estimated; each value names the scoring engine's estimand kind."""

    PROPORTION = "proportion"  # share of units (households, businesses)
    MEMBER_PROPORTION = "member_proportion"  # share of persons 15+ within households (a ratio)
    MEAN = "mean"  # mean score

    @property
    def is_rate(self) -> bool:
        """Rates lie in [0, 1], get the proportion CIs (R svyciprop) and rate targets."""
        match self:
            case IndicatorKind.PROPORTION | IndicatorKind.MEMBER_PROPORTION:
                return True
            case IndicatorKind.MEAN:
                return False


@dataclass(frozen=True)
class Indicator:
    id: str
    instrument: Instrument
    unit: Literal["households", "persons_15plus", "businesses"]
    kind: IndicatorKind
    definition: str  # English
    definition_vi: str
    label_en: str
    label_vi: str

    @property
    def is_rate(self) -> bool:
        return self.kind.is_rate


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "fiber_available",
        Instrument.HOUSEHOLD,
        "households",
        IndicatorKind.PROPORTION,
        "Fiber broadband reaches the home",
        "Đường cáp quang băng rộng đã kéo đến tận nhà",
        "Fiber broadband available",
        "Hộ gia đình có cáp quang",
    ),
    Indicator(
        "fiber_subscribed",
        Instrument.HOUSEHOLD,
        "households",
        IndicatorKind.PROPORTION,
        "The household subscribes to fiber broadband",
        "Hộ gia đình đăng ký sử dụng Internet cáp quang băng rộng",
        "Fiber broadband subscribed",
        "Hộ gia đình sử dụng cáp quang",
    ),
    Indicator(
        "mobile_4g_5g",
        Instrument.HOUSEHOLD,
        "households",
        IndicatorKind.PROPORTION,
        "A member of the household uses 4G/5G mobile broadband",
        "Có thành viên trong hộ gia đình sử dụng băng rộng di động 4G/5G",
        "4G/5G in the household",
        "Hộ gia đình sử dụng 4G/5G",
    ),
    Indicator(
        "smartphone_household",
        Instrument.HOUSEHOLD,
        "households",
        IndicatorKind.PROPORTION,
        "The household has at least one smartphone",
        "Hộ gia đình có ít nhất một điện thoại thông minh",
        "Household with a smartphone",
        "Hộ gia đình có điện thoại thông minh",
    ),
    Indicator(
        "epay_account",
        Instrument.HOUSEHOLD,
        "persons_15plus",
        IndicatorKind.MEMBER_PROPORTION,
        "Share of people aged 15 and over with an electronic payment account, "
        "counting every household member aged 15 and over",
        "Tỷ lệ người từ 15 tuổi trở lên có tài khoản thanh toán điện tử, "
        "tính trên mọi thành viên từ 15 tuổi trở lên của hộ",
        "Adults with an e-payment account",
        "Người từ 15 tuổi có tài khoản thanh toán điện tử",
    ),
    Indicator(
        "egov_mobile",
        Instrument.HOUSEHOLD,
        "persons_15plus",
        IndicatorKind.MEMBER_PROPORTION,
        "Share of people aged 15 and over using online public services on a mobile device, "
        "counting every household member aged 15 and over",
        "Tỷ lệ người từ 15 tuổi trở lên sử dụng dịch vụ công trực tuyến trên thiết bị di động, "
        "tính trên mọi thành viên từ 15 tuổi trở lên của hộ",
        "Adults using e-government on mobile",
        "Người từ 15 tuổi dùng dịch vụ công trực tuyến trên di động",
    ),
    Indicator(
        "it_use",
        Instrument.BUSINESS,
        "businesses",
        IndicatorKind.PROPORTION,
        "The business applies IT in its operations",
        "Doanh nghiệp ứng dụng công nghệ thông tin trong hoạt động sản xuất, kinh doanh",
        "Businesses applying IT",
        "Doanh nghiệp ứng dụng công nghệ thông tin",
    ),
    Indicator(
        "e_transactions",
        Instrument.BUSINESS,
        "businesses",
        IndicatorKind.PROPORTION,
        "The business transacts electronically",
        "Doanh nghiệp thực hiện giao dịch điện tử",
        "Businesses transacting online",
        "Doanh nghiệp giao dịch điện tử",
    ),
    Indicator(
        "digital_maturity",
        Instrument.BUSINESS,
        "businesses",
        IndicatorKind.MEAN,
        "How many of six digital practices a business uses (e-invoices, digital signature, "
        "online sales, cashless payments, accounting or cloud software, a website or social "
        "page), from 0 for none to 100 for all six; the average over businesses",
        "Doanh nghiệp áp dụng bao nhiêu trong sáu thực hành số (hóa đơn điện tử, chữ ký số, "
        "bán hàng trực tuyến, thanh toán không dùng tiền mặt, phần mềm kế toán hoặc điện toán "
        "đám mây, trang web hoặc trang mạng xã hội), từ 0 khi không có đến 100 khi đủ cả sáu; "
        "trung bình của các doanh nghiệp",
        "Digital maturity score (0–100)",
        "Mức độ trưởng thành số (0–100)",
    ),
)

INDICATORS_BY_ID: dict[str, Indicator] = {indicator.id: indicator for indicator in INDICATORS}


def indicators_of(instrument: str) -> list[Indicator]:
    return [indicator for indicator in INDICATORS if indicator.instrument == instrument]


def unit_values(indicator: Indicator, answers: dict[str, Any]) -> tuple[float, float]:
    """(y, x) of one interview: y the value or count, x the unit's size (1, or persons 15+)."""
    match indicator.id:
        case "smartphone_household":
            return float(answers["smartphones"] >= 1), 1.0
        case "epay_account":
            return float(answers["members_15plus_with_epay"]), float(answers["members_15plus"])
        case "egov_mobile":
            return float(answers["members_15plus_egov_mobile"]), float(answers["members_15plus"])
        case "digital_maturity":
            practices = answers["practices"]
            return 100.0 * sum(bool(v) for v in practices.values()) / len(practices), 1.0
        case "it_use":
            return float(answers["uses_it"]), 1.0
        case _:
            return float(answers[indicator.id]), 1.0
