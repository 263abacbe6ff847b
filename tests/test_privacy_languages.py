"""Privacy holds in every language (issue 10, item 7).

A view restriction (login, password, groups) on any language version of a page applies to all
its versions (translations and the aliases wagtail-localize keeps in every locale), to their
subtrees and to what they syndicate: pages, RSS/Atom, the read API, search, the sitemap, ICS
calendars and the federation feed.

The site has three languages (en, lv, pl) with synchronised trees. The practice model
"Housing cooperative" is written in English, translated into Latvian and still an alias in
Polish; the seminar "Monitoring change" is translated into Polish and an alias in Latvian; the
index pages are aliases in lv and pl. Editors restrict one version through the admin's privacy
dialog; the tests look from the visitor's side, in every language.
"""

import io
import json
import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from icalendar import Calendar
from wagtail.models import Locale, Page, PageViewRestriction
from wagtail_localize.models import TranslationSource
from wagtail_localize.synctree import create_aliases_for_new_page

from .utils import (
    fresh,
    make_city,
    make_practice_model,
    make_seminar,
    make_shared_practice_model,
    translate,
)

LANGS = ("en", "lv", "pl")
PASSWORD = "open sesame"
LOGIN = PageViewRestriction.LOGIN
GROUPS = PageViewRestriction.GROUPS
PASSWORD_TYPE = PageViewRestriction.PASSWORD
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def with_aliases(page):
    """An alias in every other language, as the admin's ``after_create_page`` hook makes."""
    if not page.get_translations().exists():
        create_aliases_for_new_page(page)
    return page


def in_one_language(parent, title):
    """A live page that has no alias yet (as one created before the other languages)."""
    return make_practice_model(parent, title=title, fast=True)


@pytest.fixture(scope="module")
def module_world(network_site):
    from django.contrib.auth import get_user_model

    tree = fresh(network_site)
    city = make_city(tree.cities, title="Daugavpils", slug="daugavpils")
    with_aliases(city)
    model = make_practice_model(
        tree.practices,
        title="Housing cooperative",
        slug="housing-cooperative",
        city=city,
        summary="Residents run their own blocks.",
    )
    with_aliases(model)
    translate(model, "lv", title="Mājokļu kooperatīvs", slug="majoklu-kooperativs")
    seminar = make_seminar(
        tree.seminars, title="Monitoring change", slug="monitoring-change", host_city=city
    )
    with_aliases(seminar)
    translate(seminar, "pl", title="Monitorowanie zmian", slug="monitorowanie-zmian")
    partners = Group.objects.create(name="Partner cities")
    member = get_user_model().objects.create_user("member", "member@example.org", "pw")
    member.groups.add(partners)
    outsider = get_user_model().objects.create_user("outsider", "out@example.org", "pw")
    return SimpleNamespace(
        tree=tree, city=city, model=model, seminar=seminar, partners=partners,
        member=member, outsider=outsider,
    )  # fmt: skip


def versions(page):
    """``{language code: page}`` of every version (translation or alias), re-read."""
    pages = Page.objects.filter(translation_key=page.translation_key).select_related("locale")
    return {p.locale.language_code: p.specific for p in pages}


@pytest.fixture
def world(module_world, db):
    w = fresh(module_world)
    w.models = versions(w.model)
    w.practices = versions(w.tree.practices)
    w.seminars = versions(w.seminar)
    w.seminar_indexes = versions(w.tree.seminars)
    w.cities = versions(w.city)
    assert w.models["lv"].alias_of_id is None and w.models["pl"].alias_of_id == w.model.pk
    assert w.seminars["lv"].alias_of_id == w.seminar.pk and w.seminars["pl"].alias_of_id is None
    return w


# --- what editors do ------------------------------------------------------------------------


