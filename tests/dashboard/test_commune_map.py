"""The commune map's drawing (service/dashboard/commune_map/build.py): the 99 communes of the new
Lào Cai (vn-2025-07), small, with its source and licence, and exactly what the committed build
makes from the committed centre points (so the file in the repository can be rebuilt)."""

from __future__ import annotations

import json
import re

from service.dashboard.commune_map.build import OUTPUT, build, read_centres

DRAWING = json.loads(OUTPUT.read_text("utf-8"))


def test_the_committed_drawing_is_what_the_build_makes() -> None:
    assert build(read_centres()) == DRAWING


def test_the_drawing_has_the_99_communes_of_the_new_province_once_each() -> None:
    communes = DRAWING["communes"]
    codes = [commune["code"] for commune in communes]

    assert DRAWING["geography"] == "vn-2025-07"
    assert len(codes) == len(set(codes)) == 99
    assert all(re.fullmatch(r"\d{5}", code) for code in codes)
    kinds = [commune["kind"] for commune in communes]
    assert (kinds.count("xa"), kinds.count("phuong")) == (89, 10)


def test_every_shape_is_a_closed_path_inside_the_view_box() -> None:
    _, _, width, height = map(float, DRAWING["view_box"].split())
    for commune in DRAWING["communes"]:
        assert commune["path"].startswith("M") and commune["path"].endswith("Z")
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", commune["path"])]
        xs, ys = numbers[0::2], numbers[1::2]
        assert len(xs) >= 3
        assert min(xs) >= 0 and max(xs) <= width and min(ys) >= 0 and max(ys) <= height
        x, y = commune["centre"]
        assert min(xs) <= x <= max(xs) and min(ys) <= y <= max(ys)


def test_the_drawing_is_small_and_says_where_it_comes_from() -> None:
    assert OUTPUT.stat().st_size < 300_000
    source = DRAWING["source"]
    assert source["licence"] == "CC BY 4.0" and "open-admin-data" in source["attribution"]
    assert DRAWING["drawing"] == "schematic"
    assert DRAWING["build"] == "python -m service.dashboard.commune_map.build"
