"""Keeping ``OutboundRecord`` in step with the pages: one row per practice model or seminar
ever shared.

:func:`refresh` recomputes the record of one global id (a page ``translation_key``): a new,
signed document when the content changed, a tombstone when the practice model was unshared,
unpublished, made private or deleted, nothing when nothing changed. Wagtail's signals call it
(connected in :func:`connect`, from the app's ``ready()``), and
``manage.py cities_cms_federation_rebuild`` calls it for every practice model.

Versions only grow (a re-shared practice model continues after its tombstone's version), and
every change takes the next ``sequence`` from ``OutboundCounter`` under its row lock, so the
feed's order is the commit order.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ..conf import settings
from . import outbound
from .models import OutboundCounter, OutboundRecord, SharedPage
from .signals import outbound_changed
from .signing import canonical_json, sign_document

logger = logging.getLogger(__name__)


@dataclass
class RefreshResult:
    global_id: str
    # "new", "updated", "tombstone", "unchanged", "skipped", "too-large"
    outcome: str
    record: OutboundRecord | None = None


def next_sequence() -> int:
    """Take the next feed sequence; the counter row stays locked until the commit."""
    updated = OutboundCounter.objects.filter(pk=1).update(value=F("value") + 1)
    if not updated:
        # Databases created without migrations (or a deleted row): start after the records.
        from django.db.models import Max

        last = OutboundRecord.objects.aggregate(Max("sequence"))["sequence__max"] or 0
        OutboundCounter.objects.get_or_create(pk=1, defaults={"value": last})
        OutboundCounter.objects.filter(pk=1).update(value=F("value") + 1)
    return OutboundCounter.objects.values_list("value", flat=True).get(pk=1)


def _note_problem(global_id, message):
    shared, _created = SharedPage.objects.get_or_create(translation_key=global_id)
    if shared.problem != message:
        shared.problem = message
        shared.problem_at = timezone.now()
        shared.save(update_fields=["problem", "problem_at"])


def _clear_problem(global_id):
    SharedPage.objects.filter(translation_key=global_id).exclude(problem="").update(
        problem="", problem_at=None
    )


def _store(global_id, document, content_hash, existing):
    """Sign ``document`` as the next version of ``global_id`` and put it at the feed's end."""
    sequence = next_sequence()
    # Re-read under the counter's lock: another writer may have stored a version meanwhile.
    record = OutboundRecord.objects.filter(global_id=global_id).first()
    if record is not None and record.content_hash == content_hash:
        return None
    document["version"] = (record.version + 1) if record is not None else 1
    document["updated_at"] = outbound.now_iso()
    envelope = sign_document(document)
    if record is None:
        record = OutboundRecord(global_id=global_id)
    record.version = document["version"]
    record.sequence = sequence
    record.deleted = document["type"] == "tombstone"
    record.envelope = envelope
    record.content_hash = content_hash
    record.save()
    return record


def _announce(global_ids, sequence):
    transaction.on_commit(
        lambda: outbound_changed.send(
            sender=OutboundRecord, global_ids=[str(g) for g in global_ids], sequence=sequence
        )
    )


def refresh(global_id) -> RefreshResult:
    """Recompute the outbound record of one practice model (any locale's ``translation_key``)."""
    global_id = str(global_id)
    pages = outbound.pages_of(global_id)
    reason = outbound.withdrawal_reason(pages)
    existing = OutboundRecord.objects.filter(global_id=global_id).first()
    if reason == "unapproved" or (reason is not None and existing is None):
        # Never shared (nothing to withdraw), or waiting for a coordinator: the last approved
        # document, if any, stays.
        return RefreshResult(global_id, "skipped", existing)
    if reason is not None:
        if existing.deleted and existing.envelope["document"].get("reason") == reason:
            return RefreshResult(global_id, "unchanged", existing)
        document = outbound.build_tombstone(global_id, 0, reason)
        outcome = "tombstone"
    else:
        document = outbound.build_document(pages[0])
        outcome = "updated" if existing is not None else "new"
    content_hash = outbound.content_hash(document)
    if existing is not None and existing.content_hash == content_hash:
        return RefreshResult(global_id, "unchanged", existing)
    if document["type"] != "tombstone":
        size = len(canonical_json(sign_document(document)))
        limit = settings.CITIES_CMS_FEDERATION_MAX_DOCUMENT_BYTES
        if size > limit:
            # Sizes with their unit ("2.1 MB"), which needs no plural form in any language.
            message = _(
                "Not shared: the document is %(size)s, more than the limit of %(limit)s. "
                "Make it shorter or use fewer images."
            ) % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
            logger.warning("Outbound document %s not served: %s", global_id, message)
            _note_problem(global_id, message)
            return RefreshResult(global_id, "too-large", existing)
    with transaction.atomic():
        record = _store(global_id, document, content_hash, existing)
        if record is None:
            return RefreshResult(global_id, "unchanged", existing)
        if document["type"] != "tombstone":
            _clear_problem(global_id)
        _announce([global_id], record.sequence)
    return RefreshResult(global_id, outcome, record)


