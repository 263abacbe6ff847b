"""Seminars across the network: what leaves this site, and what a partner's seminar becomes here.

Outbound: a seminar open to partner cities is a signed ``seminar`` document in the feed (every
live locale, its time, place, online link, host city, agenda, languages; its registration
page at the origin; never its registrations); postponing and cancelling are new versions with
the status, unsharing, unpublishing and deleting are tombstones. Import: the document becomes
a read-only SeminarPage under this site's seminar index in every locale (aliases elsewhere),
with its host city mapped to the local city page; a tombstone unpublishes; detaching works.
"""

import datetime
import json

import jsonschema
import pytest
from django.test import Client
from wagtail.models import Page
from wagtail.signals import page_published

from cities_cms.federation import records
from cities_cms.federation.identity import current_identity
from cities_cms.federation.models import FederatedCopy, OutboundRecord, PeerEvent
from cities_cms.federation.schema import jsonschema as published
from cities_cms.federation.signals import outbound_changed
from cities_cms.federation.signing import verify_envelope
from cities_cms.federation.sync import import_envelope
from cities_cms.pages import SeminarPage

from ..utils import make_city, make_private, make_seminar, translate
from .factories import FeedServer, RemoteSite
from .seminar_factories import seminar_document

pytestmark = pytest.mark.usefixtures("federation_key")


def document_of(page):
    record = OutboundRecord.objects.filter(global_id=page.translation_key).first()
    assert record is not None, "no outbound record"
    return record, verify_envelope(record.envelope, current_identity().public_key)


def publish(page, **changes):
    page = Page.objects.get(pk=page.pk).specific
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return page


# --- outbound ---------------------------------------------------------------------------------


def test_only_seminars_open_to_partner_cities_leave(site_tree):
    closed = make_seminar(site_tree.seminars, title="Staff day")
    draft = make_seminar(site_tree.seminars, title="Planning", shared=True, live=False)
    private = make_seminar(site_tree.seminars, title="Board")
    make_private(private)
    publish(private, shared=True)
    for page in (closed, draft, private):
        assert not OutboundRecord.objects.filter(global_id=page.translation_key).exists()


def test_an_open_seminar_is_a_signed_document_of_the_schema(site_tree):
    city = make_city(site_tree.cities, title="Daugavpils", country="LV")
    start = datetime.datetime(2027, 3, 1, 10, 0, tzinfo=datetime.UTC)
    page = make_seminar(
        site_tree.seminars,
        title="Participatory budgets",
        slug="participatory-budgets",
        kind="workshop",
        shared=True,
        start=start,
        end=start + datetime.timedelta(hours=7),
        timezone="Europe/Riga",
        host_city=city,
        venue_name="City hall",
        online_url="https://meet.example.org/budgets",
        languages=["en", "lv"],
        intro="<p>Budgets <script>x()</script>decided by residents.</p>",
        themes=[site_tree.themes["participatory-democracy"]],
        agenda=json.dumps(
            [
                {
                    "type": "session",
                    "value": {"start_time": "10:00", "title": "Welcome", "kind": "talk"},
                }
            ]
        ),
    )
    translate(page, "lv", title="Līdzdalības budžets", slug="lidzdalibas-budzets")
    from cities_cms.registration.models import RegistrationSettings

    RegistrationSettings.objects.create(seminar=page, is_open=True, capacity=5)
    record, document = document_of(page)
    assert document["type"] == "seminar" and record.version == 2  # English, then Latvian
    schema = json.loads(published.published())
    validator = jsonschema.Draft202012Validator(
        {"$defs": schema["$defs"], "$ref": "#/$defs/SeminarDocument"}
    )
    assert not list(validator.iter_errors(document))
    assert document["fields"] == {
        "kind": "workshop",
        "status": "scheduled",
        "mode": "mixed",
        "start": "2027-03-01T10:00:00Z",
        "end": "2027-03-01T17:00:00Z",
        "timezone": "Europe/Riga",
        "online_url": "https://meet.example.org/budgets",
        "host_city": {"name": "Daugavpils", "country": "LV"},
        "languages": ["en", "lv"],
    }
    assert set(document["locales"]) == {"en", "lv"}  # Polish is an alias: not a translation
    english = document["locales"]["en"]
    assert english["venue_name"] == "City hall"
    assert "script" not in english["intro"] and "decided by residents" in english["intro"]
    assert english["agenda"][0]["value"]["title"] == "Welcome"
    assert document["themes"] == ["participatory-democracy"]
    # Where visitors register: the seminar's own page at the origin, in each language.
    assert document["canonical"]["en"].endswith("/participatory-budgets/")
    assert document["canonical"]["lv"].endswith("/lidzdalibas-budzets/")
    # Registration settings and registrations never travel.
    text = json.dumps(document)
    assert "capacity" not in text and "registration" not in text


