"""Template tags of cities_cms: ``{% load cities_cms_tags %}``."""

from django import template
from django.utils.translation import get_language

from .. import jsonld
from ..snippets import Theme

register = template.Library()


@register.simple_tag(takes_context=True)
def seminar_json_ld(context, seminar):
    return jsonld.dumps(jsonld.seminar_event(seminar, context["request"]))


@register.simple_tag(takes_context=True)
def localized_themes(context, themes):
    """The given themes (any language) named in the page's language, ordered.

    Themes are matched by key, so a page whose themes point at another language's snippets
    still shows names in the visitor's language. One query per page, cached on the request.
    """
    page = context.get("page")
    request = context.get("request")
    locale = getattr(page, "locale", None)
    if locale is None:
        return list(themes)
    cache_name = f"_cities_cms_themes_{locale.pk}"
    by_key = getattr(request, cache_name, None)
    if by_key is None:
        by_key = Theme.for_locale(locale)
        if request is not None:
            setattr(request, cache_name, by_key)
    keys = {t.key for t in themes}
    return [theme for key, theme in by_key.items() if key in keys]


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs):
    """The current query string with some parameters replaced (e.g. for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.filter
def filesize(document):
    """A document's size, or "" if the file is missing."""
    try:
        return document.file.size
    except (OSError, ValueError):
        return 0


@register.simple_tag
def current_language():
    return get_language()
