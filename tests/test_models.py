"""Model validation, fields, system checks and settings of cities_cms."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.test import override_settings
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from cities_cms.branding import BrandingSettings, contrast_ratio, validate_brand_colour
from cities_cms.checks import check_settings
from cities_cms.conf import DEFAULTS
from cities_cms.conf import settings as cities_settings
from cities_cms.fields import validate_timezone
from cities_cms.pages import CityPage, PracticeModelPage, SeminarPage

from .utils import make_city, make_practice_model, make_seminar

UTC = datetime.UTC


def errors_of(instance):
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    return excinfo.value.message_dict


# Seminars -------------------------------------------------------------------------------


def test_seminar_cannot_end_before_it_starts(site_tree):
    seminar = make_seminar(site_tree.seminars)
    seminar.full_clean()  # the builder's defaults are valid
    seminar.end = seminar.start - datetime.timedelta(minutes=1)
    errors = errors_of(seminar)
    assert list(errors) == ["end"]
    assert "cannot end before it starts" in errors["end"][0]


def test_webinar_needs_an_online_link(site_tree):
    seminar = make_seminar(site_tree.seminars, kind="webinar")
    seminar.full_clean()
    seminar.online_url = ""
    assert list(errors_of(seminar)) == ["online_url"]


def test_seminar_time_zone_must_be_known(site_tree):
    seminar = make_seminar(site_tree.seminars)
    seminar.timezone = "Mars/Olympus"
    errors = errors_of(seminar)
    assert "timezone" in errors
    assert "Mars/Olympus is not a known time zone" in errors["timezone"][0]
    with pytest.raises(ValidationError):
        validate_timezone("Mars/Olympus")
    validate_timezone("Europe/Riga")


def test_languages_field_round_trip(site_tree):
    seminar = make_seminar(site_tree.seminars, languages=["en", "lv", "pl"])
    fresh = SeminarPage.objects.get(pk=seminar.pk)
    assert fresh.languages == ["en", "lv", "pl"]
    # Stored as "en,lv,pl": filterable with __contains on every database.
    # (and its aliases in the synchronised trees, which copy it)
    found = SeminarPage.objects.filter(languages__contains="lv", alias_of=None)
    assert found.get() == fresh
    assert not SeminarPage.objects.filter(languages__contains="de").exists()
    fresh.languages = []
    fresh.save()
    assert SeminarPage.objects.get(pk=seminar.pk).languages == []
    field = SeminarPage._meta.get_field("languages")
    assert field.get_prep_value(["en", "lv"]) == "en,lv"
    assert field.to_python("en,,lv") == ["en", "lv"]
    assert field.value_to_string(seminar) == "en,lv,pl"


def test_languages_field_rejects_unknown_codes(site_tree):
    seminar = make_seminar(site_tree.seminars)
    seminar.languages = ["en", "xx", "tlh"]
    errors = errors_of(seminar)
    assert errors["languages"] == ["Unknown language code: xx, tlh"]


@pytest.mark.parametrize(
    ("venue_name", "online_url", "mode"),
    [
        ("City hall", "", "offline"),
        ("", "https://meet.example.org/x", "online"),
        ("City hall", "https://meet.example.org/x", "mixed"),
        ("", "", "offline"),
    ],
)
def test_seminar_attendance_mode(db, venue_name, online_url, mode):
    # (db: constructing a page looks up its content type, cached only after a first query)
    seminar = SeminarPage(venue_name=venue_name, online_url=online_url)
    assert seminar.attendance_mode == mode


def test_seminar_address_alone_is_a_place(db):
    seminar = SeminarPage(venue_address="Rātslaukums 1", online_url="https://meet.example.org/")
    assert seminar.attendance_mode == "mixed"


def test_seminar_local_times_and_default_time_zone(db):
    start = datetime.datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
    seminar = SeminarPage(start=start, end=start, timezone="Europe/Riga")
    assert seminar.local_start.hour == 10
    assert seminar.local_start.utcoffset() == datetime.timedelta(hours=3)
    assert SeminarPage().timezone == "Europe/Brussels"
    with override_settings(CITIES_CMS_DEFAULT_TIMEZONE="Europe/Vilnius"):
        assert SeminarPage().timezone == "Europe/Vilnius"


# Cities and practice models --------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("latitude", Decimal("91")),
        ("latitude", Decimal("-90.00001")),
        ("longitude", Decimal("-181")),
        ("longitude", Decimal("180.5")),
    ],
)
def test_city_coordinates_out_of_range(site_tree, field, value):
    city = make_city(site_tree.cities)
    city.full_clean()
    setattr(city, field, value)
    assert list(errors_of(city)) == [field]


def test_city_coordinates_at_the_limits_are_valid(site_tree):
    city = make_city(site_tree.cities, latitude=Decimal("-90"), longitude=Decimal("180"))
    city.full_clean()


def test_practice_model_cannot_end_before_it_starts(site_tree):
    practice = make_practice_model(site_tree.practices, start_year=2015, end_year=2016)
    practice.full_clean()
    practice.end_year = 2014
    errors = errors_of(practice)
    assert list(errors) == ["end_year"]
    practice.end_year = None  # still running
    practice.full_clean()


def test_network_period_cannot_end_before_it_starts(site_tree):
    home = site_tree.home
    home.period_start = datetime.date(2015, 1, 1)
    home.period_end = datetime.date(2014, 1, 1)
    assert list(errors_of(home)) == ["period_end"]


def test_required_fields_of_a_practice_model(site_tree):
    practice = PracticeModelPage(title="Empty", slug="empty")
    with pytest.raises(ValidationError) as excinfo:
        site_tree.practices.add_child(instance=practice)  # Page.save() runs full_clean()
    assert {"challenge", "approach"} <= set(excinfo.value.message_dict)


def test_city_needs_a_country_and_coordinates(site_tree):
    city = CityPage(title="Nowhere", slug="nowhere")
    city.path, city.depth = "0001ZZZZ", 3  # never saved: only the field validation matters
    errors = errors_of(city)
    assert {"country", "latitude", "longitude"} <= set(errors)


# Branding ---------------------------------------------------------------------------------


def test_low_contrast_brand_colour_is_rejected_with_its_ratio(site_tree):
    with pytest.raises(ValidationError) as excinfo:
        validate_brand_colour("#ffff00")
    message = excinfo.value.messages[0]
    assert f"{contrast_ratio('#ffff00', '#ffffff'):.1f}:1" in message
    assert "1.1:1" in message
    assert "4.5:1" in message

    branding = BrandingSettings.objects.get(site=site_tree.site)
    branding.primary_colour = "#ffff00"
    errors = errors_of(branding)
    assert list(errors) == ["primary_colour"]
    assert "1.1:1" in errors["primary_colour"][0]


@pytest.mark.parametrize("colour", ["#1a4f7a", "#8a3b12", "#000000", "#1A4F7A"])
def test_good_brand_colour_is_accepted(site_tree, colour):
    validate_brand_colour(colour)
    branding = BrandingSettings.objects.get(site=site_tree.site)
    branding.primary_colour = branding.accent_colour = colour
    branding.full_clean()


@pytest.mark.parametrize("colour", ["1a4f7a", "#1a4f7", "#1a4f7g", "blue", ""])
def test_malformed_brand_colour_is_rejected(colour):
    with pytest.raises(ValidationError, match="#1a5c8e"):
        validate_brand_colour(colour)


def test_contrast_ratio_known_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


# System checks and settings ---------------------------------------------------------------


def check_ids():
    return sorted(error.id for error in check_settings(None))


def test_checks_pass_with_the_defaults():
    assert check_ids() == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"CITIES_CMS_LISTING_PAGE_SIZE": 0}, ["cities_cms.E002"]),
        ({"CITIES_CMS_LISTING_PAGE_SIZE": 101}, ["cities_cms.E002"]),
        ({"CITIES_CMS_LISTING_PAGE_SIZE": "12"}, ["cities_cms.E002"]),
        ({"CITIES_CMS_LISTING_PAGE_SIZE": 100}, []),
        ({"CITIES_CMS_DEFAULT_TIMEZONE": "Mars/Olympus"}, ["cities_cms.E003"]),
        ({"CITIES_CMS_DEFAULT_TIMEZONE": "Europe/Riga"}, []),
        ({"CITIES_CMS_MAP_BOUNDS": (32.0, 35.0, -11.0, 60.0)}, ["cities_cms.E004"]),
        ({"CITIES_CMS_MAP_BOUNDS": (-11.0, 35.0, 32.0, 95.0)}, ["cities_cms.E004"]),
        ({"CITIES_CMS_MAP_BOUNDS": (-20.0, 30.0, 40.0, 70.0)}, []),
        ({"WAGTAIL_I18N_ENABLED": False}, ["cities_cms.E005"]),
        (
            {"CITIES_CMS_LISTING_PAGE_SIZE": -1, "WAGTAIL_I18N_ENABLED": False},
            ["cities_cms.E002", "cities_cms.E005"],
        ),
    ],
)
def test_settings_checks(overrides, expected):
    with override_settings(**overrides):
        assert check_ids() == expected


def test_checks_are_registered_and_give_hints():
    with override_settings(CITIES_CMS_DEFAULT_TIMEZONE="Mars/Olympus"):
        errors = [e for e in run_checks() if e.id.startswith("cities_cms.") and e.is_serious()]
    assert [e.id for e in errors] == ["cities_cms.E003"]
    assert "Mars/Olympus" in errors[0].hint


def test_required_apps_are_installed():
    from cities_cms.checks import check_installed_apps

    assert check_installed_apps(None) == []


def test_conf_settings_follow_override_settings():
    assert DEFAULTS["CITIES_CMS_LISTING_PAGE_SIZE"] == cities_settings.CITIES_CMS_LISTING_PAGE_SIZE
    with override_settings(CITIES_CMS_LISTING_PAGE_SIZE=2, CITIES_CMS_HOME_HIGHLIGHTS=5):
        assert cities_settings.CITIES_CMS_LISTING_PAGE_SIZE == 2
        assert cities_settings.CITIES_CMS_HOME_HIGHLIGHTS == 5
    assert cities_settings.CITIES_CMS_LISTING_PAGE_SIZE == 12
    with pytest.raises(AttributeError, match="not a cities_cms setting"):
        _ = cities_settings.CITIES_CMS_NO_SUCH_SETTING


# The admin form reads typed times in the seminar's time zone -------------------------------


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.org", "pw")
    client.force_login(user)
    return client


def seminar_form_data(**overrides):
    data = {
        "title": "Monitoring change",
        "slug": "monitoring-change",
        "intro": rich_text(""),
        "agenda": streamfield([]),
        "body": streamfield([]),
        "materials": streamfield([]),
        "outcomes": rich_text(""),
        "kind": "seminar",
        "status": "scheduled",
        "start": "2026-05-04 10:00",
        "end": "2026-05-04 12:30",
        "timezone": "Europe/Riga",
        "venue_name": "Daugavpils city hall",
        "venue_address": "",
        "online_url": "",
        "summary": "",
        "seo_title": "",
        "search_description": "",
        "action-publish": "publish",
    }
    data.update(overrides)
    data = nested_form_data(data)
    data["languages"] = ["en", "lv"]  # a multiple choice: one value per checkbox
    return data


def test_admin_reads_typed_times_in_the_seminar_time_zone(site_tree, admin_client):
    index = site_tree.seminars
    url = f"/admin/pages/add/cities_cms/seminarpage/{index.pk}/"
    response = admin_client.post(url, seminar_form_data())
    assert response.status_code == 302, response.context["form"].errors
    seminar = SeminarPage.objects.get(slug="monitoring-change", alias_of=None)
    # 10:00 in Riga (EEST, UTC+3) whatever the editor's or the server's time zone (Warsaw).
    assert seminar.start == datetime.datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
    assert seminar.end == datetime.datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    assert seminar.languages == ["en", "lv"]
    assert seminar.live

    # Editing shows the same wall-clock time the editor typed.
    response = admin_client.get(f"/admin/pages/{seminar.pk}/edit/")
    assert response.status_code == 200
    form = response.context["form"]
    assert form["start"].value().replace(tzinfo=None) == datetime.datetime(2026, 5, 4, 10, 0)
    assert 'value="2026-05-04 10:00"' in response.content.decode()


def test_admin_form_in_winter_and_another_zone(site_tree, admin_client):
    index = site_tree.seminars
    data = seminar_form_data(
        slug="winter-school",
        start="2026-01-15 09:00",
        end="2026-01-15 17:00",
        timezone="Europe/Lisbon",
    )
    response = admin_client.post(f"/admin/pages/add/cities_cms/seminarpage/{index.pk}/", data)
    assert response.status_code == 302, response.context["form"].errors
    seminar = SeminarPage.objects.get(slug="winter-school", alias_of=None)
    assert seminar.start == datetime.datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    assert seminar.local_start.hour == 9


def test_admin_form_rejects_end_before_start(site_tree, admin_client):
    index = site_tree.seminars
    data = seminar_form_data(slug="backwards", start="2026-05-04 10:00", end="2026-05-04 09:00")
    response = admin_client.post(f"/admin/pages/add/cities_cms/seminarpage/{index.pk}/", data)
    assert response.status_code == 200
    assert "end" in response.context["form"].errors
    assert not SeminarPage.objects.filter(slug="backwards").exists()
