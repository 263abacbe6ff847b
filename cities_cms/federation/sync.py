"""The driver of the inbound path (docs/federation.md §5, §10): the only way content from a
peer reaches this site.

Each stage is one module, called once per item, in this order, on the previous stage's output;
each refuses with a ``ProtocolError`` carrying a code, and none calls back into an earlier one:

==========  =================================  ==========================================
stage       module                             in → out
==========  =================================  ==========================================
fetch       ``fetch.fetch_feed_page``          peer + cursor → HTTP answer (200 or 304)
parse       ``parse.parse_feed_page``          bytes → page of envelopes (JSON objects)
verify      ``verify.Verifier``                envelope → ``Verified`` (author, document)
validate    ``validate.validate``              ``Verified`` → ``CleanDocument``
apply       ``importer.apply``                 ``CleanDocument`` → pages changed, ``Outcome``
==========  =================================  ==========================================

:func:`sync_peer` pulls one approved peer: it asks for the feed after the peer's stored cursor
(with ``If-None-Match`` when it has the ETag of that very page), passes every envelope of the
page through :func:`import_envelope` (verify → validate → apply, one transaction per
document), stores ``next`` as the cursor only once the page is processed, and goes on until
a page comes back empty (or 304): the empty page's ETag makes the next run without changes a
single 304. Never more than one page of documents is held in memory. The push inbox only
queues ``sync_peer`` (pushed bodies are never content), and loading a set of envelopes (the
demo's) calls :func:`import_envelope`: every way in is this one.

A trusted coordinator that relays (relay.py) is pulled through its relay feed instead of its
plain feed: the same loop, cursor and ETag, with its members' envelopes verified against each
author's pinned key; the hub keeps what its members serve it for its own relay feed
(``relay.keep``, when it relays). The periodic pull leaves out the members such a hub
relays while it answers (:func:`due_peers`).

Failures of the exchange itself (timeouts, refused addresses, HTTP errors, bad JSON) stop the
run, are logged as a ``PeerEvent``, shown in the peer's status, and schedule the next attempt
with back-off: 1 minute, doubling, capped at 6 hours. Only approved peers are pulled. A
refused document is logged (a ``PeerEvent`` on the serving peer) and the next one is tried.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..conf import settings
from .fetch import fetch_feed_page, stored_etag
from .importer import ImportCache, Outcome, apply, defer_copies, deferred_indexing
from .models import Peer, PeerEvent, PeerStatus
from .parse import parse_feed_page
from .relay import announce, exclude_relayed, keep, note_members_synced, uses_relay
from .schema import ProtocolError
from .validate import validate
from .verify import Verifier

logger = logging.getLogger(__name__)

BACKOFF_START = 60
BACKOFF_CAP = 6 * 3600
MAX_PAGES = 10_000  # a peer cannot keep a run going forever with "more": true
CURSOR_DIGITS = 19


@dataclass
class SyncResult:
    received: int = 0
    imported: int = 0  # new copies and updates
    unchanged: int = 0
    refused: int = 0
    tombstones: int = 0
    requests: int = 0
    skipped: int = 0  # detached copies
    own: int = 0  # this instance's own documents, relayed back by a hub
    relayed: list = field(default_factory=list)  # ids this hub now relays (relay.keep)
    failed: bool = False
    error: str = ""
    not_modified: bool = False
    seconds: float = 0.0
    codes: dict = field(default_factory=dict)

    def count(self, outcome):
        self.received += 1
        if outcome.status in ("imported", "updated"):
            self.imported += 1
        elif outcome.status == "unchanged":
            self.unchanged += 1
        elif outcome.status == "withdrawn":
            self.tombstones += 1
        elif outcome.status == "skipped":
            self.skipped += 1
        elif outcome.status == "own":
            self.own += 1
        else:
            self.refused += 1
            self.codes[outcome.code] = self.codes.get(outcome.code, 0) + 1


def backoff(failures: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_START * 2 ** max(failures - 1, 0), BACKOFF_CAP))


def _valid_cursor(value) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19


def _succeeded(peer, result):
    now = timezone.now()
    Peer.objects.filter(pk=peer.pk).update(
        last_success_at=now,
        consecutive_failures=0,
        next_retry_at=None,
        items_received=F("items_received") + result.received,
    )


def _failed(peer, code, message, result):
    now = timezone.now()
    peer.refresh_from_db(fields=["consecutive_failures"])
    failures = peer.consecutive_failures + 1
    full = f"{code}: {message}"
    Peer.objects.filter(pk=peer.pk).update(
        last_error=full,
        last_error_at=now,
        consecutive_failures=failures,
        next_retry_at=now + backoff(failures),
        items_received=F("items_received") + result.received,
    )
    PeerEvent.objects.create(
        peer=peer, level=PeerEvent.Level.ERROR, code=code[:50], message=message
    )
    result.failed, result.error = True, full
    logger.warning("Sync of %s failed: %s", peer.base_url, full)


def _storable(text: str) -> str:
    """A peer's text as a database column takes it: PostgreSQL refuses NUL characters."""
    return text.replace("\x00", "\ufffd")


