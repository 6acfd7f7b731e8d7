"""Build the geography versions and the crosswalk from the public sources in `sources/`.

    python -m catalogue.geography.build extract --mirrors DIR   # upstream repositories → sources/
    python -m catalogue.geography.build                          # sources/ → data/

`extract` reads git clones of the upstream repositories (named `owner+name`, each with a
`repo` git directory, at the commits pinned in SOURCES) and writes the few facts taken from
them into `sources/`: the pre-reform list of former provinces 10 and 15, the new list of
province 15 with the government map site's "before the merger" text, dvhcvn/20250701's
machine-extracted old → new mapping, and the text of Resolution 1673/NQ-UBTVQH15.

`build` derives the crosswalk from the resolution's text alone (the authority): every
clause "Sắp xếp toàn bộ diện tích tự nhiên, quy mô dân số của <former units> thành <xã|phường>
mới có tên gọi là <new unit>" and the closing list of the 8 units left unchanged. Names are
resolved to codes in the pre-reform list (tone-mark placement ignored, a qualifier such as
"(thành phố Lào Cai)" naming the district); a name that recurs in two districts and carries
no qualifier is refused. The machine-extracted mapping and the map site's text are the
independent cross-checks (tests/geography/test_geography_data.py); the build refuses to write when
the resolution disagrees with either.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCES_DIR = HERE / "sources"
DATA_DIR = HERE / "data"

FORMER_PROVINCES = ("10", "15")
NEW_PROVINCE = "15"

OLD_LIST = "vn-2025-03-lao-cai-yen-bai.json"
NEW_LIST = "vn-2025-07-lao-cai.json"
MACHINE_MAPPING = "dvhcvn-20250701-mapping.json"
RESOLUTION = "1673_NQ-UBTVQH15.md"

SOURCES: dict[str, dict[str, str]] = {
    "dvhcvn/20250701": {
        "url": "https://github.com/dvhcvn/20250701",
        "commit": "dd94887ce32324380bc5bb0a76fe39867dafc73b",
        "licence": "MIT (Copyright (c) 2025 dvhcvn)",
        "used_for": (
            "the pre-reform list of former provinces 10 and 15 (codes, names, districts: the "
            "GSO list as of 1 March 2025); the text of Resolution 1673/NQ-UBTVQH15 "
            "(input/docs); its machine-extracted old → new mapping, for cross-checking only"
        ),
    },
    "thanglequoc/vietnamese-provinces-database": {
        "url": "https://github.com/thanglequoc/vietnamese-provinces-database",
        "commit": "cd58063299585146ded3981f2272946ef19ced54",
        "licence": "MIT (Copyright (c) 2021 Thang Le Quoc)",
        "used_for": (
            "the list and codes of province 15's 99 commune-level units since 1 July 2025 "
            "(QĐ 19/2025/QĐ-TTg, Cục Thống kê 1027/CTK-CSCL); the government map site's "
            "(sapnhap.bando.com.vn) 'before the merger' text per new unit, for cross-checking"
        ),
    },
    "daohoangson/dvhcvn": {
        "url": "https://github.com/daohoangson/dvhcvn",
        "commit": "4b1b6b59c5880c620722663bcb48c5c105364be5",
        "licence": "GPL-3.0 (code); read at extract time only, to confirm the pre-reform list",
        "used_for": "confirming the pre-reform list (data_date 01/03/2025); nothing of it ships",
    },
}

LEGAL_BASIS = [
    {"document": "NQ 202/2025/QH15", "date": "2025-06-12", "what": "provinces merged"},
    {"document": "NQ 1673/NQ-UBTVQH15", "date": "2025-06-16", "what": "Lào Cai's communes"},
    {
        "document": "QĐ 19/2025/QĐ-TTg",
        "date": "2025-06-30",
        "what": "list and codes of administrative units, in force 1 July 2025",
    },
    {"document": "915/CTK-CSCL", "date": "2025", "what": "province codes"},
    {"document": "1027/CTK-CSCL", "date": "2025", "what": "commune codes"},
]

COMMUNE_KINDS = {"xã": "xã", "phường": "phường", "thị trấn": "thị trấn"}
DISTRICT_KINDS = ("thành phố", "thị xã", "huyện")
PROVINCE_NAMES = {"vn-2025-03": {"10": "Tỉnh Lào Cai", "15": "Tỉnh Yên Bái"}}

# The resolution spells 12 former units otherwise than the GSO list does; each pair was
# confirmed by the unit's district and by both cross-checks (the map site's text and the
# machine-extracted mapping name the same code). "Nông trường" (state farm) is abbreviated
# NT / N.T in the list.
SPELLINGS: dict[str, str] = {
    "thị trấn Mù Cang Chải": "thị trấn Mù Căng Chải",
    "thị trấn Nông trường Liên Sơn": "thị trấn NT Liên Sơn",
    "thị trấn Nông trường Trần Phú": "thị trấn NT Trần Phú",
    "thị trấn Nông trường Phong Hải": "thị trấn N.T Phong Hải",
    "xã Dế Xu Phình": "xã Dế Su Phình",
    "xã Hát Lừu": "xã Hát Lìu",
    "xã Nậm Dạng": "xã Nậm Rạng",
    "xã Thẳm Dương": "xã Thẩm Dương",
    "xã Nậm Chày": "xã Nậm Chầy",
    "xã Tả Ngài Chồ": "xã Tả Ngải Chồ",
    "xã Nàn Sín": "xã Nàn Xín",
    "xã Tà Xi Láng": "xã Tà Si Láng",
}

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def name_key(name: str) -> str:
    """A name's comparison key: lower case, each syllable's tone mark moved to its end.

    The resolution and the code lists place tone marks differently ("Hòa" / "Hoà").
    """
    syllables = []
    for syllable in unicodedata.normalize("NFD", name.strip().lower()).split():
        tones = "".join(c for c in syllable if c in _TONES)
        syllables.append("".join(c for c in syllable if c not in _TONES) + tones)
    return " ".join(syllables)


def ascii_name(name: str) -> str:
    """The name without diacritics (đ → d), for search and file names."""
    folded = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in folded if not unicodedata.combining(c))


def split_kind(full_name: str, kinds: tuple[str, ...] | dict[str, str]) -> tuple[str, str]:
    """('Phường Nam Cường') → ('phường', 'Nam Cường')."""
    lowered = full_name.lower()
    for kind in sorted(kinds, key=len, reverse=True):
        if lowered.startswith(kind + " "):
            return kind, full_name[len(kind) + 1 :].strip()
    raise ValueError(f"no kind in {full_name!r}")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---- extract: upstream repositories → sources/ -------------------------------------------


def _git_show(mirrors: Path, repo: str, path: str) -> bytes:
    git_dir = mirrors / repo.replace("/", "+") / "repo"
    commit = SOURCES[repo]["commit"]
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"],
        check=True,
        capture_output=True,
    ).stdout


def _git_ls(mirrors: Path, repo: str, path: str) -> list[str]:
    git_dir = mirrors / repo.replace("/", "+") / "repo"
    commit = SOURCES[repo]["commit"]
    out = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "--name-only", commit, path],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()


def _write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def extract(mirrors: Path) -> None:
    """Take the facts this build needs from the upstream repositories into sources/."""
    SOURCES_DIR.mkdir(exist_ok=True)
    repo = "dvhcvn/20250701"
    splits = json.loads(_git_show(mirrors, repo, "mapping/splits.json"))["data"]
    provinces = []
    for province in splits:
        if province["level1_id"] not in FORMER_PROVINCES:
            continue
        code = province["level1_id"]
        district_of: dict[str, tuple[str, str]] = {}
        for path in _git_ls(mirrors, repo, f"output/{code}/"):
            _, _, district, commune_file = path.split("/")
            address = json.loads(_git_show(mirrors, repo, path))["address"]
            district_name = address.split(", ")[1]
            district_of[commune_file.removesuffix(".json")] = (district, district_name)
        communes = [
            {
                "code": c["level3_id"],
                "name": c["name"],
                "district": district_of[c["level3_id"]][0],
                "district_name": district_of[c["level3_id"]][1],
            }
            for c in province["level3s"]
        ]
        provinces.append({"code": code, "name": province["name"], "communes": communes})
    _confirm_old_list(mirrors, provinces)
    _write_json(
        SOURCES_DIR / OLD_LIST,
        {
            "source": "dvhcvn/20250701 mapping/splits.json and output/{10,15}/ (MIT)",
            "provinces": provinces,
        },
    )
    mapping = {
        c["level3_id"]: [s["new_id"] for s in c["splits"]]
        for province in splits
        if province["level1_id"] in FORMER_PROVINCES
        for c in province["level3s"]
    }
    _write_json(
        SOURCES_DIR / MACHINE_MAPPING,
        {
            "source": "dvhcvn/20250701 mapping/splits.json (MIT); machine-extracted: "
            "cross-checking only",
            "mapping": mapping,
        },
    )
    (SOURCES_DIR / RESOLUTION).write_bytes(_git_show(mirrors, repo, f"input/docs/{RESOLUTION}"))

    repo = "thanglequoc/vietnamese-provinces-database"
    units = json.loads(
        _git_show(mirrors, repo, "json/full_json_generated_data_vn_units_2026-07-25__20_49_07.json")
    )
    (province,) = [p for p in units if p["Code"] == NEW_PROVINCE]
    before = {
        row["ma"]: row["truocsapnhap"]
        for row in json.loads(
            _git_show(
                mirrors,
                repo,
                "dataset-generation-scripts/sapnhap-bando-crawler/donvi_tinhthanh.json",
            )
        )
        if row["magoc"] == NEW_PROVINCE
    }
    _write_json(
        SOURCES_DIR / NEW_LIST,
        {
            "source": "thanglequoc/vietnamese-provinces-database json/full_json_generated_data_"
            "vn_units_2026-07-25__20_49_07.json and dataset-generation-scripts/sapnhap-bando-"
            "crawler/donvi_tinhthanh.json (MIT)",
            "province": {"code": province["Code"], "name": province["FullName"]},
            "communes": [
                {"code": w["Code"], "name": w["FullName"], "before_merger": before[w["Code"]]}
                for w in province["Wards"]
            ],
        },
    )


def _confirm_old_list(mirrors: Path, provinces: list[dict[str, Any]]) -> None:
    """The pre-reform list must equal daohoangson/dvhcvn's list of 1 March 2025."""
    other = json.loads(_git_show(mirrors, "daohoangson/dvhcvn", "data/dvhcvn.json"))
    if other["data_date"] != "01/03/2025":
        raise SystemExit(f"daohoangson/dvhcvn is dated {other['data_date']}, not 01/03/2025")
    theirs = {
        (p["level1_id"], d["level2_id"], d["name"], c["level3_id"], c["name"])
        for p in other["data"]
        if p["level1_id"] in FORMER_PROVINCES
        for d in p["level2s"]
        for c in d["level3s"]
    }
    ours = {
        (p["code"], c["district"], c["district_name"], c["code"], c["name"])
        for p in provinces
        for c in p["communes"]
    }
    if ours != theirs:
        raise SystemExit(f"pre-reform lists differ: {sorted(ours ^ theirs)[:10]}")