def federation_ready() -> bool:
    """Signing needs the key file; without it (federation not set up) nothing is recorded."""
    path = settings.CITIES_CMS_FEDERATION_KEY_FILE
    if not path:
        return False
    from pathlib import Path

    return Path(path).exists()


def refresh_quietly(global_ids):
    """Refresh from a signal: a failure is logged and never breaks the editor's action."""
    if not federation_ready():
        return
    for global_id in dict.fromkeys(str(g) for g in global_ids):
        try:
            with transaction.atomic():
                refresh(global_id)
        except Exception:
            logger.exception("Could not refresh the outbound record of %s", global_id)


def rebuild(progress=None) -> dict:
    """Refresh every practice model and seminar and every record; returns counts by outcome."""
    keys = {
        str(k)
        for model in outbound.TRAVELLING
        for k in model.objects.filter(alias_of__isnull=True).values_list(
            "translation_key", flat=True
        )
    }
    keys.update(str(k) for k in OutboundRecord.objects.values_list("global_id", flat=True))
    counts = {}
    for global_id in sorted(keys):
        with transaction.atomic():
            result = refresh(global_id)
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
        if progress:
            progress(result)
    return counts


def resign_all(identity=None) -> int:
    """Sign every stored document again (after a key rotation); versions stay as they are."""
    count = 0
    with transaction.atomic():
        for record in OutboundRecord.objects.select_for_update().order_by("sequence"):
            document = record.envelope["document"]
            if identity is not None:
                document.setdefault("origin", {})["key_id"] = identity.key_id
            record.envelope = sign_document(document, identity)
            record.save(update_fields=["envelope", "updated_at"])
            count += 1
    return count


# --- signals --------------------------------------------------------------------------------


def _practice_keys_under(*pages):
    """Translation keys of the practice models and seminars under ``pages``."""
    from django.db.models import Q

    under = Q(pk__in=[])
    for page in pages:
        under |= Q(path__startswith=page.path, depth__gte=page.depth)
    return [
        key
        for model in outbound.TRAVELLING
        for key in model.objects.filter(under).values_list("translation_key", flat=True).distinct()
    ]


def on_page_changed(sender, instance, **kwargs):
    if isinstance(instance, outbound.TRAVELLING):
        refresh_quietly([instance.translation_key])


def on_subtree_changed(sender, instance, versions=(), **kwargs):
    """Unpublishing or moving any page can change what its practice models show.

    ``versions``: the pages whose subtrees to look under instead of ``instance`` alone.
    """
    if isinstance(instance, outbound.TRAVELLING):
        refresh_quietly([instance.translation_key])
        return
    if not federation_ready():
        return
    keys = _practice_keys_under(*(versions or [instance]))
    known = OutboundRecord.objects.filter(global_id__in=keys).values_list("global_id", flat=True)
    shared = set(_shared_keys(keys))
    refresh_quietly([k for k in keys if k in shared or k in set(known)])


def _shared_keys(keys):
    return [
        key
        for model in outbound.TRAVELLING
        for key in model.objects.filter(translation_key__in=keys, shared=True).values_list(
            "translation_key", flat=True
        )
    ]


def on_page_deleted(sender, instance, **kwargs):
    refresh_quietly([instance.translation_key])


def on_restriction_changed(sender, instance, **kwargs):
    from wagtail.models import Page

    from ..privacy import mirroring

    if mirroring():  # a copy on another language version: the original's signal covers it
        return
    try:
        page = instance.page
    except Exception:  # the page itself is being deleted
        return
    # A restriction holds for every language version of its page (cities_cms.privacy), whose
    # subtrees need not hold the same practice models when trees are not synchronised.
    versions = list(Page.objects.filter(translation_key=page.translation_key))
    on_subtree_changed(sender, page, versions=versions)


def connect():
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import PageViewRestriction
    from wagtail.signals import page_published, page_unpublished, post_page_move

    uid = "cities_cms_federation_records"
    page_published.connect(on_page_changed, dispatch_uid=uid + "_published")
    page_unpublished.connect(on_subtree_changed, dispatch_uid=uid + "_unpublished")
    post_page_move.connect(on_subtree_changed, dispatch_uid=uid + "_moved")
    for model in outbound.TRAVELLING:
        post_delete.connect(
            on_page_deleted, sender=model, dispatch_uid=f"{uid}_deleted_{model.__name__}"
        )
    post_save.connect(on_restriction_changed, sender=PageViewRestriction, dispatch_uid=uid + "_r")
    post_delete.connect(
        on_restriction_changed, sender=PageViewRestriction, dispatch_uid=uid + "_r_del"
    )
