"""Hostile seminar documents, each through the real pull over HTTP on 127.0.0.1.

Refused (a ``PeerEvent`` with the code, the peer's ``last_error``, nothing changed in pages,
revisions, images and copies): an end before the start, an unknown time zone, an online link
that is not http(s) or points to a private, loopback or reserved address, a registration page
on another host than the origin, oversized text; and, through the path every document takes,
a bad signature, a foreign key, an older version, a document over the size limit. Cleaned
with a warning: a kind, status or mode this version does not know (the default is used).
A refused update leaves the copy as it was.
"""

import uuid

import pytest
from django.test import override_settings
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

from cities_cms.federation.models import FederatedCopy, FederatedMedia, PeerEvent
from cities_cms.federation.signing import sign_document
from cities_cms.federation.sync import sync_peer
from cities_cms.pages import SeminarPage

from ..utils import translate
from .factories import new_identity
from .seminar_factories import seminar_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(site_tree):
    translate(site_tree.seminars, "lv")
    return site_tree


def state():
    return (
        Page.objects.count(),
        Revision.objects.count(),
        get_image_model().objects.count(),
        FederatedCopy.objects.count(),
        FederatedMedia.objects.count(),
        list(SeminarPage.objects.order_by("pk").values_list("pk", "title", "status", "start")),
    )


def pull(remote, *envelopes):
    remote.server.items.extend(envelopes)
    return sync_peer(remote.peer)


def assert_refused(remote, code, before, result, *, contains=""):
    remote.peer.refresh_from_db()
    events = list(PeerEvent.objects.filter(peer=remote.peer, level="error"))
    assert [event.code for event in events] == [code], [(e.code, e.message) for e in events]
    assert contains in events[0].message, events[0].message
    assert remote.peer.last_error.startswith(code), remote.peer.last_error
    assert result.refused == 1 and result.imported == 0
    assert state() == before


@pytest.mark.parametrize(
    ("fields", "code", "contains"),
    [
        ({"end": "2027-03-01T07:59:59Z"}, "invalid", "fields.end is before fields.start"),
        ({"start": "2027-03-01"}, "invalid", "fields.start has no UTC offset"),
        ({"start": "0001-01-01T00:00:00+01:00"}, "invalid", "between the years 1900 and 2200"),
        ({"timezone": "Europe/Atlantis"}, "invalid", "not a known time zone"),
        ({"timezone": "x" * 65}, "invalid", "fields.timezone"),
        ({"online_url": "javascript:alert(1)"}, "invalid", "fields.online_url"),
        ({"online_url": "http://127.0.0.1:8000/admin/"}, "private-address", "127.0.0.1"),
        ({"online_url": "https://10.1.2.3/join"}, "private-address", "10.1.2.3"),
        ({"online_url": "https://[::1]/join"}, "private-address", "::1"),
        ({"online_url": "http://0x7f.1/"}, "private-address", "0x7f.1"),
        ({"online_url": "http://2130706433/"}, "private-address", "2130706433"),
        ({"online_url": "http://localhost/join"}, "private-address", "localhost"),
        ({"online_url": "http://router.home.arpa/"}, "private-address", "router.home.arpa"),
        ({"online_url": "https://user:pw@meet.example.org/"}, "invalid", "password"),
        ({"kind": "webinar", "online_url": None}, "invalid", "webinar needs an online link"),
    ],
)
def test_refused_fields(remote, tree, fields, code, contains):
    before = state()
    result = pull(remote, remote.envelope(seminar_document(remote, fields=fields)))
    assert_refused(remote, code, before, result, contains=contains)


def test_a_registration_page_on_another_host(remote, tree):
    document = seminar_document(remote)
    document["canonical"]["lv"] = "https://register.example.net/lv/seminar/"
    before = state()
    result = pull(remote, remote.envelope(document))
    assert_refused(remote, "invalid", before, result, contains="not on the origin's host")


def test_oversized_text(remote, tree):
    document = seminar_document(
        remote, locale_changes={"en": {"venue_name": "x" * 201}, "lv": {"summary": "y" * 401}}
    )
    before = state()
    result = pull(remote, remote.envelope(document))
    assert_refused(remote, "invalid", before, result, contains="longer than 200 characters")


def test_unknown_kind_status_and_mode_are_cleaned_with_warnings(remote, tree):
    document = seminar_document(
        remote, fields={"kind": "hackathon", "status": "rescheduled", "mode": "hologram"}
    )
    result = pull(remote, remote.envelope(document))
    assert result.imported == 1
    warnings = list(
        PeerEvent.objects.filter(peer=remote.peer, level="warning").values_list("code", "message")
    )
    assert [code for code, _message in warnings] == ["unknown-value"] * 3, warnings
    page = SeminarPage.objects.get(translation_key=document["id"], locale__language_code="en")
    assert (page.kind, page.status) == ("seminar", "scheduled")


def test_a_refused_update_leaves_the_copy_as_it_was(remote, tree):
    global_id = str(uuid.uuid4())
    assert pull(remote, remote.envelope(seminar_document(remote, global_id=global_id))).imported
    PeerEvent.objects.all().delete()
    before = state()
    broken = seminar_document(
        remote,
        global_id=global_id,
        version=2,
        fields={"status": "cancelled", "online_url": "http://192.168.0.1/"},
    )
    result = pull(remote, remote.envelope(broken))
    assert_refused(remote, "private-address", before, result)
    assert FederatedCopy.objects.get(global_id=global_id).version == 1


# --- the rules every document follows ----------------------------------------------------------


def test_a_tampered_seminar(remote, tree):
    envelope = remote.envelope(seminar_document(remote))
    envelope["document"]["fields"]["online_url"] = "https://evil.example.org/"
    before = state()
    assert_refused(remote, "bad-signature", before, pull(remote, envelope))


def test_a_seminar_signed_by_another_key(remote, tree):
    before = state()
    result = pull(remote, sign_document(seminar_document(remote), new_identity()))
    assert_refused(remote, "wrong-key", before, result)


def test_an_older_version_of_a_seminar(remote, tree):
    global_id = str(uuid.uuid4())
    pull(remote, remote.envelope(seminar_document(remote, global_id=global_id, version=5)))
    PeerEvent.objects.all().delete()
    before = state()
    result = pull(remote, remote.envelope(seminar_document(remote, global_id=global_id, version=4)))
    assert_refused(remote, "old-version", before, result)


@override_settings(CITIES_CMS_FEDERATION_MAX_DOCUMENT_BYTES=20_000)
def test_a_seminar_over_the_size_limit(remote, tree):
    big = seminar_document(remote, locale_changes={"en": {"intro": "<p>" + "x" * 30_000 + "</p>"}})
    before = state()
    assert_refused(remote, "too-large", before, pull(remote, remote.envelope(big)))
