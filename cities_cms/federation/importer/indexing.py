"""Search and reference index entries once per document (or feed page), not once per save."""

import threading
from contextlib import contextmanager

from django.db import transaction

from ...pages import PracticeModelPage
from . import wagtail_internals

# --- indexing once per document -------------------------------------------------------------
#
# Each save of a page or an image normally updates the search index (modelsearch's post_save
# handler) and the reference index (Wagtail's) at once: Wagtail's create-then-publish path
# saves a page two or three times, and the SQLite backend recomputes its title norms over the
# whole index every time. While a document is imported, both are deferred and done once per
# object, in bulk: at the end of the document when it is imported alone, at the end of the
# feed page in a sync run (sync.py; a run that dies before re-indexes the page's documents
# when it is fetched again, as their outcome is then "unchanged").

_deferred = threading.local()
_install_lock = threading.Lock()
_installed = False


def _post_save_or_defer(sender, instance, **kwargs):
    """modelsearch's post_save handler, unless this thread defers indexing."""
    pending = getattr(_deferred, "pending", None)
    if pending is not None and not kwargs.get("raw", False):
        pending.setdefault(instance._meta.model, set()).add(instance.pk)
        return
    wagtail_internals.search_post_save_handler()(instance, sender=sender, **kwargs)


def _install_search_deferral():
    """Route modelsearch's post_save handler through :func:`_post_save_or_defer` (the same
    behaviour in every thread that does not defer). Done once per process."""
    global _installed
    if _installed:
        return
    with _install_lock:
        if _installed:
            return
        wagtail_internals.reroute_search_post_save(_post_save_or_defer)
        _installed = True


@contextmanager
def deferred_indexing():
    """Collect the search-indexed objects saved in this block (this thread only) and index
    them, and update their reference index entries, once each when the block succeeds."""
    _install_search_deferral()
    pending = {}
    outer = getattr(_deferred, "pending", None)
    _deferred.pending = pending
    try:
        if outer is None:
            with wagtail_internals.reference_index_paused():
                yield pending
        else:
            yield pending
    finally:
        _deferred.pending = outer
    if outer is not None:  # nested: the outer block indexes
        for model, pks in pending.items():
            outer.setdefault(model, set()).update(pks)
        return
    flush_index(pending)


def defer_copies(global_ids):
    """Add the pages of these copies to the pending index updates of this thread."""
    pending = getattr(_deferred, "pending", None)
    if pending is None or not global_ids:
        return
    pks = PracticeModelPage.objects.filter(translation_key__in=list(global_ids)).values_list(
        "pk", flat=True
    )
    pending.setdefault(PracticeModelPage, set()).update(pks)


@transaction.atomic
def flush_index(pending: dict):
    """Search index (one ``add_bulk`` per model and backend) and reference index of the
    objects in ``pending`` ({model: {pk}})."""
    by_model = {}
    for model, pks in pending.items():
        objects = model.get_indexed_objects().filter(pk__in=pks)
        # The child objects (a page's stakeholders, comments) that the search fields and the
        # reference index read: one query per relation, not one per object.
        relations = wagtail_internals.child_relation_names(model)
        if relations:
            objects = objects.prefetch_related(*relations)
        for obj in objects:
            indexed = obj.get_indexed_instance()
            if indexed is not None:
                by_model.setdefault(type(indexed), []).append(indexed)
    for model, objects in by_model.items():
        wagtail_internals.index_objects(model, objects)


def _deferred_add(instance):
    pending = getattr(_deferred, "pending", None)
    if pending is not None:
        pending.setdefault(instance._meta.model, set()).add(instance.pk)
