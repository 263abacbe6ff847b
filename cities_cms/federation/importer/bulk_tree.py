"""A document's new pages and their aliases in many locales at once, as Wagtail leaves them.

wagtail-localize's synchronised trees give every page an alias in each synchronised locale:
with the reference site's ten languages a received practice model in three locales gets seven.
Wagtail makes each with ``copy_for_translation(locale, alias=True)``: about 25 queries (a slug
look-up, treebeard's last child and numchild, the Page row and the page type's row, the child
objects and many-to-many rows read from the source and written one by one, a validated audit
log entry, view restrictions). :func:`create_aliases` writes the same rows for all of a page's
aliases in a handful of queries: one look-up of the free slugs and one of the last children
of every parent, one insert per table (``bulk_create``/``executemany``), one numchild update.

What it leaves is what ``CreatePageAliasAction`` leaves (tests/federation/test_bulk_tree.py
compares the two row by row and runs treebeard's ``find_problems``): the source's field values
but ``id``, the tree's columns, ``url_path``, ``index_entries`` and ``latest_revision``;
``alias_of``, ``draft_title`` (the source's title), ``has_unpublished_changes`` (not live),
``slug`` (free under the new parent), ``locale``; the child objects copied in primary key order
with the alias's locale when translatable, the many-to-many values; one "wagtail.create_alias"
log entry with the same data, after the "wagtail.create" entry ``Page.save`` logs for a new
page; ``pre_save``/``post_save`` (created) for each alias and its child objects,
``m2m_changed`` for each many-to-many field with values, and ``copy_for_translation_done``, so
search indexing, the reference index, the content cache and the privacy module see them as
they see Wagtail's. No revision, as Wagtail makes none.

:func:`create_live_pages` does the same for a document's new pages in their own locales
(live, one revision each, as Wagtail's create then publish leaves them; the row comparison is
tests/federation/test_wagtail_internals.py's for ``create_live_page``).

Pages it does not handle the same way go through Wagtail (:func:`bulk_supported`): child
objects that have children of their own, a source with view restrictions (Wagtail copies them
unless the destination has its own), a source not live (its latest revision is aliased).
Relies on Wagtail internals listed in wagtail_internals.py (``test_wagtail_internals.py``).
"""

import functools
import logging

from django.contrib.contenttypes.models import ContentType
from django.db import connections, router, transaction
from django.db.models import F, Q
from django.db.models.query import EmptyQuerySet
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.utils import timezone
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel, get_all_child_relations
from wagtail.actions.copy_for_translation import CopyPageForTranslationAction
from wagtail.log_actions import get_active_log_context
from wagtail.log_actions import registry as log_registry
from wagtail.models import Page, PageLogEntry, Revision, TranslatableMixin
from wagtail.signals import copy_for_translation_done

from ...privacy import created_in_bulk

logger = logging.getLogger("wagtail")

# The fields Wagtail's CreatePageAliasAction leaves out of the copy (wagtail/actions/
# create_alias.py); tests/federation/test_wagtail_internals.py compares them with Wagtail's.
ALIAS_EXCLUDED = (
    "id",
    "path",
    "depth",
    "numchild",
    "url_path",
    "index_entries",
    "postgres_index_entries",
    "latest_revision",
)


def bulk_supported(source) -> bool:
    """Whether :func:`create_aliases` makes ``source``'s aliases as Wagtail would; when not,
    the caller uses Wagtail's ``copy_for_translation`` (one alias at a time)."""
    if not source.live:
        return False
    for relation in get_all_child_relations(type(source)):
        child_model = relation.related_model
        if issubclass(child_model, ClusterableModel) and (
            child_model._base_manager.filter(**{relation.field.attname: source.pk}).exists()
        ):
            return False
    return not source.view_restrictions.exists()


def _slug_taken(requested, using):
    """The slugs ``find_available_slug`` would compare with each of ``requested`` (itself and
    ``requested-N``), with the paths of their pages, in one query of the slug index.

    On SQLite ``LIKE ... ESCAPE`` (Django's ``startswith``) scans the whole page table (10 ms
    at 10,000 pages); its BINARY collation makes the range ``requested-`` .. ``requested.``
    exact and indexed. PostgreSQL's ``startswith`` uses the ``_like`` index Django makes."""
    sqlite = connections[using].vendor == "sqlite"
    condition = Q()
    for slug in sorted(requested):
        if sqlite:
            prefixed = Q(slug__gte=slug + "-", slug__lt=slug + ".")
        else:
            prefixed = Q(slug__startswith=slug + "-")
        condition |= Q(slug=slug) | prefixed
    return Page.objects.using(using).filter(condition).values_list("path", "slug")


