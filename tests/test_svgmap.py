"""The partner map's geometry and label placement (cities_cms.svgmap, map_geometry, map_labels).

No database: cities are plain objects with the attributes the map reads.
"""

import json
import math
import random
import re
from itertools import combinations
from pathlib import Path
from types import SimpleNamespace

import pytest

from cities_cms.map_geometry import DATA_FILE, clip_ring, outline_paths, ring_area, simplify
from cities_cms.map_labels import Anchor, intersects, place_labels, segment_hits_box, text_width
from cities_cms.svgmap import LAYOUTS, CityMap

DEMO_CITIES = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "cities.json"
DEFAULT_BOUNDS = (-11.0, 35.0, 32.0, 60.0)


def city(title, latitude, longitude, role="partner", key=None):
    return SimpleNamespace(
        title=title,
        latitude=latitude,
        longitude=longitude,
        role=role,
        pk=key or title,
        translation_key=key or title,
    )


def demo_cities():
    return [
        city(c["title"], float(c["latitude"]), float(c["longitude"]), c["role"])
        for c in json.loads(DEMO_CITIES.read_text(encoding="utf-8"))
    ]


def assert_no_overlaps(city_map):
    """Label boxes never intersect each other, another city's dot or a leader line."""
    for layout, marks in city_map.layouts:
        labelled = [m for m in marks if m.label]
        for a, b in combinations(labelled, 2):
            assert not intersects(a.label.box, b.label.box), (layout.name, a.city, b.city)
        for mark in labelled:
            box = mark.label.box
            assert box[0] >= 0 and box[2] <= city_map.width, (layout.name, mark.city)
            assert box[1] >= 0 and box[3] <= city_map.height, (layout.name, mark.city)
            for other in marks:
                if other is mark:
                    continue
                p = other.point
                dot = (p.x - other.r, p.y - other.r, p.x + other.r, p.y + other.r)
                assert not intersects(box, dot), (layout.name, mark.city, other.city)
                if other.label and other.label.leader:
                    assert not segment_hits_box(other.label.leader, box), (mark.city, other.city)


def test_projection_and_crop():
    empty = CityMap([], bounds=DEFAULT_BOUNDS)
    assert empty.view == DEFAULT_BOUNDS
    assert empty.project(-11, 60) == (0, 0)
    x, y = empty.project(32, 35)
    assert x == empty.width and abs(y - empty.height) <= 1
    # Cities only in Italy: the map crops to them (plus a margin) but keeps some context.
    italy = CityMap([city("Lumessa", 43.39, 11.12), city("Portoquieto", 40.86, 17.41)])
    west, south, east, north = italy.view
    assert west > -11 and east < 32 and south > 35 and north < 60
    assert east - west >= 16
    for point in italy.points:
        assert 0 <= point.x <= italy.width and 0 <= point.y <= italy.height
    # Never beyond the configured bounds, whatever the margin.
    edge = CityMap([city("Edge", 59.9, 31.9), city("Other", 35.1, -10.9)], bounds=DEFAULT_BOUNDS)
    assert edge.view == DEFAULT_BOUNDS


def test_clip_ring_and_simplify():
    square = [(-5, -5), (5, -5), (5, 5), (-5, 5)]
    clipped = clip_ring(square, 0, 0, 10, 10)
    assert abs(abs(ring_area(clipped)) - 25) < 1e-9
    assert all(0 <= x <= 10 and 0 <= y <= 10 for x, y in clipped)
    assert clip_ring(square, 20, 20, 30, 30) == []
    line = [(0, 0), (1, 0.01), (2, -0.01), (3, 0), (3, 5)]
    assert simplify(line, 0.1) == [(0, 0), (3, 0), (3, 5)]


def test_shipped_outline_is_small_and_credited():
    assert DATA_FILE.stat().st_size < 100_000
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert "Natural Earth" in data["source"] and "ISC" in data["licence"]
    names = {c["name"] for c in data["countries"]}
    assert {"Poland", "Latvia", "Italy", "Ireland", "Spain", "Netherlands"} <= names
    readme = (DATA_FILE.parent / "README.md").read_text(encoding="utf-8")
    assert "public domain" in readme and "ISC" in readme


