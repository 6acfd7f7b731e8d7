"""Build the dashboard's commune map of the new Lào Cai (geography `vn-2025-07`) from the
communes' centre points: each commune gets the land nearer to its centre than to any other
(a Voronoi cell, scipy), cut to a disc around the centre so that the outline stays near the
province; the cells are projected to SVG paths once, here, and committed.

This is a schematic map, said so on the page: no boundary file of the 99 new communes whose
licence allows redistribution could be found (docs/planners.md, "The commune map"). A licensed
boundary file replaces the cells by running a boundary build into the same JSON shape.

    python -m service.dashboard.commune_map.build
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import Voronoi

HERE = Path(__file__).resolve().parent
CENTRES = HERE / "centres-vn-2025-07.csv"
OUTPUT = HERE.parent / "static" / "map" / "communes-vn-2025-07.json"
GEOGRAPHY = "vn-2025-07"
SOURCE = {
    "name": "Vietnam Administrative Divisions (open-admin-data), commune centre points",
    # no scheme: the page's assets name no address they could fetch
    # (tests/dashboard/test_dashboard_page.py)
    "repository": "github.com/open-admin-data/vietnam-administrative-divisions",
    "licence": "CC BY 4.0",
    "attribution": "Commune centre points © open-admin-data contributors, CC BY 4.0",
}
BUILD = "python -m service.dashboard.commune_map.build"
RADIUS_DEGREES = 0.11  # about 12 km: the cells of neighbouring centres meet, the outline stays near
DISC_SIDES = 32
WIDTH = 600.0  # SVG user units across; the page scales the drawing to its width
DECIMALS = 1


def read_centres(path: Path = CENTRES) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


Point = tuple[float, float]


def clip(polygon: list[Point], edge_a: Point, edge_b: Point) -> list[Point]:
    """Sutherland–Hodgman: the part of `polygon` left of the directed edge a→b."""

    def inside(p: Point) -> bool:
        return bool(
            (edge_b[0] - edge_a[0]) * (p[1] - edge_a[1])
            - (edge_b[1] - edge_a[1]) * (p[0] - edge_a[0])
            >= 0
        )

    def crossing(p: Point, q: Point) -> Point:
        dx, dy = q[0] - p[0], q[1] - p[1]
        ex, ey = edge_b[0] - edge_a[0], edge_b[1] - edge_a[1]
        t = (ex * (p[1] - edge_a[1]) - ey * (p[0] - edge_a[0])) / (ey * dx - ex * dy)
        return (p[0] + t * dx, p[1] + t * dy)

    out: list[Point] = []
    for i, current in enumerate(polygon):
        previous = polygon[i - 1]
        if inside(current):
            if not inside(previous):
                out.append(crossing(previous, current))
            out.append(current)
        elif inside(previous):
            out.append(crossing(previous, current))
    return out


def counter_clockwise(polygon: list[tuple[float, float]]) -> list[tuple[float, float]]:
    area = sum(
        a[0] * b[1] - b[0] * a[1] for a, b in zip(polygon, polygon[1:] + polygon[:1], strict=True)
    )
    return polygon if area > 0 else polygon[::-1]


def cells(points: np.ndarray, radius: float) -> list[list[tuple[float, float]]]:
    """Each point's Voronoi cell cut to a disc of `radius` around it (x = scaled lon, y = lat)."""
    span = float(np.ptp(points, axis=0).max()) + radius
    centre = points.mean(axis=0)
    far = [centre + span * 10 * np.array(d) for d in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
    diagram = Voronoi(np.vstack([points, far]))
    out = []
    for index, point in enumerate(points):
        region = diagram.regions[diagram.point_region[index]]
        assert region and -1 not in region, "every real point's cell is bounded"
        polygon = counter_clockwise([tuple(diagram.vertices[v]) for v in region])
        disc = [
            (
                point[0] + radius * math.cos(2 * math.pi * k / DISC_SIDES),
                point[1] + radius * math.sin(2 * math.pi * k / DISC_SIDES),
            )
            for k in range(DISC_SIDES)
        ]
        for a, b in zip(disc, disc[1:] + disc[:1], strict=True):
            polygon = clip(polygon, a, b)
        out.append(polygon)
    return out


def build(centres: list[dict[str, str]], radius: float = RADIUS_DEGREES) -> dict[str, Any]:
    """The map's JSON: where the drawing comes from, its viewBox, one SVG path per commune."""
    lat = np.array([float(row["lat"]) for row in centres])
    lon = np.array([float(row["lon"]) for row in centres])
    # equirectangular, true to scale at the province's mean latitude
    squeeze = math.cos(math.radians(float(lat.mean())))
    points = np.column_stack([lon * squeeze, lat])
    shapes = cells(points, radius)
    x_min = min(x for shape in shapes for x, _ in shape)
    x_max = max(x for shape in shapes for x, _ in shape)
    y_min = min(y for shape in shapes for _, y in shape)
    y_max = max(y for shape in shapes for _, y in shape)
    scale = WIDTH / (x_max - x_min)

    def svg(x: float, y: float) -> tuple[float, float]:
        return round((x - x_min) * scale, DECIMALS), round((y_max - y) * scale, DECIMALS)

    communes = []
    for row, point, shape in zip(centres, points, shapes, strict=True):
        corners = [svg(x, y) for x, y in shape]
        path = "M" + "L".join(f"{x:g},{y:g}" for x, y in corners) + "Z"
        cx, cy = svg(*point)
        communes.append(
            {"code": row["code"], "kind": row["kind"], "name_vi": row["name_vi"], "path": path}
            | {"centre": [cx, cy]}
        )
    height = round((y_max - y_min) * scale, DECIMALS)
    return {
        "geography": GEOGRAPHY,
        "drawing": "schematic",
        "source": SOURCE,
        "build": BUILD,
        "view_box": f"0 0 {WIDTH:g} {height:g}",
        "communes": communes,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--centres", type=Path, default=CENTRES)
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    drawing = build(read_centres(args.centres))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(drawing, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"{args.out}: {len(drawing['communes'])} communes, {len(text.encode()):,} bytes")


if __name__ == "__main__":
    main()
