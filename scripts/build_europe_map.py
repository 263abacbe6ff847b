"""Build cities_cms/data/europe.json, the outline of Europe drawn under the partner map.

Run once, by hand, when the source or the extent changes (the result is committed):

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    .venv/bin/python scripts/build_europe_map.py package/countries-50m.json

The input is Natural Earth's 1:50m Admin 0 countries (public domain) as TopoJSON from the npm
package world-atlas (ISC licence). This decodes the TopoJSON arcs, simplifies each arc once
(so that neighbouring countries keep a shared border), assembles the countries' rings, clips
them to EXTENT, drops specks, and writes degrees as integer hundredths. Pure Python, no
dependencies beyond the package itself.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cities_cms.map_geometry import DATA_FILE, clip_ring, ring_area, simplify

# (west, south, east, north) in degrees: wider than the default CITIES_CMS_MAP_BOUNDS
# (-11, 35, 32, 60), so that a site may widen its bounds to Iceland, the Canaries' latitude,
# Cyprus or the Urals' foothills and still get an outline.
EXTENT = (-25.0, 30.0, 45.0, 72.0)
PRECISION = 100  # hundredths of a degree: about a kilometre, below a pixel on any map here
TOLERANCE = 0.04  # degrees: Douglas-Peucker tolerance per arc
MIN_AREA = 0.03  # square degrees: islands smaller than this are not drawn
SOURCE = "Natural Earth 1:50m Admin 0 countries, via world-atlas 2.0.2 countries-50m.json"


def decode_arcs(topology):
    """Absolute (lon, lat) points of every arc (TopoJSON stores quantised deltas)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def assemble(ring_arcs, arcs):
    """One ring from arc indices; a negative index ~i means arc i reversed."""
    ring = []
    for index in ring_arcs:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points if not ring else points[1:])
    return ring


def build(source_path):
    topology = json.loads(Path(source_path).read_text(encoding="utf-8"))
    arcs = [simplify(arc, TOLERANCE) for arc in decode_arcs(topology)]
    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        rings = []
        for polygon in polygons:
            for ring_arcs in polygon:
                ring = clip_ring(assemble(ring_arcs, arcs)[:-1], *EXTENT)
                if not ring or abs(ring_area(ring)) < MIN_AREA:
                    continue
                flat = []
                for lon, lat in ring:
                    point = [round(lon * PRECISION), round(lat * PRECISION)]
                    if flat[-2:] != point:
                        flat.extend(point)
                if len(flat) >= 6:
                    rings.append(flat)
        if rings:
            countries.append({"name": geometry["properties"]["name"], "rings": rings})
    countries.sort(key=lambda c: c["name"])
    return {
        "source": SOURCE,
        "licence": "Natural Earth: public domain. world-atlas: ISC, Copyright 2013-2019 "
        "Michael Bostock. See README.md in this folder.",
        "extent": EXTENT,
        "precision": PRECISION,
        "countries": countries,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="countries-50m.json from the world-atlas npm package")
    parser.add_argument("--output", default=str(DATA_FILE))
    args = parser.parse_args()
    data = build(args.source)
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    Path(args.output).write_text(text + "\n", encoding="utf-8")
    points = sum(len(r) // 2 for c in data["countries"] for r in c["rings"])
    print(f"{args.output}: {len(data['countries'])} countries, {points} points, {len(text)} bytes")


if __name__ == "__main__":
    main()
