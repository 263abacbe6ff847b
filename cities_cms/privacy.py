"""Privacy holds in every language: one view restriction for every version of a page.

A page of a multilingual site has several versions with the same ``translation_key``: its
translations and the aliases that wagtail-localize keeps in each language's tree until the
page is translated. Wagtail keeps a view restriction (``PageViewRestriction``: login, shared
password or groups) on one page only: restricting the English version left the Latvian one
public, and with it everything that reads Wagtail's ``.public()`` in that language (feeds,
the API, search, the sitemap, calendars, the federation feed). Wagtail's ``serve()`` resolves
an alias to its source but ignores a restriction set on the alias itself.

So the rule is kept in the data: **every version of a page carries an equal restriction**
(same type, password and groups). Wagtail's ``serve()``, ``.public()`` querysets and the
admin's privacy indicator then agree without special cases in each query.

- Adding or changing a restriction writes the same onto every other version, in
  ``pre_save``: receivers of ``post_save`` (the content cache, the federation records) then
  find every version in its final state. Groups follow through ``m2m_changed``.
- Removing one (the restriction itself is deleted) removes it from every version. A
  restriction deleted with its page (a cascade) is no decision to open the others.
- A version created later (an alias, a translation) inherits the restriction; pages inserted
  in bulk (the federation importer) inherit theirs all at once (``created_in_bulk``).
- ``align_all()`` brings restrictions made before this rule existed into line;
  ``cities_cms_setup`` runs it.

The other versions are written in bulk: a restriction change costs a handful of queries
whatever the number of languages, and sends no signal per version (the signals of the
restriction the editor changed speak for all versions). Deleting rows still sends Django's
delete signals; ``mirroring()`` is true meanwhile, so receivers (and this module) can ignore
them. Each page keeps at most one restriction, as Wagtail's admin assumes.
"""

import contextvars
import functools
from contextlib import contextmanager

from django.db.models import QuerySet, Subquery
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save

_mirroring = contextvars.ContextVar("cities_cms_privacy_mirroring", default=False)
# Ids of new pages whose restriction ``created_in_bulk`` has already given them.
_inherited = contextvars.ContextVar("cities_cms_privacy_inherited", default=frozenset())


def mirroring() -> bool:
    """True while this module writes the restrictions of other versions of a page."""
    return _mirroring.get()


@contextmanager
def _mirror():
    token = _mirroring.set(True)
    try:
        yield
    finally:
        _mirroring.reset(token)


@functools.cache
def _models():
    from wagtail.models import Page, PageViewRestriction

    field = PageViewRestriction._meta.get_field("groups")
    through = field.remote_field.through
    return Page, PageViewRestriction, through, f"{field.m2m_field_name()}_id"


def _other_versions(page_id):
    """Ids of the other pages with the ``translation_key`` of ``page_id`` (one query)."""
    Page = _models()[0]
    key = Page.objects.filter(pk=page_id).values("translation_key")[:1]
    return list(
        Page.objects.filter(translation_key=Subquery(key))
        .exclude(pk=page_id)
        .values_list("pk", flat=True)
    )


def _set_groups(restriction_ids, group_ids):
    """Give each restriction exactly ``group_ids`` (two queries when nothing changes)."""
    _Page, _Restriction, through, column = _models()
    if not restriction_ids:
        return
    rows = through.objects.filter(**{f"{column}__in": restriction_ids}).values_list(
        "pk", column, "group_id"
    )
    wanted = {(rid, gid) for rid in restriction_ids for gid in group_ids}
    have = {(rid, gid): pk for pk, rid, gid in rows}
    stale = [pk for pair, pk in have.items() if pair not in wanted]
    if stale:
        through.objects.filter(pk__in=stale).delete()
    missing = [pair for pair in wanted if pair not in have]
    if missing:
        through.objects.bulk_create(
            [through(**{column: rid, "group_id": gid}) for rid, gid in missing]
        )


