"""Shorthands for wagtail-localize field declarations, and synchronised many-to-many fields.

Every page type declares ``override_translatable_fields``: text is translated (wagtail-
localize's default for text), facts that must agree in every language (coordinates, dates,
numbers, choices) are synchronised and cannot be overridden, and things a translation may
replace (an image with text in it, a website in the reader's language) are synchronised but
overridable.

wagtail-localize leaves many-to-many fields alone. Themes and participating cities must be
the same in every language, so :func:`sync_many_to_many` copies them from a page to its
translations whenever it is published.
"""

import contextvars
from contextlib import contextmanager

from wagtail_localize.fields import SynchronizedField

# Many-to-many fields kept in step across translations, per concrete page model.
SYNCHRONISED_M2M = {
    "networkhomepage": ["themes"],
    "seminarpage": ["themes", "participating_cities"],
    "practicemodelpage": ["themes", "related_seminars"],
}


def synchronised(*names):
    return [SynchronizedField(name, overridable=False) for name in names]


def synchronised_overridable(*names):
    return [SynchronizedField(name, overridable=True) for name in names]


# The translation keys already synchronised in a ``published_together`` block, or None.
_synchronised_keys = contextvars.ContextVar("cities_cms_m2m_synchronised", default=None)


@contextmanager
def published_together():
    """A block that sends the publish signals of several versions of a page (translations and
    aliases) once all of them exist, each given the same values (in its own locale's
    versions), with no change in between: the federation importer's new pages. The first
    publish of a ``translation_key`` makes every version agree; the others would find
    nothing to change, so they are skipped (a document in three languages: one
    synchronisation instead of three)."""
    outer = _synchronised_keys.get()
    token = _synchronised_keys.set(set() if outer is None else outer)
    try:
        yield
    finally:
        _synchronised_keys.reset(token)


def sync_many_to_many(page):
    """Copy the synchronised many-to-many values of a page's source to all its translations.

    The source is the page in the default locale (or ``page`` itself if it has none).
    Translatable targets (themes, pages) are mapped to their version in each translation's
    locale where one exists, so a Latvian page points at Latvian themes.

    Works on the through tables: per field, one query for the source's values, one for their
    versions in other locales, one for what the translations have, then only the rows that
    differ are deleted or inserted. Publishing runs it once per page (the importer once per
    document: :func:`published_together`), so it must cost a few queries, not a load of every
    translation.
    """
    from wagtail.models import Locale, Page

    names = SYNCHRONISED_M2M.get(page._meta.model_name)
    if not names or page.alias_of_id:
        return
    done = _synchronised_keys.get()
    if done is not None:
        if page.translation_key in done:
            return
        done.add(page.translation_key)
    default = Locale.get_default()
    source_pk = page.pk
    if page.locale_id != default.pk:
        source = (
            Page.objects.filter(translation_key=page.translation_key, locale=default)
            .values_list("pk", flat=True)
            .first()
        )
        if source is not None:
            source_pk = source
    translations = dict(
        Page.objects.filter(translation_key=page.translation_key)
        .exclude(pk=source_pk)
        .values_list("pk", "locale_id")
    )
    if not translations:
        return
    for name in names:
        _sync_field(type(page)._meta.get_field(name), source_pk, translations)


def _sync_field(field, source_pk, translations):
    through = field.remote_field.through
    own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
    own_id, other_id = f"{own}_id", f"{other}_id"
    values = list(through.objects.filter(**{own_id: source_pk}).values_list(other_id, flat=True))
    related = field.related_model
    keys = dict(related.objects.filter(pk__in=values).values_list("pk", "translation_key"))
    by_locale = {
        (key, locale_id): pk
        for pk, key, locale_id in related.objects.filter(
            translation_key__in=set(keys.values())
        ).values_list("pk", "translation_key", "locale_id")
    }
    wanted = {
        (page_pk, by_locale.get((keys.get(value), locale_id), value))
        for page_pk, locale_id in translations.items()
        for value in values
    }
    have = {
        (page_pk, value): row_pk
        for row_pk, page_pk, value in through.objects.filter(
            **{f"{own_id}__in": list(translations)}
        ).values_list("pk", own_id, other_id)
    }
    stale = [row_pk for pair, row_pk in have.items() if pair not in wanted]
    if stale:
        through.objects.filter(pk__in=stale).delete()
    missing = sorted(wanted - have.keys())
    if missing:
        through.objects.bulk_create(
            [through(**{own_id: page_pk, other_id: value}) for page_pk, value in missing]
        )


def on_page_published(sender, instance, **kwargs):
    sync_many_to_many(instance.specific)