# ---- build: sources/ → data/ ---------------------------------------------------------------


_CLAUSE = re.compile(
    r"^\d+\\?\. Sắp xếp toàn bộ diện tích tự nhiên, quy mô dân số của (?P<parts>.+?) "
    r"thành (?:xã|phường) mới có tên gọi là \*\*(?P<new>.+?)\*\*\.$"
)
_UNCHANGED = re.compile(r"không thực hiện sắp xếp là các (?P<kind>xã|phường) (?P<names>.+?)\.$")
_PART_PREFIX = re.compile(r"^(?:các )?(?P<kind>xã|phường|thị trấn) ")
_QUALIFIER = re.compile(r"^(?P<name>.+?) \((?P<district>[^)]+)\)$")


def resolution_clauses(text: str) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """Article 1 of the resolution → ([(new unit, [former units])], [unchanged units])."""
    body = unicodedata.normalize("NFC", text).split("**Điều 1.", 1)[1].split("**Điều 2.", 1)[0]
    paragraphs = re.split(r"\n(?=\d+\\?\. )", body)
    merges: list[tuple[str, list[str]]] = []
    unchanged: list[str] = []
    for paragraph in paragraphs:
        line = " ".join(paragraph.split())
        clause = _CLAUSE.match(line)
        if clause:
            merges.append((clause["new"], _former_units(clause["parts"])))
            continue
        kept = _UNCHANGED.search(line)
        if kept:
            unchanged = [f"{kept['kind']} {name}" for name in _split_names(kept["names"])]
    return merges, unchanged


