"""Importing one signed document from a peer: verify, validate, then change pages atomically.

:func:`import_envelope` is the only way content from elsewhere reaches the page tree:

1. the envelope's size, shape and signature are checked against the **author's** pinned key
   (``origin.base_url`` → the approved peer with that address, whoever served the document:
   relays, docs/federation.md §7); documents authored by this instance are refused;
2. the document is validated (``validate.py``; rich text is sanitised there and in blocks);
3. new images are downloaded and checked (``media.py``) before any transaction starts;
4. in **one transaction per document**, holding a lock on the author's ``Peer`` row and on the
   ``FederatedCopy`` row: versions are compared (equal: nothing happens; older: refused), then
   the practice model is created or updated in every locale both sides have (same
   ``translation_key`` as the origin, one revision each, published without a workflow), or,
   for a tombstone, unpublished. A failure anywhere rolls the whole document back.

Refusals are returned (``Outcome.status == "refused"``) and logged as ``PeerEvent`` rows on the
peer that served the document; nothing is raised for anything a peer can send.

The stages live in this package's modules: ``authors`` (size and signature against the
author's pinned key), ``blocks`` (block JSON to this site's blocks), ``pages`` (applying a
document to the tree), ``indexing`` (search and reference index once per document),
``wagtail_internals`` (every use of Wagtail's internals, each with what it relies on).
"""

import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ...pages import PracticeModelPage
from .. import media as media_module
from ..identity import format_fingerprint
from ..models import FederatedCopy, Peer, PeerEvent
from ..schema import ProtocolError
from ..validate import normalise_base_url, validate_document
from .authors import envelope_size, own_identity, pinned_key_for_author, verify
from .blocks import BlockImporter
from .indexing import defer_copies, deferred_indexing, flush_index
from .pages import ImportCache, _apply_document, _store_images, _withdraw, federation_parent

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    # "imported" (new copy), "updated", "unchanged", "withdrawn" (tombstone applied),
    # "skipped" (detached copy), "refused"
    status: str
    code: str = ""
    message: str = ""
    global_id: str = ""
    version: int | None = None
    warnings: list = field(default_factory=list)

    @property
    def refused(self):
        return self.status == "refused"


def _copy_fields(copy, clean, peer, author):
    copy.peer = peer
    copy.origin_url = clean.origin["base_url"]
    copy.origin_key_fingerprint = format_fingerprint(clean.origin["key_id"])
    city = clean.origin["city"] or {}
    copy.origin_city = (
        city.get("name")
        or clean.attribution.get("organisation")
        or author.city_name
        or author.name
        or clean.origin["base_url"]
    )[:200]
    if not clean.is_tombstone:
        copy.canonical_urls = {code: url for code, url in clean.canonical.items() if url}
    copy.version = clean.version


