"""Received practice models are read-only in the admin until an editor detaches them.

Tested through Wagtail's real page edit view, as a City editor."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from cities_cms.federation.models import FederatedCopy

from ..utils import make_practice_model, translate

pytestmark = pytest.mark.django_db


def member(username, group_name=None, **kw):
    user = User.objects.create_user(username, password="pw", **kw)
    if group_name:
        user.groups.add(Group.objects.get(name=group_name))
    return User.objects.get(pk=user.pk)


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def copy_page(site_tree):
    page = make_practice_model(site_tree.practices, title="Night buses of Riga")
    FederatedCopy.objects.create(
        global_id=page.translation_key,
        origin_url="https://riga.example",
        origin_key_fingerprint="ab12 cd34",
        origin_city="Riga",
        canonical_urls={"en": "https://riga.example/practice-models/night-buses/"},
        version=3,
    )
    return page


@pytest.fixture
def editor(site_tree):
    return member("editor", "City editors")


def test_editor_sees_why_a_copy_cannot_be_edited(copy_page, editor):
    client = logged_in(editor)
    url = reverse("wagtailadmin_pages:edit", args=[copy_page.pk])
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "shared by Riga" in html and "cannot be edited here" in html
    assert "https://riga.example/practice-models/night-buses/" in html
    assert reverse("cities_cms_federation:detach_copy", args=[copy_page.pk]) in html
    assert 'name="title"' not in html  # no editing form

    saved = client.post(url, {"title": "Changed", "slug": copy_page.slug})
    assert saved.status_code == 403
    copy_page.refresh_from_db()
    assert copy_page.title == "Night buses of Riga"
    assert copy_page.get_latest_revision().content["title"] == "Night buses of Riga"


def test_every_locale_of_a_copy_is_read_only(copy_page):
    latvian = translate(copy_page, "lv", title="Nakts autobusi")
    root = member("root", is_superuser=True, is_staff=True)
    response = logged_in(root).get(reverse("wagtailadmin_pages:edit", args=[latvian.pk]))
    assert "cannot be edited here" in response.content.decode()


def test_detach_asks_then_frees_the_page(copy_page, editor):
    client = logged_in(editor)
    detach = reverse("cities_cms_federation:detach_copy", args=[copy_page.pk])
    confirm = client.get(detach)
    assert confirm.status_code == 200
    assert "This cannot be undone" in confirm.content.decode()
    assert not FederatedCopy.objects.get().detached  # a GET changes nothing

    response = client.post(detach)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[copy_page.pk])
    copy = FederatedCopy.objects.get()
    assert copy.detached and copy.detached_by == editor and copy.detached_at is not None
    assert copy.origin_city == "Riga"  # attribution stays

    edit = client.get(reverse("wagtailadmin_pages:edit", args=[copy_page.pk]))
    assert "cannot be edited here" not in edit.content.decode()
    assert 'name="title"' in edit.content.decode()


def test_detach_needs_permission_to_edit_and_csrf(copy_page, site_tree):
    nobody = member("viewer")
    from django.contrib.auth.models import Permission

    nobody.user_permissions.add(Permission.objects.get(codename="access_admin"))
    nobody = User.objects.get(pk=nobody.pk)
    detach = reverse("cities_cms_federation:detach_copy", args=[copy_page.pk])
    assert logged_in(nobody).post(detach).status_code == 403
    editor = member("editor2", "City editors")
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(editor)
    assert csrf_client.post(detach).status_code == 403
    assert not FederatedCopy.objects.get().detached
    anonymous = Client().post(detach)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


def test_deleting_a_copy_is_allowed(copy_page, site_tree):
    root = member("root", is_superuser=True, is_staff=True)
    client = logged_in(root)
    url = reverse("wagtailadmin_pages:delete", args=[copy_page.pk])
    assert client.get(url).status_code == 200
    client.post(url)
    assert not type(copy_page).objects.filter(pk=copy_page.pk).exists()


def test_ordinary_pages_are_editable(site_tree, editor):
    page = make_practice_model(site_tree.practices, title="Our own")
    response = logged_in(editor).get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    assert "cannot be edited here" not in response.content.decode()
    assert (
        reverse("cities_cms_federation:detach_copy", args=[page.pk])
        not in response.content.decode()
    )
    detach = logged_in(editor).get(reverse("cities_cms_federation:detach_copy", args=[page.pk]))
    assert detach.status_code == 404


def test_network_home_lists_practice_models_shared_by_partner_cities(site_tree, client):
    """The demo's partner documents, imported by the real importer, appear on the home page
    under their own heading (and not among the network's own latest practice models)."""
    from site_project.demo.federation import load_partner_copies

    own = make_practice_model(site_tree.practices, title="Our own model")
    outcomes = load_partner_copies()  # two practice models, then three seminars
    assert [outcome.status for outcome in outcomes] == ["imported"] * 5, [
        (o.code, o.message) for o in outcomes
    ]
    assert [outcome.status for outcome in load_partner_copies()] == ["unchanged"] * 5
    html = client.get(site_tree.home.url).content.decode()
    shared = html.split('id="shared-heading"')[1]
    latest = html.split('id="practice-heading"')[1].split('id="shared-heading"')[0]
    assert "Harbour quarter residents" in shared and "Shared by Havenwaard" in shared
    assert "Harbour quarter residents" not in latest
    assert own.title in latest
    copy = FederatedCopy.objects.get(global_id__in=[o.global_id for o in outcomes][:1])
    assert copy.origin_city == "Havenwaard" and not copy.detached
