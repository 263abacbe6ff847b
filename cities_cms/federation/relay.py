"""A relaying hub (docs/federation.md §7): one feed for a whole network.

**The hub** (a coordinator with ``CITIES_CMS_FEDERATION_RELAY``) keeps, for each document a
member served it *itself*, the latest envelope exactly as the author signed it
(:func:`keep`, called by ``sync.import_envelope`` once the verify stage found the author).
``GET /federation/relay/`` (:func:`relay_feed`) serves the hub's own records and those
envelopes in one order: one sequence counter for both (``records.next_sequence``), so the
relay feed has the feed's cursor, ETag and ``304`` rules (§5). The hub never relays what it
did not get from the author itself: nothing it received through another relay, nothing it
signed (a detached copy is the hub's own page, never a member's envelope), no id that
belongs to another author or to the hub, no version older than the one it relays. What it
relays does not depend on what it imported: a hub without a document's language, or whose
editor detached the copy, still passes on the author's versions; every client verifies and
validates each document itself. Envelopes of a member the hub no longer approves are not
served. After a page of members' documents the hub notifies its own peers (push, §6).

**A client** that trusts the hub's member list learns the relay's address from it
(``relay_url``, stored as ``Peer.relay_url`` on the coordinator) and then pulls the hub's
relay feed instead of its plain feed, and no longer pulls the members approved through that
list one by one while the hub answers (:func:`relayed_members`): a round without changes is
the list and one ``304``. Each envelope goes through the same verify stage as any other (its
author's pinned key, whoever served it), refusals are logged on the hub. A member is pulled
directly again by "Sync now" on it, and by the periodic pull whenever the hub's last pull
failed (``consecutive_failures``) or the hub stops announcing a relay.
"""

import uuid

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from ..conf import settings
from .models import FederatedCopy, OutboundRecord, Peer, PeerStatus, RelayRecord
from .schema import MAX_VERSION
from .validate import normalise_base_url
from .views import feed_response, public_get

RELAY_PATH = "/federation/relay/"
RELAYED_TYPES = {"practice-model", "seminar", "tombstone"}


def relaying() -> bool:
    return bool(settings.CITIES_CMS_FEDERATION_RELAY)


# --- The hub: what members send it -------------------------------------------------------


def _frame(document):
    """(global id, version, tombstone?) of a relayable document, else None."""
    if not isinstance(document, dict) or document.get("type") not in RELAYED_TYPES:
        return None
    version = document.get("version")
    if type(version) is not int or not 1 <= version <= MAX_VERSION:
        return None
    try:
        global_id = uuid.UUID(document.get("id"))
    except (TypeError, ValueError, AttributeError):
        return None
    if str(global_id) != document["id"].lower():
        return None
    return global_id, version, document["type"] == "tombstone"


def _owned_elsewhere(global_id, author) -> bool:
    """The id is the hub's own, or a copy the hub holds from another author."""
    if OutboundRecord.objects.filter(global_id=global_id).exists():
        return True
    base = normalise_base_url(author.base_url)
    return (
        FederatedCopy.objects.filter(global_id=global_id)
        .exclude(origin_url__in=[base, base + "/"])
        .exists()
    )


def keep(served_by: Peer, author: Peer, envelope) -> bool:
    """Keep ``envelope`` (verified: signed by ``author``'s pinned key) for the relay feed when
    this instance relays and the author served it itself; True when the relay changed."""
    if not relaying() or author.pk != served_by.pk:
        return False  # relayed to us by someone else: never passed on
    frame = _frame(envelope.get("document"))
    if frame is None:
        return False
    global_id, version, deleted = frame
    existing = RelayRecord.objects.filter(global_id=global_id).first()
    if existing is not None and (existing.author_id != author.pk or existing.version >= version):
        return False
    if existing is None and _owned_elsewhere(global_id, author):
        return False
    from .records import next_sequence

    with transaction.atomic():
        sequence = next_sequence()  # the counter's lock: sequences commit in order
        existing = RelayRecord.objects.filter(global_id=global_id).first()  # again, locked
        if existing is not None and (
            existing.author_id != author.pk or existing.version >= version
        ):
            return False
        record = existing or RelayRecord(global_id=global_id, author=author)
        record.version, record.deleted, record.sequence = version, deleted, sequence
        record.envelope = envelope
        record.save()
    return True


def announce(global_ids):
    """Tell the hub's peers (push, §6) that the relay feed changed, once the page commits."""
    if not global_ids:
        return
    from .signals import outbound_changed

    ids = [str(value) for value in global_ids]
    transaction.on_commit(
        lambda: outbound_changed.send(
            sender=RelayRecord,
            global_ids=ids,
            sequence=RelayRecord.objects.order_by("-sequence")
            .values_list("sequence", flat=True)
            .first(),
        )
    )


def relay_rows_after(after, count):
    """(sequence, envelope) of the hub's own records and of its approved members' relayed
    envelopes after ``after``, in sequence order: one query."""
    # (Each part without its model's ordering: SQLite takes no ORDER BY inside a UNION.)
    own = (
        OutboundRecord.objects.filter(sequence__gt=after)
        .order_by()
        .values_list("sequence", "envelope")
    )
    relayed = (
        RelayRecord.objects.filter(sequence__gt=after, author__status=PeerStatus.APPROVED)
        .order_by()
        .values_list("sequence", "envelope")
    )
    return list(own.union(relayed, all=True).order_by("sequence")[:count])


@public_get
def relay_feed(request):
    """``GET /federation/relay/?after=<cursor>&limit=<n>`` on a relaying hub; 404 elsewhere."""
    if not relaying():
        raise Http404
    return feed_response(request, relay_rows_after, salt="relay|")


# --- A client: pulling through a hub -----------------------------------------------------


def relay_url_of(document, coordinator_base_url) -> str:
    """The relay address a member list announces ("" when none); ``ValueError`` when it is
    not on the coordinator's own address (a list cannot send pulls elsewhere)."""
    value = document.get("relay_url") if isinstance(document, dict) else None
    if value in (None, ""):
        return ""
    base = normalise_base_url(coordinator_base_url)
    if not isinstance(value, str) or not value.startswith(base + "/") or len(value) > 500:
        raise ValueError("relay_url")
    return value


def uses_relay(peer: Peer) -> bool:
    """Pull ``peer`` (a trusted coordinator) through its relay feed."""
    return bool(peer.publishes_member_list and peer.relay_url)


def _through_healthy_relay() -> Q:
    return (
        Q(approved_via__status=PeerStatus.APPROVED)
        & Q(approved_via__publishes_member_list=True)
        & Q(approved_via__consecutive_failures=0)
        & ~Q(approved_via__relay_url="")
    )


def relayed_members():
    """Approved peers whose documents come through a relaying hub that answers: the periodic
    pull leaves them out (``sync.due_peers``)."""
    return Peer.objects.filter(status=PeerStatus.APPROVED).filter(_through_healthy_relay())


def exclude_relayed(queryset):
    return queryset.exclude(_through_healthy_relay())


def note_members_synced(hub: Peer):
    """A successful pull of the hub's relay feed is one of its members too (the admin's
    "last successful sync")."""
    Peer.objects.filter(approved_via=hub, status=PeerStatus.APPROVED).update(
        last_success_at=timezone.now()
    )
