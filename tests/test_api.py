"""The read API (Wagtail API v2): endpoints, fields, filters, translations, visibility."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Page

from cities_cms.pages import PracticeModelIndexPage

from .utils import (
    fresh,
    make_city,
    make_organisation,
    make_person,
    make_practice_model,
    make_private,
    make_seminar,
    translate,
)

UTC = datetime.UTC


def get(client, url, expect=200, **params):
    response = client.get(url, params)
    assert response.status_code == expect, (url, params, response.content[:400])
    return response.json()


def titles(data):
    return sorted(item["title"] for item in data["items"])


@pytest.fixture(scope="module")
def _api_site(network_site):
    """Built once for the module; each test gets fresh instances (api_site)."""
    tree = fresh(network_site)
    tree.daugavpils = make_city(
        tree.cities, title="Daugavpils", slug="daugavpils", website="https://www.daugavpils.lv/"
    )
    tree.poznan = make_city(tree.cities, title="Poznań", slug="poznan", country="PL", role="lead")
    tree.contact = make_person(
        name="Anna Planner",
        email="anna@example.org",
        phone="+371 000000",
        organisation=make_organisation(name="Daugavpils University"),
    )
    tree.housing = make_practice_model(
        tree.practices,
        title="Housing cooperative",
        city=tree.daugavpils,
        themes=[tree.themes["housing"]],
        start_year=2018,
        end_year=2021,
        contact=tree.contact,
        shared=True,
    )
    tree.bikes = make_practice_model(
        tree.practices,
        title="Bike lanes",
        city=tree.poznan,
        themes=[tree.themes["mobility"]],
        start_year=2022,
        status="pilot",
    )
    tree.may = make_seminar(
        tree.seminars,
        title="May seminar",
        start=datetime.datetime(2036, 5, 4, 7, 0, tzinfo=UTC),
        end=datetime.datetime(2036, 5, 5, 15, 0, tzinfo=UTC),
        host_city=tree.daugavpils,
        themes=[tree.themes["monitoring-change"]],
    )
    tree.june = make_seminar(
        tree.seminars,
        title="June webinar",
        kind="webinar",
        start=datetime.datetime(2036, 6, 10, 9, 0, tzinfo=UTC),
        host_city=tree.poznan,
        participating_cities=[tree.daugavpils],
    )
    return tree


@pytest.fixture
def api_site(_api_site, db):
    return fresh(_api_site)


def test_endpoints_list_their_page_type(client, api_site):
    assert titles(get(client, "/api/v2/cities/")) == ["Daugavpils", "Poznań"]
    assert titles(get(client, "/api/v2/seminars/")) == ["June webinar", "May seminar"]
    assert titles(get(client, "/api/v2/practice-models/")) == ["Bike lanes", "Housing cooperative"]
    pages = get(client, "/api/v2/pages/", limit=20)
    # Every live page but the aliases of the other languages' trees (their address is the
    # source's); the setup's legal pages are drafts until an editor completes them.
    translations = Page.objects.filter(depth__gt=1, alias_of=None, live=True)
    assert Page.objects.filter(depth__gt=1).count() > translations.count()
    assert pages["meta"]["total_count"] == translations.count()


def test_practice_model_fields(client, api_site):
    data = get(client, f"/api/v2/practice-models/{api_site.housing.pk}/")
    assert data["title"] == "Housing cooperative"
    assert data["meta"]["html_url"] == api_site.housing.get_full_url()
    assert data["meta"]["locale"] == "en"
    assert data["meta"]["translation_key"] == str(api_site.housing.translation_key)
    assert data["city"]["id"] == api_site.daugavpils.pk
    assert data["city"]["detail_url"].endswith(f"/api/v2/cities/{api_site.daugavpils.pk}/")
    assert data["themes"] == [{"key": "housing", "name": "Housing"}]
    assert (data["start_year"], data["end_year"], data["status"]) == (2018, 2021, "implemented")
    assert data["status_label"] == "Implemented"
    assert data["challenge"].startswith("<p>")
    assert data["licence"] == "CC-BY-4.0"
    assert data["shared"] is True


def test_no_personal_contact_details(client, api_site):
    data = get(client, f"/api/v2/practice-models/{api_site.housing.pk}/")
    assert data["contact"] == {
        "name": "Anna Planner",
        "job_title": "Urban planner",
        "organisation": "Daugavpils University",
    }
    everything = client.get(
        f"/api/v2/practice-models/{api_site.housing.pk}/", {"fields": "*"}
    ).content.decode()
    assert "anna@example.org" not in everything
    assert "+371" not in everything


def test_city_and_seminar_fields(client, api_site):
    city = get(client, f"/api/v2/cities/{api_site.poznan.pk}/")
    assert city["country"] == {"code": "PL", "name": "Poland"}
    assert city["role"] == "lead"
    assert isinstance(city["latitude"], float)
    seminar = get(client, f"/api/v2/seminars/{api_site.june.pk}/")
    assert seminar["kind"] == "webinar"
    assert seminar["start"].startswith("2036-06-10")
    assert seminar["host_city"]["title"] == "Poznań"
    assert [c["title"] for c in seminar["participating_cities"]] == ["Daugavpils"]


def test_filters(client, api_site):
    url = "/api/v2/practice-models/"
    assert titles(get(client, url, theme="housing")) == ["Housing cooperative"]
    assert titles(get(client, url, city="poznan")) == ["Bike lanes"]
    assert titles(get(client, url, city=str(api_site.daugavpils.pk))) == ["Housing cooperative"]
    assert titles(get(client, url, status="pilot")) == ["Bike lanes"]
    assert titles(get(client, url, year="2020")) == ["Housing cooperative"]
    assert titles(get(client, url, year="2030")) == ["Bike lanes"]  # still running
    assert titles(get(client, url, shared="true")) == ["Housing cooperative"]
    assert titles(get(client, url, theme="climate")) == []
    url = "/api/v2/seminars/"
    assert titles(get(client, url, city="daugavpils")) == ["June webinar", "May seminar"]
    assert titles(get(client, url, **{"from": "2036-06-01"})) == ["June webinar"]
    assert titles(get(client, url, to="2036-05-04")) == ["May seminar"]
    assert titles(get(client, url, **{"from": "2036-05-05", "to": "2036-05-05"})) == [
        "May seminar"  # still running on the 5th
    ]
    assert titles(get(client, url, **{"from": "2036-06-10T08:00:00Z"})) == ["June webinar"]
    assert titles(get(client, url, kind="webinar")) == ["June webinar"]
    assert titles(get(client, url, theme="monitoring-change")) == ["May seminar"]
    assert titles(get(client, "/api/v2/cities/", country="lv")) == ["Daugavpils"]
    assert titles(get(client, "/api/v2/cities/", role="lead")) == ["Poznań"]


def test_locale_filter_and_translations(client, api_site):
    lv = translate(api_site.housing, "lv", title="Mājokļu kooperatīvs")
    data = get(client, "/api/v2/practice-models/", locale="lv")
    assert titles(data) == ["Mājokļu kooperatīvs"]
    (item,) = data["items"]
    assert item["meta"]["html_url"] == lv.get_full_url()
    assert item["translations"] == [
        {
            "id": api_site.housing.pk,
            "locale": "en",
            "title": "Housing cooperative",
            "html_url": api_site.housing.get_full_url(),
            "detail_url": f"http://localhost/api/v2/practice-models/{api_site.housing.pk}/",
        }
    ]
    english = get(client, f"/api/v2/practice-models/{api_site.housing.pk}/")
    assert [(t["locale"], t["id"]) for t in english["translations"]] == [("lv", lv.pk)]
    # Wagtail's translation_of filter works too.
    data = get(client, "/api/v2/practice-models/", translation_of=str(api_site.housing.pk))
    assert titles(data) == ["Mājokļu kooperatīvs"]
    # An unpublished translation is not offered.
    lv.unpublish()
    english = get(client, f"/api/v2/practice-models/{api_site.housing.pk}/")
    assert english["translations"] == []


@pytest.mark.parametrize(
    ("url", "params", "words"),
    [
        ("/api/v2/practice-models/", {"theme": "atlantis"}, "unknown theme"),
        ("/api/v2/practice-models/", {"city": "atlantis"}, "unknown city"),
        ("/api/v2/practice-models/", {"city": "9" * 40}, "unknown city"),
        ("/api/v2/practice-models/", {"year": "twenty"}, "year"),
        ("/api/v2/practice-models/", {"year": "99999"}, "year"),
        ("/api/v2/practice-models/", {"shared": "maybe"}, "shared"),
        ("/api/v2/practice-models/", {"status": "done"}, "status must be one of"),
        ("/api/v2/practice-models/", {"locale": "xx"}, "unknown locale"),
        ("/api/v2/practice-models/", {"limit": "-1"}, "limit"),
        ("/api/v2/practice-models/", {"limit": "1000"}, "limit"),
        ("/api/v2/practice-models/", {"limit": "9" * 50}, "limit"),
        ("/api/v2/practice-models/", {"offset": "-5"}, "offset"),
        ("/api/v2/practice-models/", {"offset": "9" * 30}, "offset"),
        ("/api/v2/practice-models/", {"offset": "99999999999"}, "offset"),
        ("/api/v2/practice-models/", {"order": "password"}, "cannot order"),
        ("/api/v2/practice-models/", {"fields": "contact(email)"}, "field"),
        ("/api/v2/practice-models/", {"fields": "((("}, "fields"),
        ("/api/v2/practice-models/", {"search": "housing"}, "unknown query parameter"),
        ("/api/v2/practice-models/", {"title": "x"}, "unknown query parameter"),
        ("/api/v2/practice-models/", {"theme": "a\x00b"}, "not allowed"),
        ("/api/v2/practice-models/", {"translation_of": "abc"}, "translation_of"),
        ("/api/v2/seminars/", {"from": "tomorrow"}, "from must be a date"),
        ("/api/v2/seminars/", {"from": "2036-02-30"}, "from must be a date"),
        ("/api/v2/seminars/", {"to": "2036-13-01"}, "to must be a date"),
        ("/api/v2/seminars/", {"from": "2036-06-01", "to": "2036-05-01"}, "before"),
        ("/api/v2/seminars/", {"kind": "party"}, "kind must be one of"),
        ("/api/v2/seminars/", {"start": "garbage"}, "unknown query parameter"),
        ("/api/v2/cities/", {"country": "Latvia"}, "country"),
        ("/api/v2/cities/", {"country": "XX"}, "country"),
        ("/api/v2/cities/", {"type": "cities_cms.CityPage"}, "unknown query parameter"),
        ("/api/v2/pages/", {"type": "nope.Nope"}, "type"),
        ("/api/v2/pages/", {"child_of": "-3"}, "child_of"),
        ("/api/v2/pages/", {"descendant_of": "999999"}, "doesn't exist"),
    ],
)
def test_bad_parameters_are_400_with_a_message(client, api_site, url, params, words):
    data = get(client, url, expect=400, **params)
    assert words in data["message"], data["message"]


def test_long_parameter_is_400(client, api_site):
    data = get(client, "/api/v2/practice-models/", expect=400, theme="x" * 10_000)
    assert data["message"]


def test_unknown_id_is_404(client, api_site):
    assert client.get("/api/v2/practice-models/999999/").status_code == 404
    assert client.get(f"/api/v2/practice-models/{api_site.may.pk}/").status_code == 404


# Only published content leaves the site ------------------------------------------------------


@pytest.fixture(scope="class")
def _hidden(_api_site):
    """Built once for TestHiddenPages, in a savepoint rolled back after its last test: the
    module's other tests never see these pages. Each test gets fresh instances (hidden)."""
    with transaction.atomic():
        yield _make_hidden(fresh(_api_site))
        transaction.set_rollback(True)