def test_outline_is_clipped_to_the_view_and_cached():
    city_map = CityMap(demo_cities())
    paths = city_map.outline
    assert len(paths) >= 25  # the countries between Ireland, Spain, Italy and Latvia
    assert city_map.outline is paths  # cached per view: parsed and clipped once per process
    # Every absolute point lies on the map (relative steps are summed from the subpath's start).
    for d in paths:
        for subpath in re.findall(r"M([^l]+)l([^z]*)z", d):
            x, y = (float(v) for v in subpath[0].split())
            steps = [float(v) for v in subpath[1].split()]
            for dx, dy in zip(steps[::2], steps[1::2], strict=True):
                x, y = x + dx, y + dy
                assert -0.5 <= x <= city_map.width + 0.5 and -0.5 <= y <= city_map.height + 0.5
    # Another view is another clip of the same shipped data.
    assert outline_paths((0.0, 40.0, 20.0, 55.0), (20.0, 0.7)) != paths


def test_demo_labels_never_overlap_and_all_are_placed():
    city_map = CityMap(demo_cities())
    assert len(city_map.points) == 14
    assert_no_overlaps(city_map)
    for layout, marks in city_map.layouts:
        assert all(m.label for m in marks), layout.name
    # The close pairs of the issue: each label stays by its own city.
    wide = dict(city_map.layouts)[LAYOUTS[0]]
    for mark in wide:
        box = mark.label.box
        nearest = math.hypot(
            min(max(mark.point.x, box[0]), box[2]) - mark.point.x,
            min(max(mark.point.y, box[1]), box[3]) - mark.point.y,
        )
        assert nearest < 80, mark.city.title


def test_synthetic_cluster_uses_leader_lines_and_never_overlaps():
    rng = random.Random(13)
    cluster = [
        city(f"Clustered town {i}", 50 + rng.uniform(-0.6, 0.6), 10 + rng.uniform(-0.8, 0.8))
        for i in range(12)
    ]
    spread = [city(f"Far town {i}", 40 + i * 3, -5 + i * 6) for i in range(6)]
    city_map = CityMap(cluster + spread, bounds=DEFAULT_BOUNDS)
    assert_no_overlaps(city_map)
    for _layout, marks in city_map.layouts:
        assert any(m.label and m.label.leader for m in marks)
        assert sum(1 for m in marks if m.label) >= 14


def test_placement_rejects_what_it_cannot_fit():
    # Two dots on one spot in a map too small for two labels: one label, never two overlapping.
    anchors = [Anchor(20, 15, 3, "Aaaaaa", 10), Anchor(20, 15, 3, "Bbbbbb", 10)]
    labels = place_labels(anchors, 80, 30)
    placed = [label for label in labels if label]
    assert len(placed) == 1
    assert text_width("Vėjalaukis", 10) == text_width("Vejalaukis", 10)


def test_highlight():
    cities = demo_cities()
    daugavpils = next(c for c in cities if c.title == "Daugavpils")
    city_map = CityMap(cities, highlight=SimpleNamespace(translation_key="Daugavpils", pk=0))
    highlighted = [p for p in city_map.points if p.highlighted]
    assert [p.city for p in highlighted] == [daugavpils]
    assert city_map.points[-1].city is daugavpils  # drawn last, on top
    assert city_map.highlighted_cities == [daugavpils]
    for layout, marks in city_map.layouts:
        mark = next(m for m in marks if m.highlighted)
        assert mark.r == layout.lead_radius
        # Placed first: beside its dot, never moved out on a leader line.
        assert mark.label and mark.label.leader is None
    assert_no_overlaps(city_map)
    assert CityMap(cities).highlighted_cities == []


@pytest.mark.parametrize("missing", ["latitude", "longitude"])
def test_city_without_coordinates_is_listed_not_drawn(missing):
    cities = demo_cities()
    setattr(cities[1], missing, None)
    city_map = CityMap(cities)
    assert cities[1] not in [p.city for p in city_map.points]
    assert city_map.outside == [cities[1]]
    assert_no_overlaps(city_map)
    assert CityMap([cities[1]]).view == DEFAULT_BOUNDS


def test_the_lead_partner_is_named_in_the_legend_only_when_drawn():
    """A theme's map may lack the lead city: its legend then names no lead partner
    (includes/city_map.html asks ``has_lead``)."""
    with_lead = [city("Poznań", 52.41, 16.93, role="lead"), city("Daugavpils", 55.87, 26.54)]
    assert CityMap(with_lead).has_lead
    assert not CityMap(with_lead[1:]).has_lead
