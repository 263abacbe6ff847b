"""A map of partner cities drawn on the server as SVG: no tiles, no scripts, no third parties.

The projection is equirectangular with the longitude scaled by the cosine of the map's middle
latitude, which keeps Europe's proportions close enough for a locator map.
"""

import math
from dataclasses import dataclass

from .conf import settings

WIDTH = 640


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    city: object
    label_anchor: str  # "start" or "end": labels near the right edge go to the left

    @property
    def is_lead(self):
        return getattr(self.city, "role", "") == "lead"


class CityMap:
    def __init__(self, cities, bounds=None):
        self.west, self.south, self.east, self.north = bounds or settings.CITIES_CMS_MAP_BOUNDS
        middle = math.radians((self.south + self.north) / 2)
        self.x_scale = WIDTH / ((self.east - self.west) * math.cos(middle))
        self.width = WIDTH
        self.height = round((self.north - self.south) * self.x_scale)
        self.cities = list(cities)

    def project(self, longitude, latitude):
        middle = math.radians((self.south + self.north) / 2)
        x = (float(longitude) - self.west) * math.cos(middle) * self.x_scale
        y = (self.north - float(latitude)) * self.x_scale
        return round(x, 1), round(y, 1)

    @property
    def points(self):
        points = []
        for city in self.cities:
            if city.latitude is None or city.longitude is None:
                continue
            x, y = self.project(city.longitude, city.latitude)
            if 0 <= x <= self.width and 0 <= y <= self.height:
                anchor = "end" if x > self.width * 0.8 else "start"
                points.append(MapPoint(x, y, city, anchor))
        return points

    @property
    def outside(self):
        """Cities whose coordinates fall outside the map's bounds (listed, not drawn)."""
        drawn = {p.city.pk for p in self.points}
        return [c for c in self.cities if c.pk not in drawn]

    @property
    def graticule(self):
        """Lines every five degrees, as (x1, y1, x2, y2)."""
        lines = []
        for lon in range(math.ceil(self.west / 5) * 5, int(self.east) + 1, 5):
            x, _y = self.project(lon, self.north)
            lines.append((x, 0, x, self.height))
        for lat in range(math.ceil(self.south / 5) * 5, int(self.north) + 1, 5):
            _x, y = self.project(self.west, lat)
            lines.append((0, y, self.width, y))
        return lines