@pytest.fixture
def hidden(_hidden, db):
    return fresh(_hidden)


def _make_hidden(tree):
    pages = {
        "draft": make_practice_model(tree.practices, title="Draft model", live=False),
        "private": make_practice_model(tree.practices, title="Private model"),
        "unpublished": make_practice_model(tree.practices, title="Unpublished model"),
        "expired": make_practice_model(tree.practices, title="Expired model"),
        "private seminar": make_seminar(tree.seminars, title="Private seminar"),
        "draft city": make_city(tree.cities, title="Draft city", live=False),
    }
    make_private(pages["private"])
    make_private(pages["private seminar"], password="pw")
    pages["unpublished"].unpublish()
    Page.objects.filter(pk=pages["expired"].pk).update(
        expire_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    internal = PracticeModelIndexPage(title="Internal", slug="internal")
    tree.home.add_child(instance=internal)
    internal.save_revision().publish()
    pages["under private parent"] = make_practice_model(internal, title="Under private parent")
    make_private(internal)
    pages["private index"] = internal
    tree.hidden = pages
    return tree


class TestHiddenPages:
    """Drafts, private, unpublished and expired pages, and a private section."""

    @pytest.mark.parametrize(
        "endpoint",
        ["/api/v2/practice-models/", "/api/v2/seminars/", "/api/v2/cities/", "/api/v2/pages/"],
    )
    def test_hidden_pages_are_not_listed(self, client, hidden, endpoint):
        data = get(client, endpoint, limit=20)
        listed = {item["id"] for item in data["items"]}
        assert listed
        assert not listed & {page.pk for page in hidden.hidden.values()}

    @pytest.mark.parametrize(
        "name",
        ["draft", "private", "unpublished", "expired", "under private parent", "private index"],
    )
    def test_hidden_pages_have_no_detail(self, client, hidden, name):
        pk = hidden.hidden[name].pk
        assert client.get(f"/api/v2/pages/{pk}/").status_code == 404
        if name != "private index":
            assert client.get(f"/api/v2/practice-models/{pk}/").status_code == 404

    def test_knowing_the_password_does_not_open_the_api(self, client, hidden):
        """Wagtail's own API shows a password-protected page to a session that passed it."""
        seminar = hidden.hidden["private seminar"]
        restriction = seminar.get_view_restrictions().first()
        session = client.session
        session[restriction.passed_view_restrictions_session_key] = [restriction.pk]
        session.save()
        assert client.get(seminar.url).status_code == 200  # the session may read the page ...
        assert client.get(f"/api/v2/seminars/{seminar.pk}/").status_code == 404  # not the API
        listed = {item["id"] for item in get(client, "/api/v2/seminars/")["items"]}
        assert seminar.pk not in listed

    def test_signed_in_superuser_sees_no_more_than_anyone(self, client, hidden, django_user_model):
        user = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
        client.force_login(user)
        for name in ("draft", "private", "under private parent"):
            pk = hidden.hidden[name].pk
            assert client.get(f"/api/v2/pages/{pk}/").status_code == 404

    def test_unpublished_city_is_not_named(self, client, hidden):
        draft_city = hidden.hidden["draft city"]
        model = make_practice_model(hidden.practices, title="From a draft city", city=draft_city)
        data = get(client, f"/api/v2/practice-models/{model.pk}/")
        assert data["city"] is None
        assert (
            "Draft city" not in client.get(f"/api/v2/practice-models/{model.pk}/").content.decode()
        )
        assert get(client, "/api/v2/practice-models/", expect=400, city=draft_city.slug)


def test_aliases_are_left_out(client, api_site):
    from wagtail.models import Locale

    alias = api_site.bikes.get_translation(Locale.objects.get(language_code="pl"))
    assert alias.alias_of_id == api_site.bikes.pk  # the synchronised tree's
    data = get(client, "/api/v2/practice-models/", locale="pl")
    assert data["items"] == []
    assert client.get(f"/api/v2/pages/{alias.pk}/").status_code == 404


# Queries ---------------------------------------------------------------------------------


def count_queries(client, url, params):
    client.get(url, params)  # warm caches (site root paths, content types)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries), len(response.json()["items"])


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v2/practice-models/", {"fields": "*", "limit": "20"}),
        ("/api/v2/seminars/", {"fields": "*", "limit": "20"}),
        ("/api/v2/cities/", {"fields": "*", "limit": "20"}),
        ("/api/v2/practice-models/", {"theme": "housing", "city": "daugavpils"}),
    ],
)
def test_listing_queries_do_not_grow_with_items(client, api_site, url, params):
    few, few_items = count_queries(client, url, params)
    contact = make_person(organisation=make_organisation())
    for i in range(12):
        city = make_city(api_site.cities, title=f"City {i}", fast=True)
        city.contacts.create(person=contact, responsibility="Press")
        make_practice_model(
            api_site.practices,
            title=f"Model {i}",
            city=api_site.daugavpils,
            themes=[api_site.themes["housing"], api_site.themes["climate"]],
            contact=contact,
            fast=True,
        )
        make_seminar(
            api_site.seminars,
            title=f"Seminar {i}",
            host_city=city,
            participating_cities=[api_site.daugavpils, api_site.poznan],
            themes=[api_site.themes["housing"]],
            fast=True,
        )
    many, many_items = count_queries(client, url, params)
    assert many_items > few_items
    assert many == few, f"{few} queries for {few_items} items, {many} for {many_items}"
    assert many <= 15
