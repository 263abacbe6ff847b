"""Pulling one peer's feed (docs/federation.md §5, §10): the whole inbound loop.

:func:`sync_peer` asks for the feed after the peer's stored cursor (with ``If-None-Match``
when it asks for the same cursor again), imports every envelope of the page through
``importer.import_envelope`` (one transaction per document), stores ``next`` as the cursor
only once the page is processed, and repeats while ``more`` is true. The feed is streamed page
by page: never more than one page of documents is held in memory.

Failures of the exchange itself (timeouts, refused addresses, HTTP errors, bad JSON) stop the
run, are logged as a ``PeerEvent``, shown in the peer's status, and schedule the next attempt
with back-off: 1 minute, doubling, capped at 6 hours. Only approved peers are pulled.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..conf import settings
from .fetch import fetch
from .importer import ImportCache, defer_copies, deferred_indexing, import_envelope
from .models import Peer, PeerEvent, PeerStatus
from .schema import FeedPage, ProtocolError
from .validate import parse_json

logger = logging.getLogger(__name__)

FEED_PATH = "/federation/feed/"
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
        else:
            self.refused += 1
            self.codes[outcome.code] = self.codes.get(outcome.code, 0) + 1


def backoff(failures: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_START * 2 ** max(failures - 1, 0), BACKOFF_CAP))


def feed_url(peer, cursor, limit) -> str:
    return (
        peer.base_url.rstrip("/") + FEED_PATH + "?" + urlencode({"after": cursor, "limit": limit})
    )


def _valid_cursor(value) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19


def parse_page(body: bytes) -> tuple[list, str, bool]:
    data = parse_json(body)  # ProtocolError "bad-json"
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ProtocolError("bad-json", _("The feed is not a JSON object with a list of items."))
    # The page's frame only: each item is checked on its own, so one bad envelope is refused
    # (and logged) without losing the others.
    try:
        FeedPage.model_validate({**data, "items": []})
    except ValueError:
        raise ProtocolError(
            "bad-json", _("The feed's next cursor or more flag is invalid.")
        ) from None
    return data["items"], data["next"], data["more"]


def _split_etag(stored: str) -> tuple[str, str]:
    cursor, _sep, etag = (stored or "").partition(" ")
    return cursor, etag


def fetch_page(peer, cursor, limit, result):
    max_document = int(settings.CITIES_CMS_FEDERATION_MAX_DOCUMENT_BYTES)
    headers = {"Accept": "application/json"}
    etag_cursor, etag = _split_etag(peer.etag)
    if etag and etag_cursor == cursor:
        headers["If-None-Match"] = etag
    result.requests += 1
    response = fetch(  # ProtocolError: the exchange failed
        feed_url(peer, cursor, limit),
        allow_private=peer.is_local,
        max_bytes=limit * max_document + 64 * 1024,
        headers=headers,
    )
    if response.status == 304:
        return None, response
    if response.status != 200:
        raise ProtocolError(
            "http-error",
            _("The feed answered HTTP %(status)s.") % {"status": response.status},
        )
    return parse_page(response.body), response


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


def _follow_rotation_once(peer, state) -> bool:
    """On ``wrong-key`` from the serving peer itself: re-read its descriptor once per run;
    a handover signed by the pinned key re-pins the new key (peers.follow_rotation)."""
    if state.get("rotation_checked"):
        return False
    state["rotation_checked"] = True
    try:
        from .peers import refresh_descriptor
    except ImportError:  # pragma: no cover - the PEERS part is installed with this one
        return False
    old_key = peer.public_key
    try:
        refresh_descriptor(peer)
    except (ProtocolError, ValueError) as exc:
        logger.info("Descriptor of %s not refreshed: %s", peer.base_url, exc)
        return False
    peer.refresh_from_db()
    return peer.public_key != old_key and peer.status == PeerStatus.APPROVED


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
    state = {}
    try:
        for _page in range(MAX_PAGES):
            page, response = fetch_page(peer, cursor, limit, result)
            if page is None:
                result.not_modified = True
                break
            items, next_cursor, more = page
            if len(items) > limit:
                raise ProtocolError("invalid", _("The feed sent more items than asked for."))
            cache = ImportCache()  # look-ups shared by the documents of this page
            # Search and reference index: once for the whole page, before the cursor moves.
            with deferred_indexing():
                unchanged = []
                for envelope in items:
                    outcome = import_envelope(peer, envelope, cache=cache)
                    if outcome.code == "wrong-key" and _follow_rotation_once(peer, state):
                        outcome = import_envelope(peer, envelope, cache=cache)
                    result.count(outcome)
                    if outcome.status == "unchanged" and outcome.global_id:
                        unchanged.append(outcome.global_id)
                    if progress is not None:
                        progress(result)
                # Documents received again (a run that died before indexing them): index them.
                defer_copies(unchanged)
            etag = response.headers.get("etag", "")
            # Only now, with every document of the page committed, does the cursor move.
            stored_etag = f"{cursor} {etag}"[:200] if etag and len(etag) < 180 else ""
            if int(next_cursor) >= int(cursor):
                Peer.objects.filter(pk=peer.pk).update(cursor=next_cursor, etag=stored_etag)
                peer.cursor, peer.etag = next_cursor, stored_etag
            if not more or next_cursor == cursor:
                # Remember the ETag of the empty page after the new cursor on the next run.
                break
            cursor = next_cursor
    except ProtocolError as exc:
        _failed(peer, exc.code, exc.message, result)
    else:
        _succeeded(peer, result)
        if result.received:
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
    """Approved peers whose back-off (if any) is over."""
    from django.db.models import Q

    now = now or timezone.now()
    return Peer.objects.filter(status=PeerStatus.APPROVED).filter(
        Q(next_retry_at__isnull=True) | Q(next_retry_at__lte=now)
    )
