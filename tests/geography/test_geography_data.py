"""The geography versions and the crosswalk against the facts of NQ 1673/NQ-UBTVQH15 and two
independent sources (DESIGN §13)."""

import hashlib
import json
import re
from collections import Counter, defaultdict
from datetime import date

import pytest

from catalogue.geography import (
    LAO_CAI_DISTRICTS,
    GeographyNotFound,
    build,
    crosswalk,
    former_provinces,
    load_version,
    version_ids,
    version_in_force,
)
from catalogue.geography.versions import DATA_DIR

OLD, NEW = "vn-2025-03", "vn-2025-07"


@pytest.fixture(scope="module")
def old():
    return load_version(OLD)


@pytest.fixture(scope="module")
def new():
    return load_version(NEW)


@pytest.fixture(scope="module")
def walk():
    return crosswalk(OLD, NEW)


def _constituents(walk):
    by_new = defaultdict(list)
    for row in walk.rows:
        by_new[row.to_code].append(row.from_code)
    return by_new


def test_versions_are_listed_oldest_first():
    assert version_ids() == (OLD, NEW)
    assert version_in_force(date(2025, 6, 30)).id == OLD
    assert version_in_force(date(2025, 7, 1)).id == NEW
    assert version_in_force(date(2024, 1, 1)) is None


def test_former_provinces_have_151_and_168_communes_in_9_districts_each(old):
    assert [(p.code, p.name_vi) for p in old.provinces] == [
        ("10", "Tỉnh Lào Cai"),
        ("15", "Tỉnh Yên Bái"),
    ]
    for province, districts, communes in (("10", 9, 151), ("15", 9, 168)):
        in_province = old.units_at("district", parent=province)
        assert len(in_province) == districts
        assert sum(len(old.units_at("commune", parent=d.code)) for d in in_province) == communes
    assert len(old.communes) == 319


def test_new_lao_cai_has_99_communes_89_xa_10_phuong_and_no_districts(new):
    assert [(p.code, p.name_vi) for p in new.provinces] == [("15", "Tỉnh Lào Cai")]
    assert not new.has_districts
    assert Counter(c.kind for c in new.communes) == {"xã": 89, "phường": 10}
    assert {c.parent for c in new.communes} == {"15"}


def test_units_carry_every_field(old, new):
    for version in (old, new):
        for unit in version.units:
            assert unit.level in {"province", "district", "commune"}
            assert unit.name_vi.lower().startswith(unit.kind)
            assert unit.name_ascii.isascii()
            assert unit.valid_from == version.valid_from
            assert unit.valid_to == version.valid_to
            assert re.fullmatch(
                {"province": r"\d{2}", "district": r"\d{3}"}.get(unit.level, r"\d{5}"), unit.code
            )


def test_each_former_commune_maps_exactly_once_onto_a_new_commune(old, new, walk):
    assert len(walk.rows) == 319
    assert Counter(r.from_code for r in walk.rows) == Counter({c.code: 1 for c in old.communes})
    assert {r.to_code for r in walk.rows} == {c.code for c in new.communes}
    assert {r.relation for r in walk.rows} == {"whole"}


def test_the_eight_unchanged_communes(old, new, walk):
    unchanged = {to: froms[0] for to, froms in _constituents(walk).items() if len(froms) == 1}
    assert sorted(new.unit(code).name_vi for code in unchanged) == sorted(
        f"Xã {n}"
        for n in (
            "Nậm Xé",
            "Ngũ Chỉ Sơn",
            "Chế Tạo",
            "Lao Chải",
            "Nậm Có",
            "Tà Xi Láng",
            "Cát Thịnh",
            "Phong Dụ Thượng",
        )
    )
    assert all(old_code == new_code for new_code, old_code in unchanged.items())


def test_no_new_commune_straddles_the_former_provinces_and_12_straddle_districts(old, walk):
    straddling_districts = 0
    for froms in _constituents(walk).values():
        assert len({old.province_of(code) for code in froms}) == 1
        straddling_districts += len({old.unit(code).parent for code in froms}) > 1
    assert straddling_districts == 12
    assert Counter(former_provinces(NEW).values()) == {"10": 48, "15": 51}