def _apply(page_ids, kind, password, group_ids, *, keep=None, also_page=None):
    """Each page of ``page_ids`` gets exactly one restriction of this kind, password, groups.

    ``group_ids`` None leaves the groups as they are. ``also_page``: a page whose other
    restrictions than ``keep`` (a restriction being saved) are removed, so that it keeps one.
    """
    _Page, Restriction, _through, _column = _models()
    pages = [*page_ids, also_page] if also_page is not None else list(page_ids)
    rows = Restriction.objects.filter(page_id__in=pages).order_by("pk")
    kept, extra = {}, []
    for pk, page_id, row_kind, row_password in rows.values_list(
        "pk", "page_id", "restriction_type", "password"
    ):
        if page_id == also_page:
            if pk != keep:
                extra.append(pk)
        elif page_id in kept:
            extra.append(pk)
        else:
            kept[page_id] = (pk, (row_kind, row_password) != (kind, password))
    stale = [pk for pk, differs in kept.values() if differs]
    if stale:
        Restriction.objects.filter(pk__in=stale).update(restriction_type=kind, password=password)
    missing = [page_id for page_id in page_ids if page_id not in kept]
    created = Restriction.objects.bulk_create(
        [
            Restriction(page_id=page_id, restriction_type=kind, password=password)
            for page_id in missing
        ]
    )
    if any(row.pk is None for row in created):  # a database that returns no ids
        created = list(Restriction.objects.filter(page_id__in=missing))
    if extra:
        with _mirror():
            Restriction.objects.filter(pk__in=extra).delete()
    if group_ids is not None:
        _set_groups([pk for pk, _differs in kept.values()] + [r.pk for r in created], group_ids)


# --- signal receivers -----------------------------------------------------------------------


def _restriction_saving(sender, instance, raw=False, **kwargs):
    if raw or mirroring():
        return
    _Page, Restriction, through, column = _models()
    if instance.pk is not None:
        group_ids = list(
            through.objects.filter(**{column: instance.pk}).values_list("group_id", flat=True)
        )
    elif instance.restriction_type == Restriction.GROUPS:
        # The groups of a new restriction come after it is saved (m2m_changed, below).
        group_ids = None
    else:
        group_ids = []
    _apply(
        _other_versions(instance.page_id),
        instance.restriction_type,
        instance.password,
        group_ids,
        keep=instance.pk,
        also_page=instance.page_id,
    )


def _restriction_deleting(sender, instance, origin=None, **kwargs):
    if mirroring():
        return
    Restriction = _models()[1]
    # Only an editor's removal of the restriction itself opens the other versions; when a page
    # is deleted its restriction goes with it (``origin`` is the page), the others stay.
    removed = isinstance(origin, Restriction) or (
        isinstance(origin, QuerySet) and issubclass(origin.model, Restriction)
    )
    if not removed:
        return
    others = Restriction.objects.filter(page_id__in=_other_versions(instance.page_id))
    with _mirror():
        others.delete()