def _import(peer, envelope, *, languages=None, cache=None) -> Outcome:
    cache = cache or ImportCache()
    author, document, global_id = verify(envelope, own=cache.own_identity())
    try:
        clean = validate_document(
            document, languages=languages if languages is not None else set(cache.locales())
        )
    except ProtocolError as exc:
        exc.global_id = global_id
        raise
    if clean.origin["base_url"] != normalise_base_url(author.base_url):
        raise ProtocolError(
            "invalid", _("The document's origin does not match its author."), global_id=clean.id
        )
    warnings = list(clean.warnings)

    # Cheap look before downloading anything (repeated under the lock below).
    current = FederatedCopy.objects.filter(global_id=clean.id).first()
    if current is not None and current.version == clean.version:
        return Outcome("unchanged", global_id=clean.id, version=clean.version)
    downloaded = {}
    if not clean.is_tombstone and (current is None or not current.detached):
        already = media_module.existing(item["sha256"] for item in clean.media)
        for item in clean.media:
            if item["sha256"] in already or item["sha256"] in downloaded:
                continue
            try:
                downloaded[item["sha256"]] = media_module.download(
                    item, allow_private=author.is_local
                )
            except ProtocolError as exc:
                raise ProtocolError(
                    exc.code if exc.code != "too-large" else "image-refused",
                    exc.message,
                    global_id=clean.id,
                ) from None

    try:
        with transaction.atomic(), deferred_indexing():
            # One document at a time per author: two runs cannot import the same one twice.
            Peer.objects.select_for_update().filter(pk=author.pk).first()
            copy = FederatedCopy.objects.select_for_update().filter(global_id=clean.id).first()
            if copy is None and PracticeModelPage.objects.filter(translation_key=clean.id).exists():
                raise ProtocolError(
                    "conflict",
                    _("A page of this site already uses the document's id."),
                    global_id=clean.id,
                )
            if copy is not None:
                if normalise_base_url(copy.origin_url) != clean.origin["base_url"]:
                    raise ProtocolError(
                        "wrong-origin",
                        _("The practice model was received from another author (%(url)s).")
                        % {"url": copy.origin_url},
                        global_id=clean.id,
                    )
                if clean.version == copy.version:
                    return Outcome("unchanged", global_id=clean.id, version=clean.version)
                if clean.version < copy.version:
                    raise ProtocolError(
                        "old-version",
                        _("Version %(old)s is older than version %(have)s already received.")
                        % {"old": clean.version, "have": copy.version},
                        global_id=clean.id,
                    )
                if copy.detached:
                    if clean.is_tombstone and not copy.withdrawn:
                        copy.withdrawn = True
                        copy.save(update_fields=["withdrawn", "last_imported_at"])
                    return Outcome(
                        "skipped",
                        "detached",
                        _("The copy is detached: version %(version)s was not applied.")
                        % {"version": clean.version},
                        clean.id,
                        clean.version,
                        warnings,
                    )
            created = copy is None
            if created:
                copy = FederatedCopy(global_id=clean.id)
            _copy_fields(copy, clean, peer, author)
            if clean.is_tombstone:
                copy.withdrawn = True
                copy.save()
                _withdraw(clean.id)
                return Outcome("withdrawn", global_id=clean.id, version=clean.version)
            copy.withdrawn = False
            copy.save()  # before the pages: outbound sees them as copies when they publish
            images = _store_images(clean, downloaded, cache)
            _apply_document(clean, copy, images, warnings, cache)
            return Outcome(
                "imported" if created else "updated",
                global_id=clean.id,
                version=clean.version,
                warnings=warnings,
            )
    except IntegrityError:
        cache.reset()  # whatever it created in the rolled-back transaction is gone
        # Another run created the same copy at the same moment (SQLite has no row lock
        # before the insert): that run's import stands.
        if FederatedCopy.objects.filter(global_id=clean.id, version__gte=clean.version).exists():
            return Outcome("unchanged", global_id=clean.id, version=clean.version)
        raise
    except DjangoValidationError as exc:
        raise ProtocolError("invalid", "; ".join(exc.messages)[:500], global_id=clean.id) from None


def log_outcome(peer, outcome: Outcome):
    """PeerEvent rows for what an editor should see: refusals, warnings, withdrawals."""
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
                message=outcome.message
                or _("Version %(version)s withdrew the practice model: its copy is offline.")
                % {"version": outcome.version},
                global_id=outcome.global_id,
            )
        )
    if events:
        PeerEvent.objects.bulk_create(events)


def import_envelope(peer, envelope, *, log=True, languages=None, cache=None) -> Outcome:
    """Verify, validate and import one envelope served by ``peer``; never raises for input.

    Refusals are logged on ``peer`` (a PeerEvent) and its ``last_error`` is set. ``cache``:
    an :class:`ImportCache` shared by the documents of one feed page.
    """
    try:
        outcome = _import(peer, envelope, languages=languages, cache=cache)
    except ProtocolError as exc:
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
            from django.utils import timezone

            message = f"{outcome.code}: {outcome.message}"
            Peer.objects.filter(pk=peer.pk).update(last_error=message, last_error_at=timezone.now())
            peer.last_error = message
    return outcome


__all__ = [
    "BlockImporter",
    "ImportCache",
    "Outcome",
    "defer_copies",
    "deferred_indexing",
    "envelope_size",
    "federation_parent",
    "flush_index",
    "import_envelope",
    "log_outcome",
    "own_identity",
    "pinned_key_for_author",
    "verify",
]
