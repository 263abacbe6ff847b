"""Themes named in the page's language, with their landing pages (cities_cms.pages.themes)."""

from django import template

from .. import content_cache, languages
from . import context_locale

register = template.Library()


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
        by_key = content_cache.themes(locale)
        if request is not None:
            setattr(request, cache_name, by_key)
    keys = {t.key for t in themes}
    return [theme for key, theme in by_key.items() if key in keys]


@register.simple_tag(takes_context=True)
def theme_links(context, themes):
    """The given themes named in the page's language, each with its landing page:
    ``[{name, url, lang}]`` (``lang`` where the name's language is not that of the text
    around it: a theme not translated yet, or any theme on a page not translated yet).
    """
    from ..pages.themes import theme_urls

    named = localized_themes(context, themes)
    locale = context_locale(context)
    if locale is None:
        return [{"name": theme.name, "url": "", "lang": ""} for theme in named]
    _index, urls = theme_urls(context.get("request"), locale)
    # ``lang`` against the text around the names: the page's language, or on a page not
    # translated yet (its text in the source's language) that language.
    return [
        {"name": theme.name, "url": urls.get(theme.key, ""), "lang": languages.language_here(theme)}
        for theme in named
    ]


@register.simple_tag(takes_context=True)
def theme_index_url(context):
    """The address of the theme index in the page's (or view's) language, or ""."""
    from ..pages.themes import theme_urls

    locale = context_locale(context)
    return theme_urls(context.get("request"), locale)[0] if locale is not None else ""


@register.simple_tag(takes_context=True)
def theme_page_url(context, key):
    """The address of the theme ``key``'s page in the page's (or view's) language, or ""."""
    from ..pages.themes import theme_urls

    locale = context_locale(context)
    return theme_urls(context.get("request"), locale)[1].get(key, "") if locale else ""