def log_outcome(peer, outcome: Outcome):
    """PeerEvent rows for what an editor should see: refusals, warnings, withdrawals."""
    outcome.code, outcome.message = _storable(outcome.code), _storable(outcome.message)
    outcome.global_id = _storable(outcome.global_id)
    outcome.warnings = [(_storable(code), _storable(text)) for code, text in outcome.warnings]
    events = []
    if outcome.refused:
        events.append(
            PeerEvent(
                peer=peer,
                level=PeerEvent.Level.ERROR,
                code=outcome.code[:50],
                message=outcome.message,
                global_id=outcome.global_id,
            )
        )
    for code, message in outcome.warnings:
        events.append(
            PeerEvent(
                peer=peer,
                level=PeerEvent.Level.WARNING,
                code=code[:50],
                message=message,
                global_id=outcome.global_id,
            )
        )
    if outcome.status in ("withdrawn", "skipped"):
        events.append(
            PeerEvent(
                peer=peer,
                level=PeerEvent.Level.INFO,
                code=outcome.status,
                message=outcome.message,
                global_id=outcome.global_id,
            )
        )
    if events:
        PeerEvent.objects.bulk_create(events)


def import_envelope(
    peer, envelope, *, log=True, languages=None, cache=None, verifier=None, relay=False, kept=None
):
    """One envelope served by ``peer`` through verify → validate → apply; never raises for
    input. Returns the :class:`~cities_cms.federation.importer.Outcome`.

    Refusals are logged on ``peer`` (a PeerEvent) and its ``last_error`` is set. ``cache``: an
    :class:`ImportCache` shared by the documents of one feed page; ``verifier``: the
    :class:`Verifier` of the run (one is made for a lone envelope); ``languages``: the
    language codes to import (default: this site's locales). ``relay``: served by a hub's
    relay feed, where this instance's own documents are expected (status "own", not logged).
    ``kept``: a list that gets the id when this hub keeps the envelope to relay it.
    """
    verifier = verifier or Verifier(peer)
    own_cache = cache if cache is not None else ImportCache()
    try:
        verified = verifier(envelope)
        if keep(peer, verified.author, envelope) and kept is not None:
            kept.append(verified.global_id)
        if languages is None:
            languages = set(own_cache.locales())
        clean = validate(verified, languages=languages)
        outcome = apply(clean, peer=peer, author=verified.author, cache=own_cache)
    except ProtocolError as exc:
        if relay and exc.code == "own-document":
            return Outcome("own", exc.code, exc.message, exc.global_id)
        outcome = Outcome("refused", exc.code, exc.message, exc.global_id)
    except Exception as exc:  # a peer's input must never break the run
        # A bug or a database error: logged with its traceback, the document is refused (its
        # transaction rolled back) and the next one is tried.
        logger.exception("Importing a document from %s failed", peer.base_url)
        outcome = Outcome(
            "refused", "error", _("The import failed: %(error)s") % {"error": str(exc)[:300]}
        )
    if outcome.refused and cache is not None:
        cache.reset()  # a rolled-back document may have created an alias parent
    if log:
        log_outcome(peer, outcome)
        if outcome.refused:
            message = f"{outcome.code}: {outcome.message}"
            Peer.objects.filter(pk=peer.pk).update(last_error=message, last_error_at=timezone.now())
            peer.last_error = message
    return outcome