def _split_names(names: str) -> list[str]:
    return [part.strip() for piece in names.split(", ") for part in piece.split(" và ")]


def _former_units(parts: str) -> list[str]:
    """'các xã A, B và thị trấn C' → ['xã A', 'xã B', 'thị trấn C']."""
    units = []
    kind = None
    for part in _split_names(parts):
        prefix = _PART_PREFIX.match(part)
        if prefix:
            kind = prefix["kind"]
            part = part[prefix.end() :]
        if kind is None:
            raise ValueError(f"no kind before {part!r}")
        units.append(f"{kind} {part}")
    return units


def _resolve(
    unit: str,
    candidates: dict[tuple[str, str], list[dict[str, Any]]],
) -> dict[str, Any]:
    """'phường Nam Cường (thành phố Lào Cai)' → the one former commune it names."""
    qualified = _QUALIFIER.match(unit)
    district = None
    if qualified:
        unit, district = qualified["name"], qualified["district"]
    kind, name = split_kind(SPELLINGS.get(unit, unit), COMMUNE_KINDS)
    found = candidates.get((kind, name_key(name)), [])
    if district is not None:
        found = [c for c in found if name_key(c["district_name"]) == name_key(district)]
    if len(found) != 1:
        raise ValueError(f"{unit!r} ({district}) names {len(found)} former communes")
    return found[0]


