"""Geometry for the partner map: the shipped outline of Europe, clipped and simplified.

cities_cms/data/europe.json holds country outlines in degrees (hundredths, as integers), made
once from Natural Earth by scripts/build_europe_map.py. It is kept in degrees rather than in
map units because the map's bounds are a setting (CITIES_CMS_MAP_BOUNDS) and each map crops
to its cities: the outline is clipped and projected per view here, and the result is cached
for the life of the process (a handful of distinct views exist on a site).

The projection is equirectangular, so straight lines stay straight and clipping in degrees
before projecting gives the same result as clipping in map units.
"""

import json
import math
from functools import cache, lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "europe.json"


def ring_area(ring):
    """The signed area of a closed ring of (x, y) pairs (shoelace formula)."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        total += x1 * y2 - x2 * y1
    return total / 2


def clip_ring(ring, west, south, east, north):
    """The part of a polygon ring inside a rectangle (Sutherland-Hodgman), or [].

    Clipping a concave ring can leave zero-width slivers along the rectangle's edge; they are
    invisible with the outline's fill and the frame drawn over them.
    """

    def clip(points, inside, cross):
        if not points:
            return []
        result = []
        previous = points[-1]
        for point in points:
            if inside(point):
                if not inside(previous):
                    result.append(cross(previous, point))
                result.append(point)
            elif inside(previous):
                result.append(cross(previous, point))
            previous = point
        return result

    def at_x(x):
        def cross(a, b):
            t = (x - a[0]) / (b[0] - a[0])
            return (x, a[1] + t * (b[1] - a[1]))

        return cross

    def at_y(y):
        def cross(a, b):
            t = (y - a[1]) / (b[1] - a[1])
            return (a[0] + t * (b[0] - a[0]), y)

        return cross

    points = list(ring)
    points = clip(points, lambda p: p[0] >= west, at_x(west))
    points = clip(points, lambda p: p[0] <= east, at_x(east))
    points = clip(points, lambda p: p[1] >= south, at_y(south))
    points = clip(points, lambda p: p[1] <= north, at_y(north))
    return points if len(points) >= 3 else []


def simplify(points, tolerance):
    """Douglas-Peucker simplification of an open line of (x, y) pairs (ends are kept)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        farthest, distance = None, tolerance
        for i in range(first + 1, last):
            px, py = points[i]
            if length:
                d = abs(dy * (px - x1) - dx * (py - y1)) / length
            else:
                d = math.hypot(px - x1, py - y1)
            if d > distance:
                farthest, distance = i, d
        if farthest is not None:
            keep[farthest] = True
            stack.extend([(first, farthest), (farthest, last)])
    return [p for p, k in zip(points, keep, strict=True) if k]


@cache
def outline_data():
    """The shipped outline: ``[(country name, [ring in degrees, ...]), ...]``."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    scale = data["precision"]
    countries = []
    for country in data["countries"]:
        rings = [
            [(flat[i] / scale, flat[i + 1] / scale) for i in range(0, len(flat), 2)]
            for flat in country["rings"]
        ]
        countries.append((country["name"], rings))
    return countries


@lru_cache(maxsize=64)
def outline_paths(view, project_key):
    """SVG path data of every country inside ``view`` = (west, south, east, north).

    Args:
        view: the map's bounds in degrees (a tuple, so that the result can be cached).
        project_key: (x_scale, cos_middle) of the map's projection, part of the cache key.

    Returns:
        A tuple of path data strings, one per country that shows on the map.
    """
    west, south, east, north = view
    x_scale, cos_middle = project_key
    paths = []
    for _name, rings in outline_data():
        parts = []
        for ring in rings:
            clipped = clip_ring(ring, west, south, east, north)
            if not clipped:
                continue
            projected = [
                ((lon - west) * cos_middle * x_scale, (north - lat) * x_scale)
                for lon, lat in clipped
            ]
            # Half a map unit is below what any screen shows at the map's largest size.
            projected = simplify(projected + projected[:1], 0.5)[:-1]
            if len(projected) < 3 or abs(ring_area(projected)) < 2:
                continue
            parts.append(_path_data(projected))
        if parts:
            paths.append("".join(parts))
    return tuple(paths)


def _path_data(points):
    """A closed subpath in relative coordinates with one decimal: short inline markup."""
    x, y = round(points[0][0], 1), round(points[0][1], 1)
    commands = [f"M{_number(x)} {_number(y)}l"]
    steps = []
    for px, py in points[1:]:
        px, py = round(px, 1), round(py, 1)
        dx, dy = round(px - x, 1), round(py - y, 1)
        if dx or dy:
            steps.append(f"{_number(dx)} {_number(dy)}")
        x, y = px, py
    commands.append(" ".join(steps))
    commands.append("z")
    return "".join(commands)


def _number(value):
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