def free_slugs(pairs, using="default"):
    """``find_available_slug(parent, requested)`` for each ``(parent, requested)`` (one per
    parent): {parent pk: slug}, in one query. A parent's taken slugs are those of its
    children that match any requested slug: only its own ``requested``/``requested-N`` can
    make a difference."""
    taken = {parent.pk: set() for parent, _requested in pairs}
    by_path = {parent.path: parent.pk for parent, _requested in pairs}
    for path, slug in _slug_taken({requested for _parent, requested in pairs}, using):
        parent_pk = by_path.get(path[: -Page.steplen])
        if parent_pk is not None:
            taken[parent_pk].add(slug)
    free = {}
    for parent, requested in pairs:
        slug, number = requested, 1
        while slug in taken[parent.pk]:
            slug = f"{requested}-{number}"
            number += 1
        free[parent.pk] = slug
    return free


def _last_children(parents, using="default"):
    """{parent pk: the path of its last child or None}, in one query: for each parent the
    largest path at the children's depth between ``path+0000`` and ``path+ZZZZ`` (an index
    range; ``startswith`` would scan the table on SQLite)."""
    unique = list({parent.pk: parent for parent in parents}.values())
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(Page._meta.db_table)
    path, depth = quote("path"), quote("depth")
    top = Page.alphabet[-1] * Page.steplen
    low = Page.alphabet[0] * Page.steplen
    part = f"(SELECT MAX({path}) FROM {table} WHERE {depth} = %s AND {path} BETWEEN %s AND %s)"  # noqa: S608 (names from _meta)
    params = []
    for parent in unique:
        params += [parent.depth + 1, parent.path + low, parent.path + top]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join([part] * len(unique)), params)
        row = cursor.fetchone()
    return {parent.pk: last for parent, last in zip(unique, row, strict=True)}


def _place(page, parent, last):
    """Give ``page`` the next position under ``parent`` (treebeard's path, depth, url_path) as
    ``add_child`` would; ``last`` maps parent ids to their last child's path, and is updated."""
    last_path = last[parent.pk]
    step = Page._str2int(last_path[-Page.steplen :]) + 1 if last_path else 1
    page.depth = parent.depth + 1
    page.path = last[parent.pk] = Page._get_path(parent.path, page.depth, step)
    page.numchild = 0
    page.url_path = parent.url_path + page.slug + "/"


def _send_created(instances, using):
    """``post_save`` (created) for rows inserted in bulk, as ``Model.save`` sends it."""
    for instance in instances:
        post_save.send(
            type(instance),
            instance=instance,
            created=True,
            raw=False,
            using=using,
            update_fields=None,
        )


@functools.cache
def _copied_fields(model):
    """The concrete fields an alias takes from its source (attnames), as ``_copy`` does."""
    return tuple(
        f
        for f in model._meta.concrete_fields
        if f.name not in ALIAS_EXCLUDED
        and not f.primary_key
        and not (f.one_to_one and f.remote_field.parent_link)
    )


