"""Issue 13, item 7: the smaller points.

* The network home's "Shared by partner cities" cards carry their attribution inside the card.
* The city index shows a network's partner cities on one page (14 were paginated as 12 + 2).
* ``load_demo`` names the admin at this site's address (WAGTAILADMIN_BASE_URL).
"""

import re

import pytest
from django.test import override_settings

from .utils import make_city, make_practice_model


def test_shared_cards_carry_their_attribution_inside_the_card(client, site_tree):
    from cities_cms.federation.models import FederatedCopy

    page = make_practice_model(site_tree.practices, title="Cargo bike logistics hub", live=False)
    FederatedCopy.objects.create(
        global_id=page.translation_key,
        origin_url="https://havenwaard.example",
        origin_key_fingerprint="ab" * 32,
        origin_city="Havenwaard",
        version=1,
    )
    page.save_revision().publish()
    html = client.get(site_tree.home.url).content.decode()
    section = html[html.index('id="shared-heading"') :]
    section = section[: section.index("</section>")]
    cards = re.findall(r"<li>(.*?)</li>\s*(?=<li>|</ul>)", section, re.S)
    assert cards, section
    card = cards[0].strip()
    assert card.startswith('<article class="cc-card') and card.endswith("</article>")
    article = card[: card.rindex("</article>")]
    assert "Shared by Havenwaard" in article


@pytest.mark.usefixtures("uncached_pages")
def test_the_city_index_shows_fourteen_cities_on_one_page(client, site_tree):
    from cities_cms.conf import settings as conf

    assert conf.CITIES_CMS_LISTING_PAGE_SIZE < 14  # the listings' size would split them
    for index in range(14):
        make_city(site_tree.cities, title=f"City {index:02d}", fast=True)
    html = client.get(site_tree.cities.url).content.decode()
    assert html.count('class="cc-card cc-card--city"') == 14
    assert "?page=2" not in html


def test_a_very_large_network_is_still_paginated(site_tree):
    assert site_tree.cities.get_listing_page_size() == 60


@override_settings(WAGTAILADMIN_BASE_URL="http://127.0.0.1:8133")
def test_load_demo_names_the_admin_at_this_sites_address():
    from site_project.demo.management.commands.load_demo import admin_url

    assert admin_url() == "http://127.0.0.1:8133/admin/"
    with override_settings(WAGTAILADMIN_BASE_URL="https://cities.example.org/"):
        assert admin_url() == "https://cities.example.org/admin/"
