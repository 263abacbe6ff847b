"""Which language a page's text is in, and which languages a search in one locale reads.

A page's text is in its locale's language, except for an alias: the untranslated copy that
wagtail-localize keeps in each other locale until the page is translated shows the text of
the page it copies, in that page's language. The search of a locale therefore reads its own
language and the languages of the aliases it holds (``query_languages``).
"""

from django.conf import settings as django_settings

from .. import content_cache


def language_code(code):
    """The base language of a code: "pt-br" -> "pt"."""
    return (code or django_settings.LANGUAGE_CODE).split("-")[0].lower()


def content_languages():
    """Every content language of the site (for queries that have no language: the admin)."""
    codes = getattr(django_settings, "WAGTAIL_CONTENT_LANGUAGES", None) or [
        (django_settings.LANGUAGE_CODE, "")
    ]
    return tuple(dict.fromkeys(language_code(code) for code, _name in codes))


def _locale_codes():
    from wagtail.models import Locale

    return content_cache.get_or_compute(
        "search.locale_codes", lambda: dict(Locale.objects.values_list("pk", "language_code"))
    )


def aliases(locale):
    """What the aliases in ``locale`` are: ``{"languages": [...], "duplicates": [...]}``.

    ``languages``: the languages of the pages that aliases in ``locale`` copy from other
    locales (usually one: the source language of synchronised trees). ``duplicates``: ids of
    aliases of pages of ``locale`` itself (an alias that shows a page at a second place), which
    search leaves out, the page being found itself. Read from ``cities_cms.content_cache``
    (one or two queries when it is computed), which saving any page starts afresh.
    """

    def compute():
        from wagtail.models import Page

        in_locale = Page.objects.filter(locale=locale, alias_of__isnull=False)
        originals = set(in_locale.values_list("alias_of__locale_id", flat=True).distinct())
        duplicates = []
        if locale.pk in originals:
            originals.discard(locale.pk)
            duplicates = list(
                in_locale.filter(alias_of__locale_id=locale.pk).values_list("pk", flat=True)
            )
        codes = _locale_codes()
        languages = sorted({language_code(codes.get(pk)) for pk in originals})
        return {"languages": languages, "duplicates": duplicates}

    return content_cache.get_or_compute(f"search.aliases.{locale.pk}", compute)


def query_languages(locale):
    """The languages a search in ``locale`` reads: its own, then those of its aliases."""
    own = language_code(locale.language_code)
    others = [code for code in aliases(locale)["languages"] if code != own]
    return (own, *others)


class TextLanguages:
    """The language of each object's text (an alias: its original's), for indexing.

    ``prepare(objs)`` reads the locales of the aliases' originals in one query for a batch.
    """

    def __init__(self):
        self._codes = None
        self._originals = {}

    def prepare(self, objs):
        from wagtail.models import Page

        wanted = {
            obj.alias_of_id
            for obj in objs
            if getattr(obj, "alias_of_id", None) and obj.alias_of_id not in self._originals
        }
        if wanted:
            self._originals.update(
                Page.objects.filter(pk__in=wanted).values_list("pk", "locale_id")
            )

    def for_object(self, obj):
        locale_id = getattr(obj, "locale_id", None)
        original = getattr(obj, "alias_of_id", None)
        if original:
            if original not in self._originals:
                self.prepare([obj])
            locale_id = self._originals.get(original, locale_id)
        if locale_id is None:
            return language_code(None)
        if self._codes is None or locale_id not in self._codes:
            from wagtail.models import Locale

            self._codes = dict(Locale.objects.values_list("pk", "language_code"))
        return language_code(self._codes.get(locale_id))
