"""The indicator catalogue (DESIGN §5): what each indicator measures and its 2025 target."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Instrument = Literal["household", "business"]
INSTRUMENTS: tuple[Instrument, ...] = ("household", "business")
TARGET_SOURCE = "Lào Cai Decision 1634/QĐ-UBND, 17 May 2021 (digital transformation plan 2021–2025)"


@dataclass(frozen=True)
class Indicator:
    id: str
    instrument: Instrument
    unit: Literal["households", "persons_15plus", "businesses"]
    # proportion of units; member_proportion = persons 15+ within households (a ratio); mean score
    kind: Literal["proportion", "member_proportion", "mean"]
    definition: str
    label_en: str
    label_vi: str
    default_target: float | None


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "fiber_available",
        "household",
        "households",
        "proportion",
        "Fiber broadband reaches the home",
        "Fiber broadband available",
        "Hộ gia đình có cáp quang",
        0.80,
    ),
    Indicator(
        "fiber_subscribed",
        "household",
        "households",
        "proportion",
        "The household subscribes to fiber broadband",
        "Fiber broadband subscribed",
        "Hộ gia đình sử dụng cáp quang",
        None,
    ),
    Indicator(
        "mobile_4g_5g",
        "household",
        "households",
        "proportion",
        "A member of the household uses 4G/5G mobile broadband",
        "4G/5G in the household",
        "Hộ gia đình sử dụng 4G/5G",
        1.00,
    ),
    Indicator(
        "smartphone_household",
        "household",
        "households",
        "proportion",
        "The household has at least one smartphone",
        "Household with a smartphone",
        "Hộ gia đình có điện thoại thông minh",
        1.00,
    ),
    Indicator(
        "epay_account",
        "household",
        "persons_15plus",
        "member_proportion",
        "Persons 15+ with an electronic payment account "
        "(Σ members_15plus_with_epay / Σ members_15plus)",
        "Adults with an e-payment account",
        "Người từ 15 tuổi có tài khoản thanh toán điện tử",
        0.40,
    ),
    Indicator(
        "egov_mobile",
        "household",
        "persons_15plus",
        "member_proportion",
        "Persons 15+ using e-government services from a mobile device "
        "(Σ members_15plus_egov_mobile / Σ members_15plus)",
        "Adults using e-government on mobile",
        "Người từ 15 tuổi dùng dịch vụ công trực tuyến trên di động",
        0.50,
    ),
    Indicator(
        "it_use",
        "business",
        "businesses",
        "proportion",
        "The business applies IT in its operations",
        "Businesses applying IT",
        "Doanh nghiệp ứng dụng công nghệ thông tin",
        0.90,
    ),
    Indicator(
        "e_transactions",
        "business",
        "businesses",
        "proportion",
        "The business transacts electronically",
        "Businesses transacting online",
        "Doanh nghiệp giao dịch điện tử",
        0.70,
    ),
    Indicator(
        "digital_maturity",
        "business",
        "businesses",
        "mean",
        "Mean of 100 × (digital practices in use) / 6",
        "Digital maturity score (0–100)",
        "Mức độ trưởng thành số (0–100)",
        None,
    ),
)

INDICATORS_BY_ID: dict[str, Indicator] = {indicator.id: indicator for indicator in INDICATORS}

BY_DIMENSIONS: dict[Instrument, tuple[str, ...]] = {
    "household": ("district", "commune", "area"),
    "business": ("district", "commune", "area", "type", "sector"),
}
ALL_BY_DIMENSIONS: tuple[str, ...] = ("district", "commune", "area", "type", "sector")


def indicators_of(instrument: str) -> list[Indicator]:
    return [indicator for indicator in INDICATORS if indicator.instrument == instrument]


def default_targets(instrument: str) -> dict[str, float]:
    return {
        indicator.id: indicator.default_target
        for indicator in indicators_of(instrument)
        if indicator.default_target is not None
    }