def derive_crosswalk(
    old: dict[str, Any], new: dict[str, Any], resolution: str
) -> list[dict[str, str]]:
    """The resolution's clauses as rows (from_code, to_code, relation), ordered by from_code."""
    candidates: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for province in old["provinces"]:
        for commune in province["communes"]:
            kind, name = split_kind(commune["name"], COMMUNE_KINDS)
            candidates.setdefault((kind, name_key(name)), []).append(commune)
    new_by_name = {}
    for commune in new["communes"]:
        kind, name = split_kind(commune["name"], COMMUNE_KINDS)
        new_by_name[(kind, name_key(name))] = commune["code"]
    merges, unchanged = resolution_clauses(resolution)
    rows: list[dict[str, str]] = []
    for new_unit, former in merges:
        kind, name = split_kind(new_unit, COMMUNE_KINDS)
        to_code = new_by_name[(kind, name_key(name))]
        for unit in former:
            rows.append({"from_code": _resolve(unit, candidates)["code"], "to_code": to_code})
    for unit in unchanged:
        kind, name = split_kind(unit, COMMUNE_KINDS)
        to_code = new_by_name[(kind, name_key(name))]
        rows.append({"from_code": _resolve(unit, candidates)["code"], "to_code": to_code})
    for row in rows:
        row["relation"] = "whole"
    counts = Counter(row["from_code"] for row in rows)
    repeated = sorted(code for code, n in counts.items() if n > 1)
    old_codes = {c["code"] for p in old["provinces"] for c in p["communes"]}
    missing = sorted(old_codes - set(counts))
    unused = sorted({c["code"] for c in new["communes"]} - {row["to_code"] for row in rows})
    if repeated or missing or unused:
        raise ValueError(
            f"resolution does not map each former commune once: repeated {repeated}, "
            f"missing {missing}, new units without a former one {unused}"
        )
    return sorted(rows, key=lambda row: row["from_code"])


def _unit(
    code: str, level: str, full_name: str, parent: str | None, valid: tuple[str, str | None]
) -> dict[str, Any]:
    kinds: tuple[str, ...] | dict[str, str] = COMMUNE_KINDS
    if level != "commune":
        kinds = DISTRICT_KINDS if level == "district" else ("tỉnh",)
    kind, _ = split_kind(full_name, kinds)
    return {
        "code": code,
        "level": level,
        "kind": kind,
        "name_vi": full_name,
        "name_ascii": ascii_name(full_name),
        "parent": parent,
        "valid_from": valid[0],
        "valid_to": valid[1],
    }