@pytest.mark.parametrize(
    ("code", "before", "after", "maps_to"),
    [
        ("02671", "Phường Nam Cường", "Phường Cam Đường", "02671"),
        ("02641", "Phường Lào Cai", None, "02647"),
        ("02647", "Phường Kim Tân", "Phường Lào Cai", "02647"),
        ("03001", "Phường Sa Pa", None, "03006"),
        ("03006", "Phường Phan Si Păng", "Phường Sa Pa", "03006"),
        ("04273", "Phường Nam Cường", "Phường Nam Cường", "04273"),
    ],
)
def test_reused_codes_resolve_by_version(old, new, walk, code, before, after, maps_to):
    assert old.unit(code).name_vi == before
    assert (new.unit(code).name_vi if new.unit(code) else None) == after
    assert walk.map(code) == maps_to


def test_nam_cuong_is_two_former_communes_of_two_provinces(old):
    namesakes = [c for c in old.communes if c.name_vi == "Phường Nam Cường"]
    assert sorted((c.code, old.province_of(c.code)) for c in namesakes) == [
        ("02671", "10"),
        ("04273", "15"),
    ]


def test_lao_cai_districts_are_the_former_province_10_districts():
    assert LAO_CAI_DISTRICTS == {
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


def test_unknown_versions_and_crosswalks_are_refused():
    with pytest.raises(GeographyNotFound):
        load_version("vn-1999-01")
    with pytest.raises(GeographyNotFound):
        crosswalk(NEW, OLD)


def test_versions_are_frozen(new):
    with pytest.raises(AttributeError):
        new.unit("02671").name_vi = "x"  # type: ignore[misc]


# ---- the two independent cross-checks ------------------------------------------------------


def _sources(name):
    return json.loads((build.SOURCES_DIR / name).read_text(encoding="utf-8"))


def test_crosswalk_equals_the_machine_extracted_mapping_row_for_row(walk):
    """dvhcvn/20250701 (read by a language model from the same resolutions) agrees on all 319."""
    machine = _sources(build.MACHINE_MAPPING)["mapping"]
    assert len(machine) == 319
    assert {r.from_code: [r.to_code] for r in walk.rows} == machine


def test_crosswalk_names_what_the_government_map_site_lists_before_the_merger(old, new, walk):
    """sapnhap.bando.com.vn's text per new commune names exactly its former communes."""
    listed = {c["code"]: c["before_merger"] for c in _sources(build.NEW_LIST)["communes"]}
    for to_code, froms in _constituents(walk).items():
        text = listed[to_code]
        if text == "giữ nguyên":  # unchanged
            assert froms == [to_code]
            continue
        names = set()
        for part in text.split(", "):
            unit = re.sub(r" \([^)]*\)$", "", part.strip())
            unit = unit[0].lower() + unit[1:]
            unit = build.SPELLINGS.get(unit, unit)
            names.add(build.name_key(unit))
        assert names == {build.name_key(old.unit(code).name_vi) for code in froms}, to_code


# ---- the data are what the build script makes of the sources ------------------------------


def test_data_files_are_rebuilt_identically_from_the_sources():
    for name, payload in build.build_versions().items():
        assert (DATA_DIR / name).read_text(encoding="utf-8") == build.render(payload), name


def test_data_files_carry_sources_and_the_checksums_of_what_they_were_built_from(old, new, walk):
    for item in (old, new, walk):
        assert item.sources and all(s.licence and s.commit for s in item.sources)
        for built_from in item.built_from:
            path = build.HERE / built_from.file
            assert hashlib.sha256(path.read_bytes()).hexdigest() == built_from.sha256


def test_resolution_text_has_91_merges_and_8_unchanged():
    merges, unchanged = build.resolution_clauses(
        (build.SOURCES_DIR / build.RESOLUTION).read_text(encoding="utf-8")
    )
    assert len(merges) == 91
    assert len(unchanged) == 8
    assert sum(len(former) for _, former in merges) + len(unchanged) == 319
