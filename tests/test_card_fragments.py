"""Cards in listings are rendered once per content generation, and follow every change at once.

A card (includes/card.html: practice models, seminars, cities, chosen pages) is the same for
every visitor, so ``{% shared_fragment %}`` keeps its HTML with the content. Each test changes
what a card shows as an editor does (the page, its city, a theme, its image) and checks, from
the visitor's side, that the very next request shows it. Images in cards and blocks come
through ``{% stored_image %}``: Wagtail's ``{% image %}`` output, without writing Wagtail's
rendition cache on every request.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.template import engines
from django.test import RequestFactory
from wagtail.models import Locale

from cities_cms.snippets import Theme

from .utils import make_city, make_image, make_practice_model, make_seminar, translate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]


def card_of(html, title):
    """The ``<article>`` of the card whose link reads ``title``."""
    end = html.index(f">{title}</a>")
    start = html.rindex("<article", 0, end)
    return html[start : html.index("</article>", end)]


def test_a_practice_model_card_follows_its_page_city_and_themes(client, site_tree):
    city = make_city(site_tree.cities, title="Cēsis")
    theme = Theme.objects.filter(locale=site_tree.home.locale).first()
    model = make_practice_model(
        site_tree.practices, title="Shared bikes", city=city, status="pilot", themes=[theme]
    )
    url = site_tree.practices.url
    card = card_of(client.get(url).content.decode(), "Shared bikes")
    assert "Cēsis" in card and theme.name in card and "cc-badge--pilot" in card

    model.status = "evaluated"
    model.summary = "Bikes for everyone."
    model.save_revision().publish()
    card = card_of(client.get(url).content.decode(), "Shared bikes")
    assert "cc-badge--evaluated" in card and "Bikes for everyone." in card

    city.title = "Cēsis town"
    city.save_revision().publish()
    assert "Cēsis town" in card_of(client.get(url).content.decode(), "Shared bikes")

    theme.name = "Mobility for all"
    theme.save()
    assert "Mobility for all" in card_of(client.get(url).content.decode(), "Shared bikes")

    model.title = "Shared bicycles"
    model.save_revision().publish()
    html = client.get(url).content.decode()
    assert "Shared bicycles" in card_of(html, "Shared bicycles") and "Shared bikes<" not in html


def test_a_card_follows_its_image(client, site_tree):
    first, second = make_image("First picture"), make_image("Second picture")
    model = make_practice_model(site_tree.practices, title="Green roofs", listing_image=first)
    url = site_tree.practices.url
    card = card_of(client.get(url).content.decode(), "Green roofs")
    assert first.get_rendition("fill-480x270").url in card
    model.listing_image = second
    model.save_revision().publish()
    card = card_of(client.get(url).content.decode(), "Green roofs")
    assert second.get_rendition("fill-480x270").url in card and "first-picture" not in card
    model.listing_image = None
    model.save_revision().publish()
    assert "<img" not in card_of(client.get(url).content.decode(), "Green roofs")


def test_a_seminar_card_follows_its_date_and_status(client, site_tree):
    seminar = make_seminar(site_tree.seminars, title="Heat plans")
    url = site_tree.seminars.url
    before = card_of(client.get(url).content.decode(), "Heat plans")
    assert "cc-badge--cancelled" not in before
    seminar.status = "cancelled"
    seminar.start += timedelta(days=3)
    seminar.end += timedelta(days=3)
    seminar.save_revision().publish()
    card = card_of(client.get(url).content.decode(), "Heat plans")
    assert "cc-badge--cancelled" in card
    assert f'datetime="{seminar.local_start.date().isoformat()}' in card
    assert f'datetime="{seminar.local_start.date().isoformat()}' not in before


def test_a_card_in_each_language_names_the_city_there(client, site_tree):
    city = make_city(site_tree.cities, title="Talsi")
    translate(city, "lv", title="Talsu novads")
    make_practice_model(site_tree.practices, title="Open budget", city=city)
    lv_index = site_tree.practices.get_translation(Locale.objects.get(language_code="lv"))
    en_card = card_of(client.get(site_tree.practices.url).content.decode(), "Open budget")
    lv_card = card_of(client.get(lv_index.url).content.decode(), "Open budget")
    assert "Talsi" in en_card and "Talsu novads" not in en_card
    assert "Talsu novads" in lv_card


def test_cards_are_the_same_for_every_visitor(client, site_tree):
    make_practice_model(site_tree.practices, title="Night buses")
    url = site_tree.practices.url
    anonymous = card_of(client.get(url).content.decode(), "Night buses")
    user = get_user_model().objects.create_superuser("editor", password="x" * 12)
    client.force_login(user)
    assert card_of(client.get(url).content.decode(), "Night buses") == anonymous


def test_stored_image_renders_as_wagtails_image_tag(site_tree):
    image = make_image("A harbour", width=400, height=300)
    source = "{% load wagtailimages_tags cities_cms_tags %}"
    request = RequestFactory().get("/")
    render = engines["django"].from_string
    for arguments in ('fill-80x60 alt="" loading="lazy"', 'width-100 class="x"'):
        ours = render(source + "{% stored_image img " + arguments + " %}")
        wagtails = render(source + "{% image img " + arguments + " %}")
        context = {"img": image, "request": request}
        assert ours.render(context) == wagtails.render(context)
    with_as = render(source + "{% stored_image img fill-80x60 as pic %}{{ pic.url }}")
    assert with_as.render({"img": image}) == image.get_rendition("fill-80x60").url
    assert render(source + "{% stored_image img fill-80x60 %}").render({"img": None}) == ""


def test_stored_image_reads_the_rendition_without_storing_it_again(site_tree):
    image = make_image("A bridge", width=400, height=300)
    rendition = image.get_rendition("fill-80x60")
    key = rendition.get_cache_key()
    template = engines["django"].from_string(
        "{% load cities_cms_tags %}{% stored_image img fill-80x60 %}"
    )
    fresh_image = type(image).objects.prefetch_related("renditions").get(pk=image.pk)
    cache.delete(key)
    assert rendition.url in template.render({"img": fresh_image})
    assert cache.get(key) is None  # read from the prefetched renditions: nothing written
    plain = type(image).objects.get(pk=image.pk)
    assert rendition.url in template.render({"img": plain})  # from the database ...
    assert cache.get(key) is not None  # ... then kept in the cache, as Wagtail does
    cached = cache.get(key)
    cached.file.name = "images/kept-in-the-cache.png"
    cache.set(key, cached)
    assert "kept-in-the-cache" in template.render({"img": type(image).objects.get(pk=image.pk)})


def test_a_page_of_results_follows_time_filters_and_pages(client, site_tree, monkeypatch, settings):
    """A page of results is shared by its ids: a seminar that ends leaves the upcoming ones at
    once, and the page links keep the filters of the address they are on."""
    from django.utils import timezone

    settings.CITIES_CMS_LISTING_PAGE_SIZE = 2
    now = timezone.now()
    for i in range(3):
        end = now + timedelta(hours=1 + 2 * i)
        make_seminar(site_tree.seminars, title=f"Talk {i}", start=end - timedelta(hours=1), end=end)
    url = site_tree.seminars.url
    html = client.get(url).content.decode()
    assert "Talk 0<" in html and "Talk 1<" in html and "Talk 2<" not in html
    assert "?when=upcoming&amp;page=2" in html or "when=upcoming&page=2" in html
    later = now + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    html = client.get(url).content.decode()
    assert "Talk 0<" not in html and "Talk 1<" in html and "Talk 2<" in html
    assert "2 seminars" in html
    # Another parameter in the address: the same results, rendered for it.
    other = client.get(url + "?when=upcoming&ref=newsletter").content.decode()
    assert "Talk 1<" in other and "Talk 2<" in other and "Talk 0<" not in other


def test_the_filters_follow_the_content_and_the_address(client, site_tree):
    """The filter form is shared per address: its choices follow the content at once, and
    each address shows its own chosen values."""
    make_practice_model(site_tree.practices, title="Food banks", status="pilot")
    url = site_tree.practices.url

    def form(html):
        start = html.index('class="cc-filters"')
        return html[start : html.index("</form>", start)]

    assert "Gdańsk" not in form(client.get(url).content.decode())
    make_city(site_tree.cities, title="Gdańsk")
    assert ">Gdańsk</option>" in form(client.get(url).content.decode())
    chosen = form(client.get(url + "?status=pilot").content.decode())
    assert 'value="pilot" selected' in chosen
    assert 'value="pilot" selected' not in form(client.get(url).content.decode())
