"""Personal data: retention (command and task), erasure on request, and registrations never
leaving the instance (not in search, JSON-LD, ICS, the page's data or the API)."""

import datetime
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from wagtail.search.backends import get_search_backend

from cities_cms.pages import SeminarPage
from cities_cms.registration.models import Registration
from cities_cms.registration.tasks import purge_registrations

from .test_registration import cancel_link, make_settings, post
from .utils import fresh, make_city, make_seminar, run_tasks

NOW = timezone.now()


@pytest.fixture(scope="module")
def _privacy_site(network_site):
    """Built once for the module; each test gets fresh instances (privacy_site)."""
    tree = fresh(network_site)
    client = Client()
    tree.host = make_city(tree.cities, title="Daugavpils", slug="daugavpils")
    tree.seminar = make_seminar(tree.seminars, title="Monitoring change", host_city=tree.host)
    tree.settings = make_settings(tree.seminar, capacity=1)
    post(client, tree.seminar, name="Anna Kalniņa", email="anna@example.org", needs="Wheelchair")
    post(client, tree.seminar, name="Jānis Ozols", email="janis@example.org")
    run_tasks()
    mail.outbox.clear()
    return tree


@pytest.fixture
def privacy_site(_privacy_site, db):
    return fresh(_privacy_site)


def move_seminar(seminar, ended_days_ago):
    end = NOW - datetime.timedelta(days=ended_days_ago)
    SeminarPage.objects.filter(pk=seminar.pk).update(
        start=end - datetime.timedelta(hours=6), end=end
    )


def test_purge_command_anonymises_after_retention(client, privacy_site):
    recent = make_seminar(privacy_site.seminars, host_city=privacy_site.host)
    make_settings(recent)
    post(client, recent, name="Recent Person", email="recent@example.org")
    move_seminar(privacy_site.seminar, ended_days_ago=91)
    move_seminar(recent, ended_days_ago=89)
    out = io.StringIO()
    call_command("cities_cms_purge_registrations", stdout=out)
    assert "Anonymised 2 registrations (retention: 90 days)" in out.getvalue()
    old = Registration.objects.filter(settings=privacy_site.settings)
    assert all(r.anonymised_at and not r.email and not r.name and not r.needs for r in old)
    assert {r.status for r in old} == {"confirmed", "waiting"}  # counts survive
    assert Registration.objects.get(settings__seminar=recent).email == "recent@example.org"


@override_settings(CITIES_CMS_REGISTRATION_RETENTION_DAYS=5)
def test_purge_task_follows_the_setting(privacy_site):
    move_seminar(privacy_site.seminar, ended_days_ago=6)
    purge_registrations.enqueue()
    assert not Registration.objects.filter(anonymised_at__isnull=False).exists()  # queued
    [result] = run_tasks()
    assert result.return_value == 2
    assert not Registration.objects.filter(anonymised_at__isnull=True).exists()
    assert purge_registrations.call() == 0  # nothing left to do


def test_old_links_die_with_anonymisation(client, privacy_site):
    anna = Registration.objects.get(email="anna@example.org")
    url = cancel_link(anna, privacy_site.seminar)
    call_command("cities_cms_erase_registrant", "--email", "ANNA@example.org", stdout=None)
    response = client.post(url)
    assert response.status_code == 400


def test_erase_command_frees_the_place_and_promotes(
    privacy_site, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("cities_cms_erase_registrant", "--email", "anna@example.org")
    anna = Registration.objects.get(settings=privacy_site.settings, status="cancelled")
    assert anna.anonymised_at and anna.name == "" and anna.needs == ""
    assert Registration.objects.get(email="janis@example.org").status == "confirmed"
    run_tasks()
    assert [m.to for m in mail.outbox] == [["janis@example.org"]]


def test_erase_command_refuses_bad_email(privacy_site):
    with pytest.raises(CommandError, match="Not a valid email address"):
        call_command("cities_cms_erase_registrant", "--email", "not an email")
    assert not Registration.objects.filter(anonymised_at__isnull=False).exists()


def test_superuser_erases_by_email_in_admin(client, privacy_site):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "pw")
    client.force_login(admin)
    url = reverse("cities_cms_registration:erase")
    response = client.post(url, {"email": "janis@example.org"})
    assert response.status_code == 400  # the confirmation box is required
    assert not Registration.objects.filter(anonymised_at__isnull=False).exists()
    response = client.post(url, {"email": "janis@example.org", "confirm": "on"})
    assert response.status_code == 302
    assert Registration.objects.filter(anonymised_at__isnull=False).count() == 1
    assert not Registration.objects.filter(email="janis@example.org").exists()


PERSONAL = ("anna@example.org", "Kalniņa", "Wheelchair", "janis@example.org", "Ozols")


def test_registrations_are_not_in_jsonld_or_ics(client, privacy_site):
    seminar = privacy_site.seminar
    html = client.get(seminar.url).content.decode()
    ics = client.get(seminar.url + seminar.reverse_subpage("ics")).content.decode()
    for text in (html, ics):
        for value in PERSONAL:
            assert value not in text
    json_ld = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "Monitoring change" in json_ld
    assert not any(value in json_ld for value in PERSONAL)


def test_registrations_are_not_in_search(privacy_site):
    from wagtail.search.index import Indexed, get_indexed_models

    assert not issubclass(Registration, Indexed)
    assert Registration not in get_indexed_models()
    seminar = SeminarPage.objects.get(pk=privacy_site.seminar.pk)
    seminar.save_revision().publish()  # re-indexes the page
    backend = get_search_backend()
    assert list(backend.search("Monitoring", SeminarPage))  # the page is indexed
    for value in ("Kalniņa", "anna@example.org", "Wheelchair"):
        assert not list(backend.search(value, SeminarPage))
    from wagtail.search.models import IndexEntry

    indexed = json.dumps(list(IndexEntry.objects.values("title", "body", "autocomplete")))
    assert not any(value in indexed for value in PERSONAL)


def test_registrations_are_not_page_data(privacy_site):
    seminar = SeminarPage.objects.get(pk=privacy_site.seminar.pk)
    # What revisions, copies, translations and federation documents are built from.
    data = json.dumps(seminar.serializable_data(), default=str)
    assert not any(value in data for value in PERSONAL)
    assert not any(
        value in json.dumps(seminar.latest_revision.content, default=str) for value in PERSONAL
    )
    names = {field.name for field in SeminarPage._meta.get_fields()}
    assert not {"registrations", "registration_settings", "registrationsettings"} & names
    api_fields = {getattr(field, "name", field) for field in getattr(SeminarPage, "api_fields", [])}
    assert not {"registrations", "registration", "registration_settings"} & api_fields


def test_registrations_are_not_in_the_api_or_feeds(client, privacy_site):
    seminar = privacy_site.seminar
    responses = [
        client.get(f"/api/v2/seminars/{seminar.pk}/", {"fields": "*"}),
        client.get("/api/v2/seminars/", {"fields": "*"}),
        client.get(f"/api/v2/pages/{seminar.pk}/", {"fields": "*"}),
        client.get(privacy_site.seminars.url + privacy_site.seminars.reverse_subpage("calendar")),
    ]
    assert responses[0].status_code == 200
    assert "Monitoring change" in responses[0].content.decode()
    for response in responses:
        assert response.status_code == 200
        assert not any(value in response.content.decode() for value in PERSONAL)
