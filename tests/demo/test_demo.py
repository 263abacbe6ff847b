"""The demo network: `manage.py load_demo` is complete, idempotent and every page serves."""

import pytest
from django.utils import timezone
from wagtail.models import Locale

from cities_cms.pages import CityPage, NetworkHomePage, PracticeModelPage, SeminarPage


@pytest.fixture
def english():
    return Locale.objects.get(language_code="en")


def test_second_run_creates_nothing(demo, db):
    if demo["second"] is None:
        pytest.skip("the SQLite pass loads the demo twice and checks this (tests/demo/conftest.py)")
    assert demo["second"] == demo["first"]
    assert demo["first"]["pages"] > 30


def test_cities(demo, db, english):
    cities = CityPage.objects.filter(locale=english)
    assert cities.count() == 14
    assert len({city.country.code for city in cities}) == 11
    for city in cities:
        assert -90 <= city.latitude <= 90
        assert -180 <= city.longitude <= 180
    assert cities.filter(role="lead").count() >= 1
    assert {"daugavpils", "poznan"} <= set(cities.values_list("slug", flat=True))


def test_seminars(demo, db, english):
    seminars = SeminarPage.objects.filter(locale=english).live()
    assert seminars.count() >= 8
    assert seminars.filter(end__gte=timezone.now()).count() >= 3
    webinars = seminars.filter(kind="webinar")
    assert any(w.attendance_mode == "online" for w in webinars)


def test_practice_models(demo, db, english):
    practices = PracticeModelPage.objects.filter(locale=english).live()
    assert practices.count() >= 12
    keys = set(practices.values_list("themes__key", flat=True)) - {None}
    assert len(keys) >= 6


def test_ten_languages(demo, db):
    assert demo["first"]["locales"] == 10


@pytest.mark.parametrize("code", ["lv", "pl"])
def test_translations(demo, db, english, code):
    locale = Locale.objects.get(language_code=code)
    home = NetworkHomePage.objects.get(locale=english)
    assert home.get_translation(locale).live
    for slug in ("daugavpils", "poznan"):
        city = CityPage.objects.get(locale=english, slug=slug)
        translated = city.get_translation(locale)
        assert translated.live
        assert translated.alias_of_id is None  # a real translation, not an alias
    translated_practices = PracticeModelPage.objects.filter(locale=locale, alias_of=None).live()
    assert translated_practices.count() >= 3


def test_latvian_home(demo, db, client):
    response = client.get("/lv/")
    assert response.status_code == 200
    assert '<html lang="lv"' in response.content.decode()


def test_the_demo_shares_its_approved_practice_models(demo, db, english):
    # The demo approves its shared practice models for the network (as a coordinator would),
    # so its federation feed serves them: a second instance (make demo-peer) receives them.
    from cities_cms.federation.outbound import is_copy

    own_shared = {
        str(page.translation_key)
        for page in PracticeModelPage.objects.live().filter(shared=True, locale=english)
        if not is_copy(page.translation_key)
    }
    assert len(own_shared) >= 3
    served = {
        item["document"]["id"]
        for item in demo["feed"]["items"]
        if item["document"]["type"] == "practice-model"
    }
    assert served == own_shared
    unshared = PracticeModelPage.objects.filter(shared=False, locale=english)
    assert unshared.exists()
    assert not served & {str(page.translation_key) for page in unshared}


def test_the_demo_opens_seminars_to_partners_and_shows_a_partners(demo, db, english):
    """Its feed serves the seminars open to partner cities (``make demo-peer`` receives them);
    the demo partner's seminars (site_project/demo/partner_seminars.py) are copies here, one of
    them cancelled."""
    from cities_cms.federation.models import FederatedCopy

    own_open = {
        str(key)
        for key in SeminarPage.objects.live()
        .filter(shared=True, locale=english)
        .values_list("translation_key", flat=True)
    }
    assert len(own_open) >= 3
    served = {
        item["document"]["id"]
        for item in demo["feed"]["items"]
        if item["document"]["type"] == "seminar"
    }
    assert served == own_open
    received = FederatedCopy.objects.filter(kind="seminar")
    assert received.count() == 3
    copies = SeminarPage.objects.live().filter(
        translation_key__in=received.values("global_id"), locale=english
    )
    assert {page.status for page in copies} == {"scheduled", "cancelled"}
    assert all(page.host_city is not None for page in copies)  # the demo's Havenwaard


def test_the_reference_index_is_built_once_and_complete(demo, db):
    """The loader queues no reference-index task per save (the worker failed on child rows the
    loader had replaced since): it rebuilds the index once, and the index is what Wagtail's
    own rebuild makes."""
    from io import StringIO

    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult
    from wagtail.models import ReferenceIndex

    path = "wagtail.tasks.update_reference_index_task"
    assert not DBTaskResult.objects.filter(task_path=path).exists()
    # model_path, not content_path: a list block stored without item ids gets new ones each
    # time it is read, so content paths differ from one rebuild to the next.
    columns = ("content_type", "object_id", "to_content_type", "to_object_id", "model_path")
    loaded = sorted(ReferenceIndex.objects.values_list(*columns))
    assert len(loaded) > 100
    call_command("rebuild_references_index", verbosity=0, stdout=StringIO())
    assert sorted(ReferenceIndex.objects.values_list(*columns)) == loaded
