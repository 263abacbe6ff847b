"""Every place where the importer goes around Wagtail's public API, in one module.

The importer creates a page in one insert and one update instead of Wagtail's
create-then-publish (three saves, about four times the queries), converts aliases itself,
sends the signals Wagtail's publish sends, and indexes once per document instead of once per
save. Each of these relies on how Wagtail 8 (and modelsearch, wagtail-localize) work inside;
each function says what it relies on, and tests/federation/test_wagtail_internals.py fails
when an upgrade changes it. Nothing else in the federation app touches these internals.
"""

import functools
import logging

from django.db.models.signals import post_save
from wagtail.log_actions import log as log_action
from wagtail.models import ReferenceIndex, Revision
from wagtail.signal_handlers import disable_reference_index_auto_update
from wagtail.signals import page_published, published

logger = logging.getLogger(__name__)

# --- creating a live page -------------------------------------------------------------------


@functools.cache
def fields_not_cleaned(model) -> tuple:
    """Fields ``clean_fields`` may skip on a new copy: relations the importer looked up itself
    (locale, city, image, content type) and the tree's columns, which treebeard sets. Relies on:
    ``path``, ``depth``, ``numchild`` (treebeard's MP_Node) and ``url_path`` (Page) being
    concrete fields set by ``add_child``, not by the caller."""
    return tuple(
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation or f.name in ("path", "depth", "numchild", "url_path")
    )


def create_live_page(parent, page, now):
    """Insert ``page`` under ``parent`` and make it live with a single revision, as Wagtail's
    create-then-publish leaves it: live, live and latest revision, first/last published, an
    audit log entry "wagtail.publish". Returns the revision; sends no signal (see
    :func:`send_published`).

    Relies on: ``Page.is_site_root()`` reading ``_is_site_root`` when set (``Page.save`` asks
    it; a new page under an index is no site root, which saves a query); treebeard's
    ``add_child(instance=...)`` setting path, depth and the parent's numchild; the revision's
    ``content`` being ``page.serializable_data()``, as ``save_revision`` stores it (Wagtail's
    holds the draft before its publish, ``live`` false; ours the page as published, with its
    publication dates: publishing or reverting a revision takes ``live`` from the page).
    """
    page._is_site_root = False
    parent.add_child(instance=page)  # saved as a draft first: no full_clean queries
    page.live = True
    page.first_published_at = page.last_published_at = now
    revision = Revision.objects.create(
        content_object=page,
        base_content_type=page.get_base_content_type(),
        content=page.serializable_data(),
        object_str=str(page),
    )
    # What Wagtail's first publish sets (tests compare the row with one Wagtail published).
    values = {
        "live": True,
        "has_unpublished_changes": False,
        "first_published_at": now,
        "last_published_at": now,
        "live_revision": revision,
        "latest_revision": revision,
        "latest_revision_created_at": revision.created_at,
        "draft_title": page.title,
    }
    type(page).objects.filter(pk=page.pk).update(**values)
    for name, value in values.items():
        setattr(page, name, value)
    log_action(instance=page, action="wagtail.publish", revision=revision, content_changed=True)
    return revision


# --- aliases (synchronised trees) -------------------------------------------------------------


def create_alias(page, locale):
    """An alias of ``page`` in ``locale``, with the missing ancestors as aliases too, as
    wagtail-localize's synchronised trees make them. Relies on: ``copy_for_translation``
    accepting ``copy_parents`` and ``alias`` and returning the new alias (live if ``page`` is,
    with ``alias_of`` set and the source's many-to-many values)."""
    return page.copy_for_translation(locale, copy_parents=True, alias=True)


def convert_alias(page):
    """Make an alias a page of its own (before a translation is written into it), as
    Wagtail's ConvertAliasPageAction does without its log entry and its first revision (the
    importer publishes a revision right after). Relies on: an alias being a page with
    ``alias_of_id`` set, and nothing else marking it; the action changing no other column.
    Returns the page read again (its cached fields are the alias's)."""
    page.alias_of_id = None
    page.save(update_fields=["alias_of_id"], clean=False)
    return type(page).objects.get(pk=page.pk)


def send_published(page, revision, aliases=()):
    """The signals ``revision.publish()`` sends for ``page`` and its ``aliases``, in its order.

    Relies on: PublishPageRevisionAction._after_publish sending ``page_published``
    (sender: the specific class, instance: the specific page, revision) then ``published``
    (sender: the page's class), and ``Page.update_aliases`` sending ``page_published`` with
    ``alias=True`` and the source's revision for each alias, synchronously inside the
    transaction (receivers that do work outside the database defer it themselves, as the
    content cache does with ``on_commit``).
    """
    page_published.send(sender=page.specific_class, instance=page, revision=revision)
    published.send(sender=type(page), instance=page, revision=revision)
    for alias in aliases:
        page_published.send(
            sender=alias.specific_class, instance=alias, revision=revision, alias=True
        )


# --- search and reference index once per document --------------------------------------------


def search_post_save_handler():
    """modelsearch's post_save receiver (it enqueues an index task per save). Relies on: its
    name and that ``register_signal_handlers`` connects it, without a dispatch_uid, for every
    indexed model."""
    from modelsearch import signal_handlers

    return signal_handlers.post_save_signal_handler


def reroute_search_post_save(handler) -> list:
    """Replace modelsearch's post_save receiver by ``handler`` (called with the same
    arguments) for every indexed model. Returns the models rerouted."""
    from modelsearch import index

    rerouted = []
    for model in index.get_indexed_models():
        if post_save.disconnect(search_post_save_handler(), sender=model):
            post_save.connect(
                handler,
                sender=model,
                weak=False,
                dispatch_uid=f"cities_cms_federation_index_{model._meta.label_lower}",
            )
            rerouted.append(model)
    return rerouted


def reference_index_paused():
    """Wagtail's context manager that stops the reference index from following saves. Relies
    on: it is not re-entrant (the outermost block only may enter it)."""
    return disable_reference_index_auto_update()


def index_objects(model, objects):
    """The reference index and every auto-updating search backend, for ``objects`` of
    ``model`` at once. Relies on: ``ReferenceIndex.is_indexed`` / ``create_or_update_for_object``
    and modelsearch's ``get_search_backends_with_name(with_auto_update=True)``, backends'
    ``add_bulk(model, objects)`` and ``catch_indexing_errors``."""
    from modelsearch.backends import get_search_backends_with_name

    if ReferenceIndex.is_indexed(model._meta.model):
        for obj in objects:
            ReferenceIndex.create_or_update_for_object(obj)
    for name, backend in get_search_backends_with_name(with_auto_update=True):
        try:
            backend.add_bulk(model, objects)
        except Exception:
            # As modelsearch does: an external index that is down must not lose the
            # import; a database backend's error aborts the transaction anyway.
            logger.exception("Indexing %s imported objects in %r failed", len(objects), name)
            if not backend.catch_indexing_errors:
                raise
