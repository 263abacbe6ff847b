"""The editor's "Sharing with partners" page of a practice model (cities_cms.federation.sharing).

It says what partners receive and holds the per-page choice to send contact details."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse

from cities_cms.federation.models import FederatedCopy, OutboundRecord, SharedPage

from ..utils import make_person, make_practice_model, make_shared_practice_model

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


def sharing_url(page):
    return reverse("cities_cms_federation_sharing:sharing", args=[page.pk])


def test_editor_sees_the_version_partners_receive_and_shares_contact(site_tree, federation_key):
    person = make_person(name="Anna Kowalska", email="anna@example.org")
    page = make_shared_practice_model(site_tree.practices, contact=person)
    record = OutboundRecord.objects.get(global_id=page.translation_key)
    assert record.envelope["document"]["attribution"]["contact"] is None
    client = logged_in(member("editor", "City editors"))

    edit = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert sharing_url(page) in edit.content.decode()  # the header button
    response = client.get(sharing_url(page))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Partner sites receive version {record.version} " in html
    assert 'name="share_contact"' in html

    saved = client.post(sharing_url(page), {"share_contact": "on"})
    assert saved.status_code == 302
    assert SharedPage.objects.get(translation_key=page.translation_key).share_contact
    record.refresh_from_db()
    assert record.version == 2
    assert record.envelope["document"]["attribution"]["contact"]["email"] == "anna@example.org"


def test_the_page_says_why_nothing_is_shared(site_tree, federation_key):
    page = make_practice_model(site_tree.practices, shared=False)
    client = logged_in(member("editor", "City editors"))
    html = client.get(sharing_url(page)).content.decode()
    assert "Partner sites do not receive this practice model." in html
    assert "tick “Share with the network”" in html
    assert not OutboundRecord.objects.exists()


def test_only_people_who_may_edit_the_page_see_it(site_tree, federation_key):
    page = make_practice_model(site_tree.practices)
    anonymous = Client().get(sharing_url(page))
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    viewer = member("viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = logged_in(User.objects.get(pk=viewer.pk))
    assert client.get(sharing_url(page)).status_code == 403
    assert client.post(sharing_url(page), {"share_contact": "on"}).status_code == 403
    assert not SharedPage.objects.filter(share_contact=True).exists()


def test_not_for_received_copies_or_other_pages(site_tree, federation_key):
    copy = make_practice_model(site_tree.practices)
    FederatedCopy.objects.create(
        global_id=copy.translation_key,
        origin_url="https://riga.example",
        origin_key_fingerprint="ab12",
        origin_city="Riga",
        version=1,
    )
    client = logged_in(member("root", is_superuser=True, is_staff=True))
    assert client.get(sharing_url(copy)).status_code == 404
    assert client.get(sharing_url(site_tree.home)).status_code == 404
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[site_tree.home.pk]))
    assert sharing_url(site_tree.home) not in edit.content.decode()
