"""The registration admin, from each role's side: counts for every editor, personal data
(list, search, exports, attendance, cancel, erase) only for the host city's editors and
superusers, settings for those who may edit the seminar."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import GroupPagePermission

from cities_cms.conf import settings as conf
from cities_cms.registration.models import Registration

from .test_registration import make_settings, post
from .utils import fresh, make_city, make_seminar, run_tasks


def make_user(username, *groups, superuser=False):
    user = get_user_model().objects.create_user(
        username, f"{username}@example.org", "pw", is_superuser=superuser, is_staff=superuser
    )
    user.groups.add(*groups)
    return user


@pytest.fixture(scope="module")
def _admin_site(network_site):
    """Built once for the module; each test gets fresh instances (admin_site)."""
    tree = fresh(network_site)
    client = Client()
    tree.host = make_city(tree.cities, title="Daugavpils", slug="daugavpils")
    tree.other = make_city(tree.cities, title="Riga", slug="riga")
    tree.seminar = make_seminar(tree.seminars, title="Monitoring change", host_city=tree.host)
    tree.settings = make_settings(tree.seminar, capacity=1)
    post(client, tree.seminar, name="Anna Kalniņa", email="anna@example.org")
    post(client, tree.seminar, name="Jānis Ozols", email="janis@example.org")
    run_tasks()
    mail.outbox.clear()

    # An editor of another city: may edit only that city's page.
    riga_editors = Group.objects.create(name="Riga editors")
    riga_editors.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_registration"),
    )
    GroupPagePermission.objects.create(
        group=riga_editors,
        page=tree.other,
        permission=Permission.objects.get(codename="change_page"),
    )
    tree.users = {
        "other_editor": make_user("riga", riga_editors),
        "host_editor": make_user("editor", Group.objects.get(name=conf.CITIES_CMS_EDITOR_GROUP)),
        "reviewer": make_user("reviewer", Group.objects.get(name=conf.CITIES_CMS_REVIEWER_GROUP)),
        "superuser": make_user("admin", superuser=True),
    }
    return tree


@pytest.fixture
def admin_site(_admin_site, db):
    return fresh(_admin_site)


def allowed(response, yes):
    """Wagtail's admin answers a PermissionDenied with a redirect to the dashboard."""
    if yes:
        return response.status_code in (200, 302) and response.get("Location") != "/admin/"
    return response.status_code == 302 and response["Location"] == "/admin/"


def urls(tree):
    pk = tree.seminar.pk
    return {
        "index": reverse("cities_cms_registration:index"),
        "seminar": reverse("cities_cms_registration:seminar", args=[pk]),
        "csv": reverse("cities_cms_registration:export", args=[pk, "csv"]),
        "xlsx": reverse("cities_cms_registration:export", args=[pk, "xlsx"]),
        "settings": reverse("cities_cms_registration:settings", args=[pk]),
    }


def test_setup_gives_city_editors_the_view_permission(admin_site):
    editors = Group.objects.get(name=conf.CITIES_CMS_EDITOR_GROUP)
    assert editors.permissions.filter(codename="view_registration").exists()
    reviewers = Group.objects.get(name=conf.CITIES_CMS_REVIEWER_GROUP)
    assert not reviewers.permissions.filter(codename="view_registration").exists()


def test_anonymous_is_sent_to_login(client, admin_site):
    for url in urls(admin_site).values():
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "sees_data", "may_set_up"),
    [
        ("other_editor", False, False),
        ("host_editor", True, True),
        ("reviewer", False, True),
        ("superuser", True, True),
    ],
)
def test_each_role(client, admin_site, role, sees_data, may_set_up):
    client.force_login(admin_site.users[role])
    url = urls(admin_site)
    index = client.get(url["index"])
    assert index.status_code == 200
    assert "Monitoring change" in index.content.decode()
    assert "anna@example.org" not in index.content.decode()

    page = client.get(url["seminar"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "1 of 1 place (1 registration)" in html  # counts for everyone, in the singular
    assert ("anna@example.org" in html) is sees_data
    assert ("Jānis Ozols" in html) is sees_data
    for fmt in ("csv", "xlsx"):
        assert allowed(client.get(url[fmt]), sees_data)
    registration = Registration.objects.get(email="anna@example.org")
    action = reverse(
        "cities_cms_registration:action", args=[admin_site.seminar.pk, registration.pk, "attended"]
    )
    response = client.post(action)
    assert allowed(response, sees_data)
    assert Registration.objects.get(pk=registration.pk).attended is (True if sees_data else None)
    assert allowed(client.get(url["settings"]), may_set_up)
    erase = client.get(reverse("cities_cms_registration:erase"))
    assert allowed(erase, role == "superuser")


def test_chosen_groups_replace_the_host_city_default(client, admin_site):
    chosen = Group.objects.create(name="Seminar team")
    chosen.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_registration"),
    )
    admin_site.settings.data_groups.add(chosen)
    client.force_login(admin_site.users["host_editor"])
    assert "anna@example.org" not in client.get(urls(admin_site)["seminar"]).content.decode()
    admin_site.users["other_editor"].groups.add(chosen)
    client.force_login(admin_site.users["other_editor"])
    assert "anna@example.org" in client.get(urls(admin_site)["seminar"]).content.decode()


def test_search_and_status_filter(client, admin_site):
    client.force_login(admin_site.users["host_editor"])
    url = urls(admin_site)["seminar"]
    html = client.get(url, {"q": "janis"}).content.decode()
    assert "janis@example.org" in html and "anna@example.org" not in html
    html = client.get(url, {"status": "confirmed"}).content.decode()
    assert "anna@example.org" in html and "janis@example.org" not in html
    html = client.get(url, {"status": "bogus"}).content.decode()
    assert "No registrations match." in html


def test_csv_and_xlsx_exports(client, admin_site):
    admin_site.settings.registrations.filter(email="anna@example.org").update(
        organisation="=HYPERLINK(1)"
    )
    client.force_login(admin_site.users["host_editor"])
    response = client.get(urls(admin_site)["csv"])
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Status", "Name", "Email"]
    assert rows[1][:4] == ["Confirmed", "Anna Kalniņa", "anna@example.org", "'=HYPERLINK(1)"]
    assert rows[2][:3] == ["Waiting list", "Jānis Ozols", "janis@example.org"]
    response = client.get(urls(admin_site)["xlsx"])
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][:3] == ["Confirmed", "Anna Kalniņa", "anna@example.org"]
    assert values[1][6] == 1
    assert client.get(urls(admin_site)["csv"].replace(".csv", ".pdf")).status_code == 404


