"""Which language an indexed object is in, and the search settings of each language."""

from django.conf import settings as django_settings

from ..conf import settings


def language_code(code):
    """The base language of a code: "pt-br" -> "pt"."""
    return (code or django_settings.LANGUAGE_CODE).split("-")[0].lower()


def postgres_config(code):
    """PostgreSQL's text search configuration for a language ("simple" when it has none)."""
    return settings.CITIES_CMS_SEARCH_POSTGRES_CONFIGS.get(language_code(code), "simple")


def elasticsearch_analyzer(code):
    """The Elasticsearch analyzer for a language ("standard" when none is configured)."""
    return settings.CITIES_CMS_SEARCH_ELASTICSEARCH_ANALYZERS.get(language_code(code), "standard")


class LocaleCodes:
    """Language codes of objects by ``locale_id``, read once (one query) and then remembered."""

    def __init__(self):
        self._codes = None

    def for_object(self, obj):
        locale_id = getattr(obj, "locale_id", None)
        if locale_id is None:
            return language_code(None)
        if self._codes is None or locale_id not in self._codes:
            from wagtail.models import Locale

            self._codes = dict(Locale.objects.values_list("pk", "language_code"))
        return language_code(self._codes.get(locale_id))
