"""The apply stage of the inbound path: a validated document changes the page tree.

fetch → parse → verify → validate → **apply** (docs/federation.md §5). :func:`apply` gets the
validate stage's :class:`~cities_cms.federation.validate.CleanDocument` and the author the
verify stage found, and never looks at signatures or raw JSON:

1. new images are downloaded and checked (``media.py``) before any transaction starts;
2. in **one transaction per document**, holding a lock on the author's ``Peer`` row and on the
   ``FederatedCopy`` row: versions are compared (equal: nothing happens; older: refused), then
   the document's :class:`Applier` (:data:`APPLIERS`, by document type) creates or updates its
   pages in every locale both sides have (same ``translation_key`` as the origin, one revision
   each, published without a workflow), or, for a tombstone, the copy's pages are unpublished.
   A failure anywhere rolls the whole document back.

It returns an :class:`Outcome` or raises ``ProtocolError``; the driver (``sync.py``) logs both.
The stage's parts live in this package's modules: ``blocks`` (block JSON to this site's
blocks), ``pages`` (applying a document to the tree), ``indexing`` (search and reference index
once per document), ``wagtail_internals`` (every use of Wagtail's internals, each with what it
relies on).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from wagtail.models import Page

from ...pages import PracticeModelPage, SeminarPage
from .. import media as media_module
from ..identity import format_fingerprint
from ..models import CopyKind, FederatedCopy, Peer
from ..schema import ProtocolError
from ..validate import normalise_base_url
from .blocks import BlockImporter
from .indexing import defer_copies, deferred_indexing, flush_index
from .pages import ImportCache, _apply_document, _store_images, _withdraw, federation_parent
from .seminars import apply_seminar, withdraw_seminar

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


@dataclass(frozen=True)
class Applier:
    """What the apply stage does for one document type.

    ``page_model``: the page type of its copies; ``apply(clean, copy, images, warnings,
    cache)`` creates or updates them (inside the document's transaction, after the copy row is
    saved); ``withdraw(global_id)`` unpublishes them for a tombstone.
    """

    page_model: type
    apply: Callable
    withdraw: Callable


# The applier for each document type (validate.DOCUMENT_TYPES says which types are accepted).
APPLIERS = {
    "practice-model": Applier(PracticeModelPage, _apply_document, _withdraw),
    "seminar": Applier(SeminarPage, apply_seminar, withdraw_seminar),
}


def applier_for(document_type: str) -> Applier:
    return APPLIERS[document_type]


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


def apply(clean, *, peer, author, cache=None) -> Outcome:
    """Apply ``clean`` (served by ``peer``, written by ``author``); else ``ProtocolError``.

    ``cache``: an :class:`ImportCache` shared by the documents of one feed page.
    """
    cache = cache or ImportCache()
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
            # A tombstone names no page type: any local page with its id is a conflict too.
            if copy is None and Page.objects.filter(translation_key=clean.id).exists():
                raise ProtocolError(
                    "conflict",
                    _("A page of this site already uses the document's id."),
                    global_id=clean.id,
                )
            if copy is not None:
                if normalise_base_url(copy.origin_url) != clean.origin["base_url"]:
                    message = (
                        _("The seminar was received from another author (%(url)s).")
                        if copy.kind == CopyKind.SEMINAR
                        else _("The practice model was received from another author (%(url)s).")
                    )
                    raise ProtocolError(
                        "wrong-origin", message % {"url": copy.origin_url}, global_id=clean.id
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
                # The copy's type is not in the tombstone: each type withdraws its own pages.
                for applier in APPLIERS.values():
                    applier.withdraw(clean.id)
                message = (
                    _("Version %(version)s withdrew the seminar: its copy is offline.")
                    if copy.kind == CopyKind.SEMINAR
                    else _("Version %(version)s withdrew the practice model: its copy is offline.")
                )
                return Outcome(
                    "withdrawn",
                    message=message % {"version": clean.version},
                    global_id=clean.id,
                    version=clean.version,
                )
            copy.withdrawn = False
            copy.save()  # before the pages: outbound sees them as copies when they publish
            images = _store_images(clean, downloaded, cache)
            applier_for(clean.type).apply(clean, copy, images, warnings, cache)
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


__all__ = [
    "APPLIERS",
    "Applier",
    "BlockImporter",
    "ImportCache",
    "Outcome",
    "applier_for",
    "apply",
    "defer_copies",
    "deferred_indexing",
    "federation_parent",
    "flush_index",
]


def __getattr__(name):
    # The per-envelope driver moved to sync.py (fetch → parse → verify → validate → apply);
    # imports of the old name keep working. The import is lazy: sync imports this package.
    if name == "import_envelope":
        from ..sync import import_envelope

        return import_envelope
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