def test_admin_cancel_promotes_and_erase_frees_data(
    client, admin_site, django_capture_on_commit_callbacks
):
    client.force_login(admin_site.users["host_editor"])
    anna = Registration.objects.get(email="anna@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(
                "cities_cms_registration:action", args=[admin_site.seminar.pk, anna.pk, "cancel"]
            )
        )
    assert response.status_code == 302
    assert Registration.objects.get(email="janis@example.org").status == "confirmed"
    run_tasks()
    assert [m.to for m in mail.outbox] == [["janis@example.org"]]
    janis = Registration.objects.get(email="janis@example.org")
    client.post(
        reverse("cities_cms_registration:action", args=[admin_site.seminar.pk, janis.pk, "erase"])
    )
    janis.refresh_from_db()
    assert janis.anonymised_at and janis.email == "" and janis.name == ""
    assert janis.status == "cancelled"


@pytest.mark.parametrize("action", ["attended", "delete", "cancel"])
def test_bad_admin_actions_change_nothing(client, admin_site, action):
    client.force_login(admin_site.users["host_editor"])
    anna = Registration.objects.get(email="anna@example.org")
    url = reverse("cities_cms_registration:action", args=[admin_site.seminar.pk, anna.pk, action])
    assert client.get(url).status_code == 400  # GET never changes anything
    if action == "delete":
        assert client.post(url).status_code == 400
    other = make_seminar(admin_site.seminars, host_city=admin_site.host)
    make_settings(other)
    wrong = reverse("cities_cms_registration:action", args=[other.pk, anna.pk, "cancel"])
    assert client.post(wrong).status_code == 404
    anna.refresh_from_db()
    assert anna.status == "confirmed" and anna.attended is None


def test_settings_form_creates_and_validates(client, admin_site):
    seminar = make_seminar(admin_site.seminars, host_city=admin_site.host)
    client.force_login(admin_site.users["host_editor"])
    url = reverse("cities_cms_registration:settings", args=[seminar.pk])
    # Registrations page of a seminar without settings leads to setting them up.
    assert client.get(reverse("cities_cms_registration:seminar", args=[seminar.pk]))[
        "Location"
    ].endswith(url)
    data = {
        "is_open": "on",
        "capacity": "0",
        "max_party_size": "1",
        "waiting_list": "on",
        "ask_organisation": "optional",
        "ask_city": "no",
        "ask_role": "no",
        "ask_needs": "required",
        "opens_at": "2030-01-02T10:00",
        "closes_at": "2030-01-01T10:00",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "10",
        "questions-0-label": "Which workshop?",
        "questions-0-sort_order": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Registration must close after it opens." in html
    assert "greater than or equal to 1" in html
    from cities_cms.registration.models import RegistrationSettings

    assert not RegistrationSettings.objects.filter(seminar=seminar).exists()
    data.update(capacity="20", closes_at="")
    response = client.post(url, data)
    assert response.status_code == 302
    created = RegistrationSettings.objects.get(seminar=seminar)
    assert created.capacity == 20 and created.ask_needs == "required"
    assert [q.label for q in created.questions.all()] == ["Which workshop?"]


def test_raising_capacity_promotes_waiting(client, admin_site, django_capture_on_commit_callbacks):
    client.force_login(admin_site.users["host_editor"])
    url = urls(admin_site)["settings"]
    form = client.get(url).context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value not in (None, False) and name != "data_groups"
    }
    data.update(
        {
            "is_open": "on",
            "waiting_list": "on",
            "capacity": "2",
            "opens_at": "",
            "closes_at": "",
            "confirmation_languages": [],
            "questions-TOTAL_FORMS": "0",
            "questions-INITIAL_FORMS": "0",
            "questions-MIN_NUM_FORMS": "0",
            "questions-MAX_NUM_FORMS": "10",
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Registration.objects.get(email="janis@example.org").status == "confirmed"
    run_tasks()
    assert [m.to for m in mail.outbox] == [["janis@example.org"]]


def test_seminar_editor_shows_registration_tab(client, admin_site):
    client.force_login(admin_site.users["host_editor"])
    response = client.get(reverse("wagtailadmin_pages:edit", args=[admin_site.seminar.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Registrations and settings" in html
    assert "1 of 1 place is taken." in html
