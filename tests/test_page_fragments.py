"""The content of detail pages and of the network home, rendered once per content generation.

Seminar, practice model and city pages and the network home keep the parts that are the same
for every visitor with the content (``{% shared_fragment %}``); what changes with time (the
city's and the home's upcoming seminars) or with the visitor (the registration box) is
rendered on every request. Each test changes what a part shows as an editor does and checks,
from the visitor's side, that the very next request shows it. Private pages share nothing.
"""

from datetime import timedelta

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import timezone
from wagtail.models import Page

from cities_cms.pages import CityContact, Stakeholder
from cities_cms.snippets import Theme

from .utils import (
    make_city,
    make_organisation,
    make_person,
    make_practice_model,
    make_private,
    make_seminar,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_seminar_page_follows_its_content_and_host(client, site_tree):
    city = make_city(site_tree.cities, title="Ogre")
    seminar = make_seminar(site_tree.seminars, title="Flood plans", host_city=city)
    html = get(client, seminar.url)
    assert ">Ogre</a>" in html and "cc-alert--cancelled" not in html
    seminar.status = "cancelled"
    seminar.venue_name = "Town library"
    seminar.save_revision().publish()
    html = get(client, seminar.url)
    assert "cc-alert--cancelled" in html and "Town library" in html
    assert '"eventStatus": "https://schema.org/EventCancelled"' in html  # its JSON-LD too
    city.title = "Ogre town"
    city.save_revision().publish()
    assert ">Ogre town</a>" in get(client, seminar.url)


def test_a_practice_model_page_follows_its_city_themes_and_stakeholders(client, site_tree):
    city = make_city(site_tree.cities, title="Sigulda")
    theme = Theme.objects.filter(locale=site_tree.home.locale).first()
    model = make_practice_model(site_tree.practices, title="School streets", city=city)
    html = get(client, model.url)
    assert ">Sigulda</a>" in html and theme.name not in html
    model.themes.set([theme])
    model.save_revision().publish()
    assert theme.name in get(client, model.url)
    city.title = "Sigulda town"
    city.save_revision().publish()
    assert ">Sigulda town</a>" in get(client, model.url)
    organisation = make_organisation(name="Riga Technical University")
    Stakeholder.objects.create(
        page=model, kind="university", organisation=organisation, locale=model.locale
    )
    model.save_revision().publish()
    assert "Riga Technical University" in get(client, model.url)
    organisation.name = "RTU"
    organisation.save()
    html = get(client, model.url)
    assert ">RTU</a>" in html and "Riga Technical University" not in html


def test_a_city_page_follows_its_contacts_and_practice_models(client, site_tree):
    city = make_city(site_tree.cities, title="Kuldīga")
    person = make_person(name="Anna Bērziņa")
    CityContact.objects.create(page=city, person=person, locale=city.locale)
    city.save_revision().publish()
    html = get(client, city.url)
    assert "Anna Bērziņa" in html and "Bike lanes" not in html
    person.name = "Anna Kalniņa"
    person.save()
    assert "Anna Kalniņa" in get(client, city.url)
    make_practice_model(site_tree.practices, title="Bike lanes", city=city)
    assert "Bike lanes" in get(client, city.url)


def test_a_city_page_moves_its_seminars_to_the_past_as_time_goes_by(client, site_tree, monkeypatch):
    city = make_city(site_tree.cities, title="Valka")
    start = timezone.now() + timedelta(hours=1)
    make_seminar(site_tree.seminars, title="Border towns", host_city=city, start=start, end=start)

    def upcoming(html):
        return html[html.index('id="seminars-heading"') :].split("<h3>Past</h3>")[0]

    assert "Border towns" in upcoming(get(client, city.url))
    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    html = get(client, city.url)
    assert "Border towns" not in upcoming(html) and "Border towns" in html


def test_the_home_follows_themes_and_practice_models(client, site_tree):
    theme = Theme.objects.filter(locale=site_tree.home.locale).first()
    site_tree.home.themes.set([theme])
    site_tree.home.save_revision().publish()
    assert theme.name in get(client, "/")
    theme.name = "Cities for the climate"
    theme.save()
    assert "Cities for the climate" in get(client, "/")
    make_practice_model(site_tree.practices, title="Tree registry")
    assert "Tree registry" in get(client, "/")


def test_private_pages_share_no_part(site_tree):
    page = Page.objects.get(pk=site_tree.practices.pk)
    make_private(page)
    template = engines["django"].from_string(
        "{% load cities_cms_tags %}{% shared_fragment 'test' %}{{ value }}{% endshared_fragment %}"
    )
    request = RequestFactory().get("/")
    assert template.render({"request": request, "page": page, "value": "one"}) == "one"
    assert template.render({"request": request, "page": page, "value": "two"}) == "two"
    public = Page.objects.get(pk=site_tree.cities.pk)
    assert template.render({"request": request, "page": public, "value": "one"}) == "one"
    assert template.render({"request": request, "page": public, "value": "two"}) == "one"


def test_a_shared_part_with_a_video_lets_its_player_in_on_every_request(client, site_tree):
    """The Content-Security-Policy that a video in a page's body asks for comes with the part,
    whether it is rendered or found rendered."""
    model = make_practice_model(
        site_tree.practices,
        title="With a film",
        body=[("embed", {"url": "https://vimeo.com/76979871", "title": "Film"})],
    )
    for _request in range(2):
        response = client.get(model.url)
        assert "https://player.vimeo.com" in response["Content-Security-Policy"]
    assert "https://player.vimeo.com" not in client.get("/")["Content-Security-Policy"]
