"""The partner map in a real browser: labels readable on a phone, never overlapping, accessible.

The server places labels by estimating text widths; here Chromium measures the real glyph
boxes (getBBox) of the labels it shows, at 1280 and at 390 CSS pixels, on the network home
and on a city page (the city highlighted), with the demo's fourteen cities.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..utils import build_site, make_city
from .axe import format_violations, run_axe
from .pages_conftest import ensure_wagtail_baseline

DEMO_CITIES = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "cities.json"

# For the layout the stylesheet shows: each label's rendered font size and box in CSS pixels,
# and every pair of labels whose glyph boxes (in map units) intersect.
MEASURE = """(svg) => {
    const layout = [...svg.querySelectorAll(".cc-map__layout")]
        .find((g) => getComputedStyle(g).display !== "none");
    const scale = svg.getScreenCTM().a;
    const texts = [...layout.querySelectorAll("text")];
    const boxes = texts.map((t) => t.getBBox());
    const overlaps = [];
    for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i], b = boxes[j];
            if (a.x < b.x + b.width && b.x < a.x + a.width &&
                a.y < b.y + b.height && b.y < a.y + a.height) {
                overlaps.push([texts[i].textContent, texts[j].textContent]);
            }
        }
    }
    return {
        layout: layout.getAttribute("class"),
        labels: texts.length,
        fontPx: Math.min(...texts.map((t) => parseFloat(t.getAttribute("font-size")) * scale)),
        heightPx: Math.min(...texts.map((t) => t.getBoundingClientRect().height)),
        overlaps,
    };
}"""


@pytest.mark.django_db(transaction=True)
def test_map_labels_readable_and_apart(page, live_server, external_requests):
    ensure_wagtail_baseline()
    tree = build_site()
    for city in json.loads(DEMO_CITIES.read_text(encoding="utf-8")):
        make_city(
            tree.cities,
            title=city["title"],
            slug=city["slug"],
            country=city["country"],
            role=city["role"],
            latitude=float(city["latitude"]),
            longitude=float(city["longitude"]),
        )
    results = {}
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("/", "/cities/daugavpils/"):
            page.goto(live_server.url + path)
            svg = page.locator("svg.cc-map__svg").first
            result = svg.evaluate(MEASURE)
            results[(width, path)] = result
            assert result["labels"] == 14, (width, path, result)
            assert result["overlaps"] == [], (width, path, result)
            assert result["fontPx"] >= 12, (width, path, result)
            assert result["heightPx"] >= 12, (width, path, result)
            violations = run_axe(page, disabled_rules=())
            assert not violations, format_violations(violations)
    assert results[(390, "/")]["layout"].endswith("--narrow")
    assert results[(1280, "/")]["layout"].endswith("--wide")
    # The cities are links a keyboard reaches; the city page marks its own city.
    link = page.locator(".cc-map__link--current").filter(visible=True)
    assert link.count() == 1 and link.get_attribute("aria-current") == "page"
    link.focus()
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/cities/daugavpils/"
    assert external_requests == []
    print({key: {k: v for k, v in r.items() if k != "overlaps"} for key, r in results.items()})