def test_postponing_and_cancelling_are_new_versions_not_tombstones(
    site_tree, django_capture_on_commit_callbacks
):
    changes = []

    def listener(sender, **kwargs):
        changes.append(kwargs)

    outbound_changed.connect(listener, dispatch_uid="t_sem")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            page = make_seminar(site_tree.seminars, title="Study visit", shared=True)
        first, _document = document_of(page)
        publish(page, status="postponed")
        record, document = document_of(page)
        assert record.version == first.version + 1 and not record.deleted
        assert document["fields"]["status"] == "postponed"
        publish(page, status="cancelled")
        record, document = document_of(page)
        assert not record.deleted and document["fields"]["status"] == "cancelled"
        # Republishing without a change keeps the version.
        publish(page)
        assert document_of(page)[0].version == record.version
    finally:
        outbound_changed.disconnect(dispatch_uid="t_sem")
    # Each change announced (push notifications follow the signal).
    assert [str(page.translation_key)] in [c["global_ids"] for c in changes]


@pytest.mark.parametrize("how", ["unshare", "unpublish", "delete"])
def test_unsharing_unpublishing_and_deleting_are_tombstones(site_tree, how):
    page = make_seminar(site_tree.seminars, title="Webinar", kind="webinar", shared=True)
    key = page.translation_key
    if how == "unshare":
        publish(page, shared=False)
        reason = "unshared"
    elif how == "unpublish":
        Page.objects.get(pk=page.pk).specific.unpublish()
        reason = "unpublished"
    else:
        Page.objects.get(translation_key=key, alias_of=None).delete()
        reason = "deleted"
    record = OutboundRecord.objects.get(global_id=key)
    assert record.deleted
    assert verify_envelope(record.envelope, current_identity().public_key)["reason"] == reason


def test_rebuild_covers_seminars(site_tree):
    page = make_seminar(site_tree.seminars, title="Conference", shared=True)
    OutboundRecord.objects.all().delete()
    counts = records.rebuild()
    assert counts.get("new") == 1
    assert document_of(page)[1]["type"] == "seminar"


# --- import ---------------------------------------------------------------------------------


@pytest.fixture
def remote():
    with FeedServer() as server:
        site = RemoteSite(server.base_url, city=("Daugavpils", "LV"))
        site.server = server
        site.peer = site.approve_here()
        yield site


@pytest.fixture
def tree(site_tree):
    translate(site_tree.seminars, "lv")
    return site_tree


def copies_of(global_id):
    return {
        page.locale.language_code: page
        for page in SeminarPage.objects.filter(translation_key=global_id).select_related("locale")
    }