def _built_from(*names: str) -> list[dict[str, str]]:
    return [{"file": f"sources/{name}", "sha256": sha256(SOURCES_DIR / name)} for name in names]


def _attribution(*repos: str) -> list[dict[str, str]]:
    return [{"repository": repo, **SOURCES[repo]} for repo in repos]


def build_versions() -> dict[str, Any]:
    """sources/ → {file name: payload} for data/."""
    old = json.loads((SOURCES_DIR / OLD_LIST).read_text(encoding="utf-8"))
    new = json.loads((SOURCES_DIR / NEW_LIST).read_text(encoding="utf-8"))
    resolution = (SOURCES_DIR / RESOLUTION).read_text(encoding="utf-8")

    before = ("2025-03-01", "2025-06-30")
    units = []
    for province in old["provinces"]:
        units.append(_unit(province["code"], "province", province["name"], None, before))
        districts = {c["district"]: c["district_name"] for c in province["communes"]}
        for code, name in sorted(districts.items()):
            units.append(_unit(code, "district", name, province["code"], before))
        for commune in sorted(province["communes"], key=lambda c: c["code"]):
            units.append(
                _unit(commune["code"], "commune", commune["name"], commune["district"], before)
            )
    common = {"legal_basis": LEGAL_BASIS}
    vn_2025_03 = {
        "id": "vn-2025-03",
        "title": "Lào Cai and Yên Bái as of 1 March 2025 (provinces, districts, communes)",
        "valid_from": before[0],
        "valid_to": before[1],
        **common,
        "sources": _attribution("dvhcvn/20250701", "daohoangson/dvhcvn"),
        "built_from": _built_from(OLD_LIST),
        "units": units,
    }
    after = ("2025-07-01", None)
    province = new["province"]
    units = [_unit(province["code"], "province", province["name"], None, after)]
    for commune in sorted(new["communes"], key=lambda c: c["code"]):
        units.append(_unit(commune["code"], "commune", commune["name"], province["code"], after))
    vn_2025_07 = {
        "id": "vn-2025-07",
        "title": "Lào Cai (merged with Yên Bái) from 1 July 2025 (province and communes)",
        "valid_from": after[0],
        "valid_to": after[1],
        **common,
        "sources": _attribution("thanglequoc/vietnamese-provinces-database"),
        "built_from": _built_from(NEW_LIST),
        "units": units,
    }
    rows = derive_crosswalk(old, new, resolution)
    crosswalk = "from_code,to_code,relation\n" + "".join(
        f"{r['from_code']},{r['to_code']},{r['relation']}\n" for r in rows
    )
    manifest = {
        "crosswalk-vn-2025-03-vn-2025-07.csv": {
            "from": "vn-2025-03",
            "to": "vn-2025-07",
            "derived_from": "the text of NQ 1673/NQ-UBTVQH15 (16 June 2025), Article 1",
            "sources": _attribution("dvhcvn/20250701", "thanglequoc/vietnamese-provinces-database"),
            "built_from": _built_from(RESOLUTION, OLD_LIST, NEW_LIST),
            "cross_checked_with": [
                f"sources/{MACHINE_MAPPING} (dvhcvn/20250701, machine-extracted)",
                f"sources/{NEW_LIST} before_merger (sapnhap.bando.com.vn text)",
            ],
        }
    }
    return {
        "vn-2025-03.json": vn_2025_03,
        "vn-2025-07.json": vn_2025_07,
        "crosswalk-vn-2025-03-vn-2025-07.csv": crosswalk,
        "crosswalks.json": manifest,
    }


def render(payload: Any) -> str:
    if isinstance(payload, str):
        return payload
    return json.dumps(payload, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m catalogue.geography.build")
    parser.add_argument("command", nargs="?", default="build", choices=["build", "extract"])
    parser.add_argument("--mirrors", type=Path, help="folder of upstream git clones (extract)")
    args = parser.parse_args(argv)
    if args.command == "extract":
        if args.mirrors is None:
            parser.error("extract needs --mirrors")
        extract(args.mirrors)
    DATA_DIR.mkdir(exist_ok=True)
    for name, payload in build_versions().items():
        (DATA_DIR / name).write_text(render(payload), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