def _groups_changing(sender, instance, action, reverse, pk_set, **kwargs):
    if mirroring():
        return
    Restriction = _models()[1]
    if reverse and action == "pre_clear":
        # group.pageviewrestriction_set.clear(): remember which restrictions lose the group.
        instance._cities_cms_cleared = list(
            Restriction.objects.filter(groups=instance).values_list("pk", flat=True)
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        restriction_ids = [instance.pk]
    elif action == "post_clear":
        restriction_ids = getattr(instance, "_cities_cms_cleared", [])
    else:
        restriction_ids = sorted(pk_set or ())
    for restriction_id in restriction_ids:
        mirror_groups(restriction_id)


def mirror_groups(restriction_id):
    """The groups of one restriction onto the restrictions of its page's other versions."""
    Page, Restriction, through, column = _models()
    key = Page.objects.filter(view_restrictions=restriction_id).values("translation_key")[:1]
    others = list(
        Restriction.objects.filter(page__translation_key=Subquery(key))
        .exclude(pk=restriction_id)
        .values_list("pk", flat=True)
    )
    if others:
        group_ids = through.objects.filter(**{column: restriction_id}).values_list(
            "group_id", flat=True
        )
        _set_groups(others, list(group_ids))


def _page_created(sender, instance, created=False, raw=False, **kwargs):
    """A new version of a restricted page (an alias, a translation) inherits the restriction."""
    Page, Restriction, through, column = _models()
    if not created or raw or mirroring() or not isinstance(instance, Page):
        return
    if instance.pk in _inherited.get():
        return
    restriction = (
        Restriction.objects.filter(page__translation_key=instance.translation_key)
        .exclude(page_id=instance.pk)
        .order_by("pk")
        .first()
    )
    if restriction is None:
        return
    group_ids = list(
        through.objects.filter(**{column: restriction.pk}).values_list("group_id", flat=True)
    )
    _apply([instance.pk], restriction.restriction_type, restriction.password, group_ids)


@contextmanager
def created_in_bulk(pages):
    """Around the ``post_save`` (created) sent for ``pages``, new pages inserted in bulk: what
    the receiver does for each, done before for all of them in one query (two more per
    restricted page), instead of one query per page. The restriction each inherits is the
    one :func:`_page_created` would give it: the oldest of another version of the page."""
    Restriction, through, column = _models()[1:]
    ids = frozenset(page.pk for page in pages)
    keys = {page.translation_key for page in pages}
    first = {}
    for pk, key, kind, password in (
        Restriction.objects.filter(page__translation_key__in=keys)
        .exclude(page_id__in=ids)
        .order_by("pk")
        .values_list("pk", "page__translation_key", "restriction_type", "password")
    ):
        first.setdefault(key, (pk, kind, password))
    for key, (pk, kind, password) in first.items():
        group_ids = list(through.objects.filter(**{column: pk}).values_list("group_id", flat=True))
        _apply(
            [page.pk for page in pages if page.translation_key == key], kind, password, group_ids
        )
    token = _inherited.set(_inherited.get() | ids)
    try:
        yield
    finally:
        _inherited.reset(token)


def connect_signals():
    """Called by the app's ``ready()``."""
    Page, Restriction, through, _column = _models()
    uid = "cities_cms.privacy"
    pre_save.connect(_restriction_saving, sender=Restriction, dispatch_uid=uid)
    pre_delete.connect(_restriction_deleting, sender=Restriction, dispatch_uid=uid)
    m2m_changed.connect(_groups_changing, sender=through, dispatch_uid=uid)
    # Every page model sends its own post_save: listen to all and keep the pages.
    post_save.connect(_page_created, dispatch_uid=uid + ".page")


# --- existing sites -------------------------------------------------------------------------


def align_all():
    """Bring every restricted page's versions into line; returns the pages that decided.

    Where versions disagree, the restriction of the version in the default language decides,
    else that of the oldest translation (never an alias's: Wagtail ignores those when it
    serves). Saving the deciding restriction again lets the receivers above write it onto
    every version, and those of other apps (content cache, federation records) hear of it.
    Four queries when everything is in line.
    """
    from wagtail.models import Locale

    Page, Restriction, through, column = _models()
    rows = list(
        Restriction.objects.values_list(
            "pk",
            "page_id",
            "page__translation_key",
            "page__alias_of_id",
            "page__locale_id",
            "restriction_type",
            "password",
        )
    )
    if not rows:
        return []
    groups = {}
    for restriction_id, group_id in through.objects.values_list(column, "group_id"):
        groups.setdefault(restriction_id, set()).add(group_id)
    by_key = {}
    for row in rows:
        by_key.setdefault(row[2], []).append(row)
    versions = {}
    for page_id, key in Page.objects.filter(translation_key__in=by_key).values_list(
        "pk", "translation_key"
    ):
        versions.setdefault(key, set()).add(page_id)
    default_locale = Locale.get_default().pk
    deciding = []
    for key, restrictions in by_key.items():
        pages = [row[1] for row in restrictions]
        values = {(row[5], row[6], frozenset(groups.get(row[0], ()))) for row in restrictions}
        if len(values) == 1 and sorted(pages) == sorted(versions[key]):
            continue
        restrictions.sort(key=lambda row: (row[3] is not None, row[4] != default_locale, row[1]))
        deciding.append(restrictions[0][0])
    changed = []
    for restriction in Restriction.objects.filter(pk__in=deciding).select_related("page"):
        restriction.save()  # an update: its groups go with it (_restriction_saving)
        changed.append(restriction.page)
    return changed
