"""Lào Cai's districts (GSO administrative codes, before the 2025 reorganisation)."""

LAO_CAI_DISTRICTS: dict[str, str] = {
    "080": "Thành phố Lào Cai",
    "082": "Huyện Bát Xát",
    "083": "Huyện Mường Khương",
    "084": "Huyện Si Ma Cai",
    "085": "Huyện Bắc Hà",
    "086": "Huyện Bảo Thắng",
    "087": "Huyện Bảo Yên",
    "088": "Thị xã Sa Pa",
    "089": "Huyện Văn Bàn",
}
