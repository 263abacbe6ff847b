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
from contextlib import contextmanager

from django.db.models.signals import post_save
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import (
    disable_reference_index_auto_update,
    reference_index_auto_update_disabled,
)
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
    create-then-publish leaves it: live, live and latest revision, first/last published, audit
    log entries "wagtail.create" and "wagtail.publish". Returns the revision; sends no
    ``page_published`` (see :func:`send_published`). One page of
    :func:`~cities_cms.federation.importer.bulk_tree.create_live_pages`, which writes the
    rows itself (treebeard's paths, one insert per table).

    Relies on: the revision's ``content`` being ``page.serializable_data()``, as
    ``save_revision`` stores it (Wagtail's holds the draft before its publish, ``live`` false;
    ours the page as published, with its publication dates: publishing or reverting a revision
    takes ``live`` from the page); ``Page.save`` logging "wagtail.create" for a new page by its
    owner and the publish "wagtail.publish" with the revision; treebeard's path steps
    (``_get_path``, ``_str2int``, ``steplen``) and numchild.
    """
    from .bulk_tree import create_live_pages

    return create_live_pages([(parent, page)], now)[0]


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


@contextmanager
def reference_index_paused():
    """Wagtail's context manager that stops the reference index from following saves, made
    re-entrant. Relies on: Wagtail's is not (its exit deletes the flag, which would end an
    outer pause early and then fail the outer exit), so only the outermost block enters it.
    """
    if getattr(reference_index_auto_update_disabled, "value", False):
        yield
        return
    with disable_reference_index_auto_update():
        yield


@functools.cache
def child_relation_names(model) -> tuple:
    """modelcluster's child relations of ``model`` (their accessor names). Relies on: their
    managers reading a ``prefetch_related`` cache (modelcluster's get_live_queryset uses the
    plain related manager, which does) when nothing is held in memory."""
    from modelcluster.models import ClusterableModel, get_all_child_relations

    if not issubclass(model, ClusterableModel):
        return ()
    return tuple(relation.get_accessor_name() for relation in get_all_child_relations(model))


def index_objects(model, objects):
    """The reference index and every auto-updating search backend, for ``objects`` of
    ``model`` at once. Relies on: ``ReferenceIndex.is_indexed`` / ``create_or_update_for_object``
    and modelsearch's ``get_search_backends_with_name(with_auto_update=True)``, backends'
    ``add_bulk(model, objects)`` and ``catch_indexing_errors``."""
    from modelsearch.backends import get_search_backends_with_name

    if ReferenceIndex.is_indexed(model._meta.model):
        update_references(model, objects)
    for name, backend in get_search_backends_with_name(with_auto_update=True):
        try:
            backend.add_bulk(model, objects)
        except Exception:
            # As modelsearch does: an external index that is down must not lose the
            # import; a database backend's error aborts the transaction anyway.
            logger.exception("Indexing %s imported objects in %r failed", len(objects), name)
            if not backend.catch_indexing_errors:
                raise


def update_references(model, objects):
    """``ReferenceIndex.create_or_update_for_object`` for each of ``objects`` (all of class
    ``model``), with one query for their existing rows, one insert and at most one delete
    instead of two or three queries each. Relies on: ``_extract_references_from_object``
    yielding (to_content_type_id, to_object_id, model_path, content_path);
    ``_get_content_path_hash``; rows keyed by the base content type and ``object_id``; a
    missing reference recorded under a content type that is not the model's or an ancestor's
    being kept (a more specific model's). tests/federation/test_wagtail_internals.py compares
    the rows with Wagtail's own method's."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    if not objects:
        return
    content_types = [
        ContentType.objects.get_for_model(m, for_concrete_model=False)
        for m in [model, *model._meta.get_parent_list()]
    ]
    content_type, base_content_type = content_types[0], content_types[-1]
    known = {ct.id for ct in content_types}
    found = {
        str(obj.pk): set(ReferenceIndex._extract_references_from_object(obj)) for obj in objects
    }
    existing = {}
    for (
        pk,
        ct_id,
        object_id,
        to_ct,
        to_id,
        model_path,
        content_path,
    ) in ReferenceIndex.objects.filter(
        base_content_type=base_content_type, object_id__in=list(found)
    ).values_list(
        "id",
        "content_type_id",
        "object_id",
        "to_content_type",
        "to_object_id",
        "model_path",
        "content_path",
    ):
        existing.setdefault(object_id, {})[(to_ct, to_id, model_path, content_path)] = (ct_id, pk)
    rows, stale = [], []
    for object_id, references in found.items():
        have = existing.get(object_id, {})
        for to_ct, to_id, model_path, content_path in references - set(have):
            rows.append(
                ReferenceIndex(
                    content_type=content_type,
                    base_content_type=base_content_type,
                    object_id=object_id,
                    to_content_type_id=to_ct,
                    to_object_id=to_id,
                    model_path=model_path,
                    content_path=content_path,
                    content_path_hash=ReferenceIndex._get_content_path_hash(content_path),
                )
            )
        stale.extend(
            pk for ref, (ct_id, pk) in have.items() if ref not in references and ct_id in known
        )
    kwargs = {"ignore_conflicts": True} if connection.features.supports_ignore_conflicts else {}
    if rows:
        ReferenceIndex.objects.bulk_create(rows, **kwargs)
    if stale:
        ReferenceIndex.objects.filter(id__in=stale).delete()
