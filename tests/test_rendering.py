"""What the public pages draw: branding, the map of partner cities, no third-party resources."""

import re
from decimal import Decimal
from html.parser import HTMLParser

from cities_cms.branding import BrandingSettings, BrandingText
from cities_cms.svgmap import CityMap

from .utils import make_city, make_image, make_practice_model, make_seminar


class ResourceCollector(HTMLParser):
    """Addresses the browser would load by itself: scripts, styles, images, frames."""

    def __init__(self):
        super().__init__()
        self.resources = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"script", "img", "iframe", "source", "video", "audio"} and attrs.get("src"):
            self.resources.append(attrs["src"])
        if tag == "img" and attrs.get("srcset"):
            self.resources += [part.split()[0] for part in attrs["srcset"].split(",")]
        if tag == "link" and attrs.get("rel") in {"stylesheet", "icon", "preload"}:
            self.resources.append(attrs.get("href", ""))


def third_party(html):
    collector = ResourceCollector()
    collector.feed(html)
    found = [url for url in collector.resources if re.match(r"^(https?:)?//", url)]
    found += re.findall(r"url\((?:'|\")?(https?:)?//", html)
    return found


def test_branding_colours_name_and_logo(client, site_tree):
    branding = BrandingSettings.for_site(site_tree.site)
    branding.primary_colour = "#123456"
    branding.accent_colour = "#7a1f1f"
    branding.logo = make_image("City logo")
    branding.save()
    BrandingText.objects.create(
        site=site_tree.site, locale=site_tree.home.locale, site_name="Daugavpils and partners"
    )
    html = client.get(site_tree.home.url).content.decode()
    assert "--cc-primary: #123456" in html
    assert "--cc-accent: #7a1f1f" in html
    assert "Daugavpils and partners" in html
    header = html.split("<header", 1)[1].split("</header>", 1)[0]
    assert "<img" in header and "/media/images/" in header


def test_map_of_partner_cities(client, site_tree):
    make_city(
        site_tree.cities,
        title="Poznań",
        role="lead",
        latitude=Decimal("52.40637"),
        longitude=Decimal("16.92517"),
    )
    make_city(
        site_tree.cities,
        title="Daugavpils",
        latitude=Decimal("55.87466"),
        longitude=Decimal("26.53617"),
    )
    make_city(
        site_tree.cities,
        title="Far away",
        latitude=Decimal("10.00000"),
        longitude=Decimal("10.00000"),
    )
    html = client.get(site_tree.home.url).content.decode()
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="group"' in svg
    # Two layouts (wide and narrow labels) draw each city once; the city outside is only listed.
    assert svg.count("<circle") == 4
    assert svg.count("cc-map__link--lead") == 2
    figure = html.split("<figure", 1)[1].split("</figure>", 1)[0]
    assert "Far away" in html.split("</svg>", 1)[1]
    assert "Poznań" in figure


def test_map_projection():
    city_map = CityMap([], bounds=(0.0, 40.0, 20.0, 60.0))
    assert city_map.project(0, 60) == (0, 0)
    x, y = city_map.project(20, 40)
    assert x == city_map.width and abs(y - city_map.height) <= 1
    # A degree of longitude is shorter than one of latitude by the cosine of the latitude.
    assert abs(city_map.height / city_map.width - 1 / 0.6428) < 0.01


def test_no_third_party_resources_on_any_page_type(client, site_tree):
    city = make_city(site_tree.cities, title="Daugavpils", image=make_image("Arms"))
    seminar = make_seminar(
        site_tree.seminars,
        host_city=city,
        body=[
            (
                "embed",
                {
                    "url": "https://www.youtube.com/watch?v=aqz-KE-bpKQ",
                    "title": "Talk",
                    "caption": "",
                    "transcript": "",
                },
            ),
        ],
    )
    practice = make_practice_model(
        site_tree.practices, city=city, listing_image=make_image("Photo")
    )
    for page in (
        site_tree.home,
        site_tree.cities,
        city,
        site_tree.seminars,
        seminar,
        site_tree.practices,
        practice,
    ):
        response = client.get(page.url)
        assert response.status_code == 200, page.url
        html = response.content.decode()
        assert third_party(html) == [], (page.url, third_party(html))
    html = client.get(seminar.url).content.decode()
    assert "<iframe" not in html  # the player loads only when the visitor asks for it
    assert "https://www.youtube.com/watch?v=aqz-KE-bpKQ" in html