def sync_peer(peer, *, progress=None) -> SyncResult:
    """Pull ``peer``'s feed from its cursor and import what verifies; see the module doc.

    ``progress(result)`` is called after each document (for a progress display).
    """
    result = SyncResult()
    started = time.monotonic()
    peer.refresh_from_db()
    if peer.status != PeerStatus.APPROVED or not peer.public_key:
        result.error = _("The peer is not approved: nothing was fetched.")
        return result
    Peer.objects.filter(pk=peer.pk).update(last_attempt_at=timezone.now())
    limit = min(int(settings.CITIES_CMS_FEDERATION_FEED_PAGE_SIZE), 500)
    cursor = peer.cursor if _valid_cursor(peer.cursor) else "0"
    relay = uses_relay(peer)  # a trusted coordinator's relay feed instead of its plain feed
    verifier = Verifier(peer)  # one per run: at most one look for a key rotation
    try:
        for _page in range(MAX_PAGES):
            result.requests += 1
            response = fetch_feed_page(
                peer, cursor, limit, address=peer.relay_url if relay else None
            )
            if response.status == 304:
                result.not_modified = True
                break
            page = parse_feed_page(response.body, limit=limit)
            cache = ImportCache()  # look-ups shared by the documents of this page
            # Search and reference index: once for the whole page, before the cursor moves.
            with deferred_indexing():
                unchanged, kept = [], []
                for envelope in page.items:
                    outcome = import_envelope(
                        peer, envelope, cache=cache, verifier=verifier, relay=relay, kept=kept
                    )
                    result.count(outcome)
                    if outcome.status == "unchanged" and outcome.global_id:
                        unchanged.append(outcome.global_id)
                    if progress is not None:
                        progress(result)
                # Documents received again (a run that died before indexing them): index them.
                defer_copies(unchanged)
            # This hub's relay feed changed: its peers are told (push), once.
            announce(kept)
            result.relayed += kept
            # Only now, with every document of the page committed, does the cursor move.
            etag = stored_etag(cursor, response.headers.get("etag", ""))
            if int(page.next) >= int(cursor) and (page.next, etag) != (peer.cursor, peer.etag):
                Peer.objects.filter(pk=peer.pk).update(cursor=page.next, etag=etag)
                peer.cursor, peer.etag = page.next, etag
            if page.next == cursor or not (page.items or page.more):
                # An empty page: its ETag, stored above, makes the next run without changes
                # a single 304.
                break
            if not page.more and int(page.next) < int(cursor):
                break  # a cursor that went back: the stored one stays
            # Even after the last page ("more": false) one more request: the empty page after
            # the new cursor, for its ETag (the feed's ETags are per cursor).
            cursor = page.next
    except ProtocolError as exc:
        _failed(peer, exc.code, exc.message, result)
    else:
        _succeeded(peer, result)
        if relay:
            note_members_synced(peer)
        if result.received - result.own:
            PeerEvent.objects.create(
                peer=peer,
                level=PeerEvent.Level.INFO,
                code="synced",
                message=ngettext(
                    "Received %(received)s document: %(imported)s imported or updated, "
                    "%(unchanged)s unchanged, %(tombstones)s withdrawn, %(refused)s refused.",
                    "Received %(received)s documents: %(imported)s imported or updated, "
                    "%(unchanged)s unchanged, %(tombstones)s withdrawn, %(refused)s refused.",
                    result.received,
                )
                % {
                    "received": result.received,
                    "imported": result.imported,
                    "unchanged": result.unchanged,
                    "tombstones": result.tombstones,
                    "refused": result.refused,
                },
            )
    result.seconds = time.monotonic() - started
    peer.refresh_from_db()
    return result


def due_peers(now=None):
    """Approved peers whose back-off (if any) is over, but for the members of a relaying hub
    whose last pull succeeded."""
    from django.db.models import Q

    now = now or timezone.now()
    due = Peer.objects.filter(status=PeerStatus.APPROVED).filter(
        Q(next_retry_at__isnull=True) | Q(next_retry_at__lte=now)
    )
    # Members a relaying hub serves: pulled through it while it answers (relay.py).
    return exclude_relayed(due)