def set_privacy(admin_client, page, kind, *, password=PASSWORD, groups=()):
    """The admin's privacy dialog: ``kind`` is "none", "login", "password" or "groups"."""
    data = {"restriction_type": kind, "password": password if kind == PASSWORD_TYPE else ""}
    if groups:
        data["groups"] = [group.pk for group in groups]
    url = reverse("wagtailadmin_pages:set_privacy", args=[page.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert json.loads(response.content)["step"] == "set_privacy_done", response.content[:500]


def restrictions(pages):
    """``{code: [(type, password, sorted group ids)]}`` of the restrictions on each page."""
    found = {}
    for code, page in pages.items():
        found[code] = [
            (r.restriction_type, r.password, sorted(r.groups.values_list("pk", flat=True)))
            for r in PageViewRestriction.objects.filter(page=page).order_by("pk")
        ]
    return found


def assert_same_everywhere(pages, expected):
    assert restrictions(pages) == {code: [expected] for code in pages}


# --- what visitors see ----------------------------------------------------------------------


def outcome(client, url, text):
    """ "shown", "login" (sent to log in), "password" (the form) or the status code."""
    response = client.get(url)
    body = response.content.decode()
    if response.status_code == 302 and "login" in response["Location"]:
        return "login"
    if response.status_code == 200 and 'name="password"' in body:
        return "password"
    if response.status_code == 200 and text in body:
        return "shown"
    return str(response.status_code)


def seen(client, pages):
    return {code: outcome(client, page.url, page.title) for code, page in pages.items()}


def feed_titles(client, path):
    """The titles in a feed; none when there is no feed (a private section has none)."""
    response = client.get(path)
    if response.status_code == 404:
        return set()
    assert response.status_code == 200, path
    root = ET.fromstring(response.content)  # noqa: S314 (our own output)
    return {el.text for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "title"}


def sitemap_paths(client):
    index = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314
    paths = set()
    for loc in index.iter(SM + "loc"):
        part = urlsplit(loc.text)
        section = client.get(part.path + ("?" + part.query if part.query else ""))
        for url in ET.fromstring(section.content).iter(SM + "loc"):  # noqa: S314
            paths.add(urlsplit(url.text).path)
    return paths


def search_titles(client, code, query):
    prefix = "" if code == "en" else f"/{code}"
    response = client.get(f"{prefix}/search/", {"q": query})
    assert response.status_code == 200
    return {str(item["page"].title) for item in response.context["results"] or []}


def traces(client, w):
    """Where the practice model shows outside its own pages, as ``kind:language``."""
    found = set()
    titles = {page.title for page in w.models.values()}
    for code in LANGS:
        prefix = "" if code == "en" else f"/{code}"
        for fmt in ("rss", "atom"):
            if feed_titles(client, f"{prefix}/feeds/practice-models/{fmt}/") & titles:
                found.add(f"{fmt}:{code}")
        section = w.practices[code].pk
        if feed_titles(client, f"{prefix}/feeds/practice-models/section/{section}/rss/") & titles:
            found.add(f"section-feed:{code}")
    ids = {page.pk: code for code, page in w.models.items()}
    for endpoint in ("practice-models", "pages"):
        for code in LANGS:
            params = {"limit": 20, "locale": code}
            listed = client.get(f"/api/v2/{endpoint}/", params).json()["items"]
            found |= {f"api-{endpoint}:{ids[i['id']]}" for i in listed if i["id"] in ids}
    for pk, code in ids.items():
        if client.get(f"/api/v2/practice-models/{pk}/").status_code == 200:
            found.add(f"api-detail:{code}")
    paths = sitemap_paths(client)
    found |= {f"sitemap:{code}" for code, page in w.models.items() if page.url in paths}
    for code, query in (("en", "cooperative"), ("lv", "kooperatīvs"), ("pl", "cooperative")):
        if search_titles(client, code, query) & titles:
            found.add(f"search:{code}")
    return found


# Where the public model must be seen before any restriction: tests assert the restriction
# removes every one of them (and whatever else the baseline shows).
BASELINE = {
    *(f"{fmt}:{code}" for fmt in ("rss", "atom", "section-feed") for code in LANGS),
    "api-practice-models:en", "api-practice-models:lv", "api-pages:en", "api-pages:lv",
    "api-detail:en", "api-detail:lv", "sitemap:en", "sitemap:lv", "search:en", "search:lv",
}  # fmt: skip


def test_before_any_restriction_every_version_is_public(client, world):
    assert seen(client, world.models) == dict.fromkeys(LANGS, "shown")
    assert traces(client, world) >= BASELINE


@pytest.mark.parametrize(
    ("section", "where"),
    [("practices", "en"), ("practices", "lv"), ("practices", "pl"), ("models", "pl")],
)
def test_login_on_any_version_hides_every_language(client, admin_client, world, section, where):
    """The index in each language, or the model's Polish alias (Wagtail ignores a restriction
    on an alias when it serves: the source's counts)."""
    set_privacy(admin_client, getattr(world, section)[where], LOGIN)
    assert seen(client, getattr(world, section)) == dict.fromkeys(LANGS, "login")
    assert seen(client, world.models) == dict.fromkeys(LANGS, "login")
    assert traces(client, world) == set()
    assert_same_everywhere(getattr(world, section), (LOGIN, "", []))
    # Outside the section nothing changed.
    assert seen(client, world.cities) == dict.fromkeys(LANGS, "shown")
    client.force_login(world.outsider)
    assert seen(client, world.models) == dict.fromkeys(LANGS, "shown")


def test_password_on_the_latvian_translation_asks_in_every_language(client, admin_client, world):
    set_privacy(admin_client, world.models["lv"], PASSWORD_TYPE)
    assert seen(client, world.models) == dict.fromkeys(LANGS, "password")
    assert traces(client, world) == set()
    assert_same_everywhere(world.models, (PASSWORD_TYPE, PASSWORD, []))

    def give_password(page, password):
        form = client.get(page.url).content.decode()
        action = re.search(r'<form action="([^"]+)"', form).group(1)
        return client.post(action, {"password": password, "return_url": page.url})

    lv, en = world.models["lv"], world.models["en"]
    assert 'name="password"' in give_password(lv, "guess").content.decode()
    assert give_password(lv, PASSWORD).status_code == 302
    # Each translation has its own restriction, so its own form; an alias asks by its source's.
    assert seen(client, world.models) == {"en": "password", "lv": "shown", "pl": "password"}
    assert give_password(en, PASSWORD).status_code == 302
    assert seen(client, world.models) == dict.fromkeys(LANGS, "shown")
    # A session that knows the password opens no feed, API, sitemap or search.
    assert traces(client, world) == set()


def test_groups_on_the_polish_index_hold_in_every_language(client, admin_client, world):
    set_privacy(admin_client, world.practices["pl"], GROUPS, groups=[world.partners])
    assert seen(client, world.models) == dict.fromkeys(LANGS, "login")
    assert traces(client, world) == set()
    assert_same_everywhere(world.practices, (GROUPS, "", [world.partners.pk]))
    client.force_login(world.outsider)
    assert seen(client, world.models) == dict.fromkeys(LANGS, "login")
    client.force_login(world.member)
    assert seen(client, world.models) == dict.fromkeys(LANGS, "shown")
    assert traces(client, world) == set()


def test_changing_type_password_and_groups_on_any_version_holds_for_all(
    client, admin_client, world
):
    other = Group.objects.create(name="Coordinators of housing")
    set_privacy(admin_client, world.models["en"], LOGIN)
    set_privacy(admin_client, world.models["lv"], PASSWORD_TYPE, password="first")
    assert_same_everywhere(world.models, (PASSWORD_TYPE, "first", []))
    set_privacy(admin_client, world.models["pl"], PASSWORD_TYPE, password="second")
    assert_same_everywhere(world.models, (PASSWORD_TYPE, "second", []))
    set_privacy(admin_client, world.models["en"], GROUPS, groups=[world.partners])
    assert_same_everywhere(world.models, (GROUPS, "", [world.partners.pk]))
    client.force_login(world.member)
    assert seen(client, world.models) == dict.fromkeys(LANGS, "shown")
    # Groups changed on the translation (the m2m alone): the member is out everywhere.
    set_privacy(admin_client, world.models["lv"], GROUPS, groups=[other])
    assert_same_everywhere(world.models, (GROUPS, "", [other.pk]))
    assert seen(client, world.models) == dict.fromkeys(LANGS, "login")
    # Groups changed from the group's side reach every version too.
    world.partners.pageviewrestriction_set.add(
        PageViewRestriction.objects.get(page=world.models["pl"])
    )
    assert_same_everywhere(world.models, (GROUPS, "", sorted([other.pk, world.partners.pk])))
    assert seen(client, world.models) == dict.fromkeys(LANGS, "shown")


@pytest.mark.parametrize(("added", "removed"), [("en", "lv"), ("lv", "en")])
def test_removing_on_any_version_makes_every_version_public(
    client, admin_client, world, added, removed
):
    set_privacy(admin_client, world.models[added], LOGIN)
    assert seen(client, world.models) == dict.fromkeys(LANGS, "login")
    set_privacy(admin_client, world.models[removed], "none")
    assert restrictions(world.models) == {code: [] for code in LANGS}
    assert seen(client, world.models) == dict.fromkeys(LANGS, "shown")
    assert traces(client, world) >= BASELINE


def test_deleting_one_version_keeps_the_others_private(client, admin_client, world):
    """A restriction deleted with its page (a cascade) is not a decision to open the others."""
    set_privacy(admin_client, world.models["en"], LOGIN)
    Page.objects.get(pk=world.models["pl"].pk).delete()
    del world.models["pl"]
    assert_same_everywhere(world.models, (LOGIN, "", []))
    assert seen(client, world.models) == {"en": "login", "lv": "login"}


def test_versions_created_later_inherit_the_restriction(client, admin_client, world):
    lv, pl = (Locale.objects.get(language_code=code) for code in ("lv", "pl"))
    # An alias made by wagtail-localize's synchronised trees (Wagtail copies the source's
    # restriction too: the page still has one restriction).
    bikes = in_one_language(world.tree.practices, "Bike lanes")
    set_privacy(admin_client, bikes, PASSWORD_TYPE)
    create_aliases_for_new_page(bikes)
    assert_same_everywhere(versions(bikes), (PASSWORD_TYPE, PASSWORD, []))
    # The alias becomes a translation through wagtail-localize's own translation flow.
    source, _created = TranslationSource.get_or_create_from_instance(bikes)
    source.create_or_update_translation(pl, fallback=True)
    assert versions(bikes)["pl"].alias_of_id is None
    assert_same_everywhere(versions(bikes), (PASSWORD_TYPE, PASSWORD, []))
    assert seen(client, versions(bikes)) == dict.fromkeys(LANGS, "password")

    # A translation copied under a parent that is itself restricted (Wagtail copies nothing
    # then), of a page whose restriction was set on a translation.
    set_privacy(admin_client, world.practices["en"], LOGIN, groups=[])
    garden = in_one_language(world.tree.practices, "Community gardens")
    garden_pl = garden.copy_for_translation(pl)
    set_privacy(admin_client, garden_pl, GROUPS, groups=[world.partners])
    garden_lv = garden.copy_for_translation(lv, alias=True)
    assert_same_everywhere(
        {"en": garden, "lv": garden_lv, "pl": garden_pl}, (GROUPS, "", [world.partners.pk])
    )


def test_seminar_calendars_under_a_restricted_section(client, admin_client, world):
    def ics(page):
        routes = {url.name for url in page.get_subpage_urls()}
        return page.url + page.reverse_subpage("ics" if "ics" in routes else "calendar")

    uid = f"seminar-{world.seminar.translation_key}@"
    for code in LANGS:
        response = client.get(ics(world.seminars[code]))
        assert response["Content-Type"].startswith("text/calendar"), code
        assert uid in client.get(ics(world.cities[code])).content.decode()

    set_privacy(admin_client, world.seminar_indexes["pl"], LOGIN)
    for code in LANGS:
        assert outcome(client, ics(world.seminars[code]), "VCALENDAR") == "login", code
        assert outcome(client, ics(world.seminar_indexes[code]), "VCALENDAR") == "login", code
        response = client.get(ics(world.cities[code]))  # the city stays public
        calendar = Calendar.from_ical(response.content)
        assert calendar.walk("VEVENT") == [], code
        assert world.seminars[code].title not in response.content.decode()
    client.force_login(world.outsider)
    for code in LANGS:
        response = client.get(ics(world.seminars[code]))
        assert response["Content-Type"].startswith("text/calendar"), code


@pytest.fixture
def federation_key(tmp_path):
    from cities_cms.federation import identity

    with override_settings(CITIES_CMS_FEDERATION_KEY_FILE=str(tmp_path / "federation.pem")):
        identity._cache.clear()
        identity.ensure_key()
        yield
    identity._cache.clear()


def feed_items(client):
    items = client.get("/federation/feed/").json()["items"]
    return {item["document"]["id"]: item["document"] for item in items}


def test_federation_feed_withdraws_a_model_restricted_in_another_language(
    client, admin_client, world, federation_key
):
    shared = make_shared_practice_model(world.tree.practices, title="Shared gardens")
    with_aliases(shared)
    key = str(shared.translation_key)
    assert feed_items(client)[key]["type"] == "practice-model"
    set_privacy(admin_client, world.practices["lv"], LOGIN)  # an alias of the index
    document = feed_items(client)[key]
    assert (document["type"], document.get("reason")) == ("tombstone", "private")
    set_privacy(admin_client, world.practices["en"], "none")
    assert feed_items(client)[key]["type"] == "practice-model"


def test_switcher_link_to_a_page_that_became_private(client, admin_client, world):
    en, lv = world.models["en"], world.models["lv"]
    assert f'href="{lv.url}"' in client.get(en.url).content.decode()
    listing = world.practices["lv"].url
    assert f'href="{lv.url}"' in client.get(listing).content.decode()
    set_privacy(admin_client, lv, LOGIN)
    count = PageViewRestriction.objects.count()
    # The old link leads to the login, never to the page or an error, in each language ...
    assert outcome(client, lv.url, lv.title) == "login"
    assert outcome(client, en.url, en.title) == "login"
    # ... no public page links to any version any more ...
    for code in LANGS:
        body = client.get(world.practices[code].url).content.decode()
        assert not {f'href="{p.url}"' for p in world.models.values()} & set(
            re.findall(r'href="[^"]*"', body)
        ), code
    # ... a signed-in visitor reads every version, and visiting changed nothing.
    client.force_login(world.outsider)
    assert seen(client, world.models) == dict.fromkeys(LANGS, "shown")
    assert PageViewRestriction.objects.count() == count


def restriction_queries(page, group):
    """Queries to add (with a group), change and remove a restriction on ``page``."""
    with CaptureQueriesContext(connection) as added:
        restriction = PageViewRestriction.objects.create(page=page, restriction_type=GROUPS)
        restriction.groups.set([group])
    with CaptureQueriesContext(connection) as changed:
        restriction.restriction_type = PASSWORD_TYPE
        restriction.password = PASSWORD
        restriction.save()
    with CaptureQueriesContext(connection) as removed:
        restriction.delete()
    return len(added), len(changed), len(removed)


def test_one_restriction_change_costs_the_same_whatever_the_number_of_languages(world):
    three = restriction_queries(world.models["en"], world.partners)
    # Two more languages: the Housing cooperative gets five versions.
    for code in ("de", "it"):
        world.model.copy_for_translation(
            Locale.objects.create(language_code=code), copy_parents=True, alias=True
        )
    assert len(versions(world.model)) == 5
    five = restriction_queries(world.models["en"], world.partners)
    assert restrictions(versions(world.model)) == {code: [] for code in versions(world.model)}
    single = in_one_language(world.tree.practices, "In one language")
    one = restriction_queries(single, world.partners)
    print("queries to add, change, remove a restriction:", {"1": one, "3": three, "5": five})
    assert five == three, (three, five)
    assert three[0] <= 20 and three[1] <= 12 and three[2] <= 15, three


def test_setup_brings_existing_restrictions_into_line(client, world):
    """Restrictions made before this release (one language only) are extended by the setup."""
    # As an older release left them: written without the signals that keep versions in line.
    PageViewRestriction.objects.bulk_create(
        [
            PageViewRestriction(page=world.practices["en"], restriction_type=LOGIN),
            PageViewRestriction(page=world.seminars["pl"], restriction_type=PASSWORD_TYPE,
                                password="pl"),
            PageViewRestriction(page=world.seminars["en"], restriction_type=PASSWORD_TYPE,
                                password="en"),
        ]
    )  # fmt: skip
    assert seen(client, {"lv": world.models["lv"]}) == {"lv": "shown"}
    call_command("cities_cms_setup", parent=str(world.tree.home.pk), stdout=io.StringIO())
    assert_same_everywhere(world.practices, (LOGIN, "", []))
    # A conflict: the version in the default language decides.
    assert_same_everywhere(world.seminars, (PASSWORD_TYPE, "en", []))
    assert seen(client, world.models) == dict.fromkeys(LANGS, "login")
    before = list(PageViewRestriction.objects.order_by("pk").values_list())
    call_command("cities_cms_setup", parent=str(world.tree.home.pk), stdout=io.StringIO())
    assert list(PageViewRestriction.objects.order_by("pk").values_list()) == before
