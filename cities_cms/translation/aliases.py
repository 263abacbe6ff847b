"""Aliases go with their source: deleting a page deletes its aliases in the other languages.

With synchronised trees wagtail-localize keeps an alias of every untranslated page in each
language. Wagtail's ``Page.alias_of`` is ``SET_NULL``: deleting a page (in the admin or in
code) would leave each alias behind as an ordinary live page, a stale copy of a page that no
longer exists, in every other language (and federation would see the shared page as still
published there). Wagtail unpublishes aliases with their source; this deletes them with it.
Translations (pages that are not aliases) stay: they are their translators' work.
"""

import threading

from django.db.models.signals import post_delete, pre_delete

_pending = threading.local()


def _is_page(sender):
    from wagtail.models import Page

    return isinstance(sender, type) and issubclass(sender, Page)


def remember_aliases(sender, instance, **kwargs):
    if not _is_page(sender):
        return
    from wagtail.models import Page

    ids = list(Page.objects.filter(alias_of_id=instance.pk).values_list("pk", flat=True))
    if ids:
        pending = getattr(_pending, "ids", None)
        if pending is None:
            pending = _pending.ids = {}
        pending[instance.pk] = ids


def delete_aliases(sender, instance, **kwargs):
    if not _is_page(sender):
        return
    pending = getattr(_pending, "ids", None) or {}
    ids = pending.pop(instance.pk, None)
    if not ids:
        return
    from wagtail.models import Page

    # One by one: an alias may be inside another one's subtree (the alias of a child page
    # under the alias of its parent) and be gone already.
    for alias in Page.objects.filter(pk__in=ids).order_by("depth"):
        if Page.objects.filter(pk=alias.pk).exists():
            alias.delete()


def connect_signals():
    """Called by the app's ``ready()``."""
    pre_delete.connect(remember_aliases, dispatch_uid="cities_cms_remember_aliases")
    post_delete.connect(delete_aliases, dispatch_uid="cities_cms_delete_aliases")
