"""A map of partner cities drawn on the server as SVG: no tiles, no scripts, no third parties.

The projection is equirectangular with the longitude scaled by the cosine of the map's middle
latitude, which keeps Europe's proportions close enough for a locator map. The map crops the
configured bounds (CITIES_CMS_MAP_BOUNDS) to its cities plus a margin, so that a theme with
three cities in Italy is not a speck in a map of the continent.

Country outlines come from Natural Earth (cities_cms/data/, see map_geometry); labels are placed
by map_labels so that they never overlap. Labels are laid out twice, at two text sizes: the SVG
scales with its column, and text that is 14 map units tall is ~8 CSS pixels on a 390 px phone.
The stylesheet shows the "narrow" layout when the map is narrow (a container query), so that
labels stay at least ~12 CSS pixels; without CSS the "wide" layout shows.
"""

import math
from dataclasses import dataclass

from .conf import settings
from .map_geometry import outline_paths
from .map_labels import Anchor, place_labels

WIDTH = 640
MARGIN = (3.0, 2.0)  # degrees of longitude and latitude around the cities
MIN_SPAN = 16.0  # degrees of longitude: a map of one or two cities still shows their region


@dataclass(frozen=True)
class Layout:
    """One set of dot and label sizes, in map units."""

    name: str
    size: float
    lead_size: float
    radius: float
    lead_radius: float


# Wide: text 14 units is >= 12 CSS px while the map is >= 549 px wide. Narrow: 22 units is
# >= 12 CSS px from 350 px, the map's width on a 390 px screen (the CSS breakpoint is 560 px).
LAYOUTS = (Layout("wide", 14, 16, 5, 7), Layout("narrow", 22, 24, 8, 10))


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    city: object
    highlighted: bool = False

    @property
    def is_lead(self):
        return getattr(self.city, "role", "") == "lead"


@dataclass(frozen=True)
class Mark:
    """A point as drawn in one layout: its dot radius and its label (None: no room)."""

    point: MapPoint
    r: float
    label: object
    lead: bool
    highlighted: bool

    @property
    def city(self):
        return self.point.city


def _same_page(a, b):
    key_a, key_b = getattr(a, "translation_key", None), getattr(b, "translation_key", None)
    if key_a is not None and key_b is not None:
        return key_a == key_b
    return a.pk == b.pk


def _has_coordinates(city):
    return all(getattr(city, name, None) is not None for name in ("latitude", "longitude"))


class CityMap:
    """The map of ``cities`` (pages with latitude, longitude, title, role).

    Args:
        cities: the cities to mark; those without coordinates or outside the bounds are only
            listed.
        bounds: (west, south, east, north) in degrees; default CITIES_CMS_MAP_BOUNDS.
        highlight: a city to stand out (its own page), matched by translation key.
    """

    def __init__(self, cities, bounds=None, highlight=None):
        self.bounds = tuple(float(v) for v in (bounds or settings.CITIES_CMS_MAP_BOUNDS))
        self.cities = list(cities)
        self.highlight = highlight
        self.view = self._view()
        self.west, self.south, self.east, self.north = self.view
        self.cos_middle = math.cos(math.radians((self.south + self.north) / 2))
        self.x_scale = WIDTH / ((self.east - self.west) * self.cos_middle)
        self.width = WIDTH
        self.height = round((self.north - self.south) * self.x_scale)

    def _view(self):
        """The bounds cropped to the cities plus a margin (rounded, so that views repeat)."""
        west, south, east, north = self.bounds
        inside = [
            (float(c.longitude), float(c.latitude))
            for c in self.cities
            if _has_coordinates(c)
            and west <= float(c.longitude) <= east
            and south <= float(c.latitude) <= north
        ]
        if not inside:
            return self.bounds
        lons, lats = [p[0] for p in inside], [p[1] for p in inside]
        lo_lon, hi_lon = min(lons) - MARGIN[0], max(lons) + MARGIN[0]
        lo_lat, hi_lat = min(lats) - MARGIN[1], max(lats) + MARGIN[1]
        if hi_lon - lo_lon < MIN_SPAN:
            middle = (lo_lon + hi_lon) / 2
            lo_lon, hi_lon = middle - MIN_SPAN / 2, middle + MIN_SPAN / 2
        min_lat_span = MIN_SPAN / 2
        if hi_lat - lo_lat < min_lat_span:
            middle = (lo_lat + hi_lat) / 2
            lo_lat, hi_lat = middle - min_lat_span / 2, middle + min_lat_span / 2
        return (
            max(west, math.floor(lo_lon * 2) / 2),
            max(south, math.floor(lo_lat * 2) / 2),
            min(east, math.ceil(hi_lon * 2) / 2),
            min(north, math.ceil(hi_lat * 2) / 2),
        )

    def project(self, longitude, latitude):
        x = (float(longitude) - self.west) * self.cos_middle * self.x_scale
        y = (self.north - float(latitude)) * self.x_scale
        return round(x, 1), round(y, 1)

    @property
    def points(self):
        if not hasattr(self, "_points"):
            points = []
            for city in self.cities:
                if not _has_coordinates(city):
                    continue
                x, y = self.project(city.longitude, city.latitude)
                if 0 <= x <= self.width and 0 <= y <= self.height:
                    highlighted = self.highlight is not None and _same_page(city, self.highlight)
                    points.append(MapPoint(x, y, city, highlighted))
            # Drawn in this order: the highlighted city and the lead partner on top.
            points.sort(key=lambda p: (p.highlighted, p.is_lead))
            self._points = points
        return self._points

    @property
    def has_lead(self):
        """Whether the lead partner is drawn (the legend names it only then)."""
        return any(point.is_lead for point in self.points)

    @property
    def fragment_key(self):
        """What the drawn map depends on besides content and language (which end the cached
        copy anyway): the view, the cities and the highlighted one (``{% shared_fragment %}``
        in includes/city_map.html renders a map once per content generation)."""
        highlight = getattr(self.highlight, "translation_key", None)
        return (self.view, tuple(getattr(c, "pk", None) for c in self.cities), str(highlight))

    @property
    def outside(self):
        """Cities without coordinates or outside the map's bounds (listed, not drawn)."""
        drawn = {id(p.city) for p in self.points}
        return [c for c in self.cities if id(c) not in drawn]

    @property
    def highlighted_cities(self):
        """The highlighted city as it appears in ``cities`` (a list: empty or one)."""
        if self.highlight is None:
            return []
        return [c for c in self.cities if _same_page(c, self.highlight)]

    @property
    def outline(self):
        """SVG path data, one string per country that shows on the map."""
        return outline_paths(self.view, (self.x_scale, self.cos_middle))

    @property
    def layouts(self):
        """[(layout, [Mark, ...]), ...]: the map's dots and placed labels at each text size."""
        if not hasattr(self, "_layouts"):
            self._layouts = [(layout, self._marks(layout)) for layout in LAYOUTS]
        return self._layouts

    def _marks(self, layout):
        anchors = []
        for point in self.points:
            strong = point.highlighted or point.is_lead
            anchors.append(
                Anchor(
                    x=point.x,
                    y=point.y,
                    r=layout.lead_radius if strong else layout.radius,
                    text=point.city.title,
                    size=layout.lead_size if strong else layout.size,
                    bold=strong,
                    priority=0 if point.highlighted else 1 if point.is_lead else 2,
                )
            )
        labels = place_labels(anchors, self.width, self.height)
        return [
            Mark(point, anchor.r, label, point.is_lead, point.highlighted)
            for point, anchor, label in zip(self.points, anchors, labels, strict=True)
        ]