def _insert_rows(model, pages, using):
    """The Page rows through ``bulk_create`` (primary keys returned), then each concrete
    subclass's own row in one ``executemany``."""
    base = [
        Page(**{f.attname: getattr(page, f.attname) for f in Page._meta.concrete_fields})
        for page in pages
    ]
    Page.objects.using(using).bulk_create(base)
    for page, row in zip(pages, base, strict=True):
        page.pk = page.id = row.pk
        page._state.adding, page._state.db = False, using
    connection = connections[using]
    chain = [m for m in reversed(model._meta.get_parent_list()) if m is not Page]
    for concrete in [*chain, model]:
        if concrete._meta.proxy:
            continue
        for link in concrete._meta.parents.values():
            for page in pages:
                setattr(page, link.attname, page.pk)
        fields = list(concrete._meta.local_concrete_fields)
        quote = connection.ops.quote_name
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from _meta)
            quote(concrete._meta.db_table),
            ", ".join(quote(f.column) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        values = [
            [f.get_db_prep_save(f.pre_save(page, True), connection) for f in fields]
            for page in pages
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, values)


def _copy_children(source, aliases, using):
    """Child objects (ParentalKey relations) of ``source`` onto each alias, in pk order."""
    created = []
    for relation in get_all_child_relations(type(source)):
        child_model = relation.related_model
        parental = relation.field.attname
        originals = list(child_model._base_manager.using(using).filter(**{parental: source.pk}))
        originals.sort(key=lambda obj: obj.pk)
        if not originals:
            continue
        copies = []
        for alias in aliases:
            for original in originals:
                data = {
                    f.attname: getattr(original, f.attname)
                    for f in child_model._meta.concrete_fields
                    if not f.primary_key
                }
                data[parental] = alias.pk
                copy = child_model(**data)
                if isinstance(copy, TranslatableMixin):
                    copy.locale_id = alias.locale_id
                copies.append(copy)
        for copy in copies:
            pre_save.send(child_model, instance=copy, raw=False, using=using, update_fields=None)
        child_model._base_manager.using(using).bulk_create(copies)
        created.extend(copies)
    return created


def _copy_many_to_many(source, aliases, using):
    """Many-to-many values of ``source`` onto each alias: [(field, alias, pks)] for signals."""
    sent = []
    # A through model with a ParentalKey to the page is a child relation (copied above).
    children = {relation.related_model for relation in get_all_child_relations(type(source))}
    for field in type(source)._meta.many_to_many:
        if field.auto_created or field.remote_field.through in children:
            continue
        through = field.remote_field.through
        own, other = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
        values = list(
            through._base_manager.using(using)
            .filter(**{own: source.pk})
            .order_by("pk")
            .values_list(other, flat=True)
        )
        if not values:
            continue
        through._base_manager.using(using).bulk_create(
            [through(**{own: alias.pk, other: value}) for alias in aliases for value in values]
        )
        sent.extend((field, alias, values) for alias in aliases)
    return sent


def _held_children(pages):
    """What each new page holds in memory for its child relations and many-to-many fields
    (modelcluster), read before the pages have ids (an unsaved page's relations are never
    looked up in the database): ([(relation, page, [child])], [(field, page, [pk])])."""
    model = type(pages[0])
    children = []
    # Each relation's list is set back on the page: held in memory, it is what the page has
    # once inserted (nothing else can be in the database for a new page), and the revision's
    # serializable_data reads it there instead of querying (a brand-new page's comments).
    for relation in get_all_child_relations(model):
        for page in pages:
            held = list(getattr(page, relation.get_accessor_name()).all())
            setattr(page, relation.get_accessor_name(), held)
            if held:
                children.append((relation, page, held))
    values = []
    for field in model._meta.many_to_many:
        if field.auto_created:
            continue
        for page in pages:
            held = getattr(page, field.name).all()
            # A field never set on an unsaved page gives ``none()``: empty, but iterating it
            # compiles a query of the related model (about 1 ms for a page type).
            objects = [] if isinstance(held, EmptyQuerySet) else list(held)
            if isinstance(field, ParentalManyToManyField):
                setattr(page, field.name, objects)
            if objects:
                values.append((field, page, [obj.pk for obj in objects]))
    return children, values


def _insert_children(children, values, using):
    """Insert what :func:`_held_children` found (the pages now have ids), one insert per
    table, with the ``pre_save`` signals of the child objects. Returns the child objects."""
    by_model = {}
    for relation, page, held in children:
        for child in held:
            setattr(child, relation.field.attname, page.pk)
            by_model.setdefault(relation.related_model, []).append(child)
    saved = []
    for child_model, batch in by_model.items():
        for child in batch:
            pre_save.send(child_model, instance=child, raw=False, using=using, update_fields=None)
        child_model._base_manager.using(using).bulk_create(batch)
        for child in batch:
            child._state.adding, child._state.db = False, using
        saved.extend(batch)
    rows = {}
    for field, page, pks in values:
        through = field.remote_field.through
        own, other = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
        rows.setdefault(through, []).extend(through(**{own: page.pk, other: pk}) for pk in pks)
    for through, batch in rows.items():
        through._base_manager.using(using).bulk_create(batch)
    return saved


def _send_m2m(values, using):
    for field, page, pks in values:
        through = field.remote_field.through
        for action in ("pre_add", "post_add"):
            m2m_changed.send(
                through,
                instance=page,
                action=action,
                reverse=False,
                model=field.related_model,
                pk_set=set(pks),
                using=using,
            )


def create_live_pages(items, now, *, user=None):
    """Insert each ``(parent, page)`` of ``items`` (``page`` unsaved and specific, of one model,
    its fields, slug, child objects and many-to-many values set in memory) as the parent's
    last child, live with a single revision, as Wagtail's create (``add_child``) then publish
    leaves it: live, live and latest revision, first/last published ``now``, audit log
    entries "wagtail.create" then "wagtail.publish". Returns the revisions. Sends
    ``pre_save``/``post_save`` (created) for pages, child objects and revisions and
    ``m2m_changed`` for the many-to-many values, not ``page_published`` (the caller sends it
    once the document's pages and aliases all exist: wagtail_internals.send_published).

    The revision's ``content`` is ``page.serializable_data()`` as ``save_revision`` stores
    it, but of the page as published (Wagtail's holds the draft saved before its publish,
    ``live`` false: publishing or reverting a revision takes ``live`` from the page)."""
    if not items:
        return []
    pages = [page for _parent, page in items]
    parents = [parent for parent, _page in items]
    model = type(pages[0])
    using = router.db_for_write(Page, instance=pages[0])
    with transaction.atomic(using=using):
        last = _last_children(parents, using)
        for parent, page in items:
            _place(page, parent, last)
            page.draft_title = page.draft_title or page.title
            page.live, page.has_unpublished_changes = True, False
            page.first_published_at = page.last_published_at = now
            page.live_revision_id = page.latest_revision_id = None
        held, values = _held_children(pages)
        for page in pages:
            pre_save.send(model, instance=page, raw=False, using=using, update_fields=None)
        _insert_rows(model, pages, using)
        _add_numchild(parents, using)
        _send_created(_insert_children(held, values, using), using)
        with created_in_bulk(pages):  # their view restrictions at once, not one per page
            _send_created(pages, using)
        _send_m2m(values, using)
        base_type = pages[0].get_base_content_type()
        revisions = [
            Revision(
                content_type_id=page.content_type_id,
                base_content_type=base_type,
                object_id=str(page.pk),
                content=page.serializable_data(),
                object_str=str(page),
                created_at=timezone.now(),
                user=user,
            )
            for page in pages
        ]
        for revision in revisions:
            pre_save.send(Revision, instance=revision, raw=False, using=using, update_fields=None)
        Revision.objects.using(using).bulk_create(revisions)
        for revision in revisions:
            revision._state.adding, revision._state.db = False, using
        _send_created(revisions, using)
        for page, revision in zip(pages, revisions, strict=True):
            page.live_revision = page.latest_revision = revision
            page.latest_revision_created_at = revision.created_at
        _set_revisions(pages, using)
        _log_created(pages, revisions, user, using)
    return revisions


def _set_revisions(pages, using):
    """The pages' live and latest revision and its date, as ``bulk_update`` writes them, in
    one ``executemany`` (bulk_update compiles a CASE per column and page)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    names = ("live_revision", "latest_revision", "latest_revision_created_at")
    fields = [Page._meta.get_field(name) for name in names]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (names from _meta)
        quote(Page._meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in fields),
        quote(Page._meta.pk.column),
    )
    values = [
        [f.get_db_prep_save(getattr(page, f.attname), connection) for f in fields] + [page.pk]
        for page in pages
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _add_numchild(parents, using):
    added = {}
    for parent in parents:
        added[parent.pk] = added.get(parent.pk, 0) + 1
    for count in set(added.values()):
        Page.objects.using(using).filter(
            pk__in=[pk for pk, n in added.items() if n == count]
        ).update(numchild=F("numchild") + count)
    for parent in parents:
        parent.numchild += 1


def _log_created(pages, revisions, user, using):
    """ "wagtail.create" (``Page.save`` of a new page, by its owner) and "wagtail.publish"
    (the revision's publish) for each page."""
    context = get_active_log_context()
    default_user = user.pk if user else (context.user.pk if context.user else None)
    entries = []
    for page, revision in zip(pages, revisions, strict=True):
        content_type = ContentType.objects.db_manager(using).get_for_model(
            type(page), for_concrete_model=False
        )
        title = page.get_admin_display_title()
        for action, user_id, with_revision in (
            ("wagtail.create", page.owner_id or default_user, None),
            ("wagtail.publish", default_user, revision),
        ):
            entries.append(
                PageLogEntry(
                    content_type=content_type,
                    label=title,
                    action=action,
                    timestamp=timezone.now(),
                    data={},
                    user_id=user_id,
                    uuid=context.uuid,
                    content_changed=True,
                    revision=with_revision,
                    page=page,
                )
            )
    PageLogEntry.objects.using(using).bulk_create(entries)


def create_aliases(source, targets, *, user=None):
    """Aliases of ``source`` (a saved, live, specific page; :func:`bulk_supported`) under each
    ``(locale, parent)`` of ``targets`` (the parent: ``source``'s parent in that locale), as
    ``source.copy_for_translation(locale, alias=True)`` makes each. Returns them (specific,
    saved) in the order of ``targets``."""
    if not targets:
        return []
    model = type(source)
    using = router.db_for_write(Page, instance=source)
    parents = [parent for _locale, parent in targets]
    with transaction.atomic(using=using):
        slugs = free_slugs([(parent, source.slug) for parent in parents], using)
        last = _last_children(parents, using)
        copied = {f.attname: getattr(source, f.attname) for f in _copied_fields(model)}
        # The parental many-to-many values travel in the constructor in Wagtail's _copy; here
        # they are copied as rows below.
        aliases = []
        for locale, parent in targets:
            alias = model(**copied)
            alias.alias_of_id = source.pk
            alias.draft_title = source.title
            alias.has_unpublished_changes = not source.live
            alias.latest_revision_id = None
            alias.slug = slugs[parent.pk]
            alias.locale_id = locale.pk
            _place(alias, parent, last)
            aliases.append(alias)
        for alias in aliases:
            pre_save.send(model, instance=alias, raw=False, using=using, update_fields=None)
        _insert_rows(model, aliases, using)
        _add_numchild(parents, using)
        _send_created(_copy_children(source, aliases, using), using)
        with created_in_bulk(aliases):  # their view restrictions at once, not one per page
            _send_created(aliases, using)
        for field, alias, values in _copy_many_to_many(source, aliases, using):
            through = field.remote_field.through
            for action in ("pre_add", "post_add"):
                m2m_changed.send(
                    through,
                    instance=alias,
                    action=action,
                    reverse=False,
                    model=field.related_model,
                    pk_set=set(values),
                    using=using,
                )
        _log(source, aliases, parents, user, using)
        for alias in aliases:
            logger.info('Page alias created: "%s" id=%d from=%d', alias.title, alias.id, source.id)
            copy_for_translation_done.send(
                sender=CopyPageForTranslationAction, source_obj=source, target_obj=alias
            )
    return aliases


def _log(source, aliases, parents, user, using):
    """What Wagtail logs for each alias: "wagtail.create" (``Page.save`` of a new page, by its
    owner) then "wagtail.create_alias" with the action's data."""
    for action in ("wagtail.create", "wagtail.create_alias"):
        if not log_registry.action_exists(action):  # pragma: no cover
            raise LookupError(f"{action} is not a registered log action")
    context = get_active_log_context()
    source_parent = source.get_parent()
    source_data = (
        {"id": source_parent.id, "title": source_parent.specific_deferred.get_admin_display_title()}
        if source_parent
        else None
    )
    content_type = ContentType.objects.db_manager(using).get_for_model(
        type(source), for_concrete_model=False
    )
    entries = []
    for alias, parent in zip(aliases, parents, strict=True):
        title = alias.get_admin_display_title()
        entries.append(
            PageLogEntry(
                content_type=content_type,
                label=title,
                action="wagtail.create",
                timestamp=timezone.now(),
                data={},
                user_id=alias.owner_id or (context.user.pk if context.user else None),
                uuid=context.uuid,
                content_changed=True,
                page=alias,
            )
        )
        entries.append(
            PageLogEntry(
                content_type=content_type,
                label=title,
                action="wagtail.create_alias",
                timestamp=timezone.now(),
                data={
                    "page": {"id": alias.id, "title": title},
                    "source": source_data,
                    "destination": {
                        "id": parent.id,
                        "title": parent.specific_deferred.get_admin_display_title(),
                    },
                },
                user_id=user.pk if user else (context.user.pk if context.user else None),
                uuid=context.uuid,
                page=alias,
            )
        )
    PageLogEntry.objects.using(using).bulk_create(entries)
