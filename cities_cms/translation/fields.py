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


def sync_many_to_many(page):
    """Copy the synchronised many-to-many values of a page's source to all its translations.

    The source is the page in the default locale (or ``page`` itself if it has none).
    Translatable targets (themes, pages) are mapped to their version in each translation's
    locale where one exists, so a Latvian page points at Latvian themes.
    """
    from wagtail.models import Locale

    names = SYNCHRONISED_M2M.get(page._meta.model_name)
    if not names or page.alias_of_id:
        return
    default = Locale.get_default()
    if page.locale_id != default.pk:
        source = page.get_translation_or_none(default)
        if source is not None:
            page = source.specific
    translations = list(page.get_translations().specific())
    if not translations:
        return
    for name in names:
        values = list(getattr(page, name).all())
        keys = [value.translation_key for value in values]
        related = page._meta.get_field(name).related_model
        by_locale = {}
        for item in related.objects.filter(translation_key__in=keys):
            by_locale[(item.translation_key, item.locale_id)] = item
        for translation in translations:
            mapped = [
                by_locale.get((key, translation.locale_id), value)
                for key, value in zip(keys, values, strict=True)
            ]
            manager = getattr(translation, name)
            if {item.pk for item in manager.all()} != {item.pk for item in mapped}:
                manager.set(mapped)
                manager.commit()  # ParentalManyToMany values stay in memory until committed


def on_page_published(sender, instance, **kwargs):
    sync_many_to_many(instance.specific)
