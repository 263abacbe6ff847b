"""A hostile relaying hub (docs/federation.md §7, §11): everything it serves in its relay feed
is checked against each author's pinned key, so it can pass documents on but never change,
forge, roll back or withdraw them. Each refusal is a peer event on the hub and changes
nothing. Real HTTP on 127.0.0.1 (the hub is a loopback server; this instance trusts its
member list).
"""

import pytest

from cities_cms.federation.models import FederatedCopy, PeerEvent
from cities_cms.federation.sync import sync_peer
from cities_cms.pages import PracticeModelPage

from .factories import RemoteSite
from .test_relay import hub, tree  # noqa: F401  (the fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(hub, tree):  # noqa: F811
    """Riga's document, version 2, received through the hub; hub.sent holds its versions."""
    first = hub.riga.document(titles={"en": "Night buses", "lv": "Nakts autobusi"})
    hub.sent = {1: hub.riga.envelope(first), 2: hub.riga.envelope({**first, "version": 2})}
    hub.server.items.append(hub.sent[2])
    result = sync_peer(hub.peer)
    assert result.imported == 1, result.codes
    hub.document_id = first["id"]
    return hub


def state(global_id):
    copy = FederatedCopy.objects.get(global_id=global_id)
    live = PracticeModelPage.objects.filter(translation_key=global_id, live=True).count()
    titles = sorted(
        PracticeModelPage.objects.filter(translation_key=global_id).values_list("title", flat=True)
    )
    return copy.version, copy.withdrawn, live, titles


def refused(relay_hub, envelope):
    """Serve ``envelope`` next in the hub's relay feed and pull: the refusal's code."""
    relay_hub.server.items.append(envelope)
    PeerEvent.objects.all().delete()
    result = sync_peer(relay_hub.peer)
    assert (result.received, result.refused, result.imported) == (1, 1, 0), result.codes
    (event,) = PeerEvent.objects.filter(peer=relay_hub.peer, level=PeerEvent.Level.ERROR)
    return event.code


def test_an_altered_envelope_is_refused(received):
    before = state(received.document_id)
    altered = received.riga.envelope(
        received.riga.document(global_id=received.document_id, version=3)
    )
    altered["document"]["locales"]["en"]["title"] = "Changed by the hub"
    assert refused(received, altered) == "bad-signature"
    assert state(received.document_id) == before


def test_a_document_by_an_author_not_on_the_list_is_refused(received):
    stranger = RemoteSite("https://stranger.example", city=("Nowhere", "BE"))
    document = stranger.document(titles={"en": "Injected"})
    assert refused(received, stranger.envelope(document)) == "unknown-author"
    assert not FederatedCopy.objects.filter(global_id=document["id"]).exists()


def test_a_document_forged_by_the_hub_in_a_members_name_is_refused(received):
    before = state(received.document_id)
    forged = received.riga.document(global_id=received.document_id, version=3)
    code = refused(received, received.riga.envelope(forged, signer=received.identity))
    assert code in ("wrong-key", "bad-signature")
    assert state(received.document_id) == before


def test_an_older_version_replayed_by_the_hub_is_refused(received):
    before = state(received.document_id)
    assert refused(received, received.sent[1]) == "old-version"
    assert state(received.document_id) == before


def test_a_tombstone_for_another_origins_page_is_refused(received):
    before = state(received.document_id)
    # Signed by Tartu (a member), for Riga's document.
    tombstone = received.tartu.tombstone(received.document_id, 9)
    assert refused(received, received.tartu.envelope(tombstone)) == "wrong-origin"
    # Riga's origin, signed by the hub.
    forged = received.riga.tombstone(received.document_id, 9)
    code = refused(received, received.riga.envelope(forged, signer=received.identity))
    assert code in ("wrong-key", "bad-signature")
    assert state(received.document_id) == before
    assert before[1] is False and before[2] > 0  # still live, not withdrawn


def test_the_authors_own_tombstone_through_the_hub_withdraws_it(received):
    tombstone = received.riga.envelope(received.riga.tombstone(received.document_id, 3))
    received.server.items.append(tombstone)
    result = sync_peer(received.peer)
    assert result.tombstones == 1
    version, withdrawn, live, _titles = state(received.document_id)
    assert (version, withdrawn, live) == (3, True, 0)