def test_a_partners_seminar_becomes_a_read_only_copy_in_every_locale(remote, tree, admin_user):
    city = make_city(tree.cities, title="Daugavpils", country="LV")
    published_pages = []

    def receiver(sender, instance, **kwargs):
        published_pages.append((instance.pk, kwargs.get("alias", False)))

    page_published.connect(receiver, dispatch_uid="t_sem_published")
    try:
        document = seminar_document(remote)
        outcome = import_envelope(remote.peer, remote.envelope(document))
    finally:
        page_published.disconnect(dispatch_uid="t_sem_published")
    assert outcome.status == "imported" and outcome.warnings == [], outcome

    copy = FederatedCopy.objects.get(global_id=document["id"])
    assert copy.kind == "seminar" and copy.origin_city == "Daugavpils"
    assert copy.canonical_urls == document["canonical"]
    pages = copies_of(document["id"])
    assert set(pages) == {"en", "lv", "pl"}
    assert pages["pl"].alias_of_id == pages["en"].pk  # not in the document: the source shows
    english, latvian = pages["en"], pages["lv"]
    assert english.get_parent().pk == tree.seminars.pk
    assert latvian.get_parent().specific.locale.language_code == "lv"
    assert english.live and latvian.live and not english.shared
    assert (english.title, latvian.title) == ("Participatory budgets", "Līdzdalības budžets")
    assert english.kind == "workshop" and english.status == "scheduled"
    assert english.start == datetime.datetime(2027, 3, 1, 8, 0, tzinfo=datetime.UTC)
    assert english.timezone == "Europe/Riga" and english.languages == ["en", "lv"]
    assert english.online_url == "https://meet.example.org/budgets"
    assert english.host_city_id == city.pk
    assert english.agenda[0].value["title"] == "Welcome"
    assert [t.key for t in english.themes.all()] == ["participatory-democracy"]
    # Wagtail's publish signals, as for any published page (search, cache purges).
    assert {(english.pk, False), (latvian.pk, False)} <= set(published_pages)

    # Read-only in the admin; detaching makes it editable and stops updates.
    client = Client()
    client.force_login(admin_user)
    response = client.get(f"/admin/pages/{english.pk}/edit/")
    assert response.status_code == 200
    assert "cities_cms_federation/admin/read_only_copy.html" in [t.name for t in response.templates]
    response = client.post(f"/admin/federation/copies/{english.pk}/detach/")
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.detached
    later = seminar_document(
        remote, global_id=document["id"], version=2, fields={"status": "cancelled"}
    )
    outcome = import_envelope(remote.peer, remote.envelope(later))
    assert outcome.status == "skipped"
    assert SeminarPage.objects.get(pk=english.pk).status == "scheduled"


def test_cancelling_updates_the_copy_and_a_tombstone_removes_it(remote, tree):
    document = seminar_document(remote)
    assert import_envelope(remote.peer, remote.envelope(document)).status == "imported"
    cancelled = seminar_document(
        remote, global_id=document["id"], version=2, fields={"status": "cancelled"}
    )
    outcome = import_envelope(remote.peer, remote.envelope(cancelled))
    assert outcome.status == "updated", outcome
    pages = copies_of(document["id"])
    assert all(page.status == "cancelled" and page.live for page in pages.values())

    tombstone = remote.tombstone(document["id"], 3, reason="unshared")
    assert import_envelope(remote.peer, remote.envelope(tombstone)).status == "withdrawn"
    # The administrator's log of the peer names what was withdrawn.
    assert PeerEvent.objects.get(peer=remote.peer, code="withdrawn").message == (
        "Version 3 withdrew the seminar: its copy is offline."
    )
    assert not SeminarPage.objects.filter(translation_key=document["id"], live=True).exists()
    assert FederatedCopy.objects.get(global_id=document["id"]).withdrawn


def test_a_seminar_cannot_take_over_a_practice_models_id(remote, tree):
    translate(tree.practices, "lv")
    practice = remote.document()
    assert import_envelope(remote.peer, remote.envelope(practice)).status == "imported"
    seminar = seminar_document(remote, global_id=practice["id"], version=2)
    outcome = import_envelope(remote.peer, remote.envelope(seminar))
    assert outcome.refused and outcome.code == "conflict", outcome
    assert not SeminarPage.objects.filter(translation_key=practice["id"]).exists()
    assert FederatedCopy.objects.get(global_id=practice["id"]).version == 1
