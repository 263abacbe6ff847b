"""Language names, and the translations of a page (or view) for the switcher and ``hreflang``."""

from django import template

from .. import content_cache, languages
from ..absolute_urls import request_site
from . import request_cache

register = template.Library()


@register.filter
def language_name(code):
    """A language code's name in that language ("lv" -> "Latviešu"); unknown codes as given."""
    return languages.language_name(code)


@register.filter
def text_language(page):
    """The language of an alias's text where it is not the page's own, else ""."""
    return languages.text_language(page)


@register.filter
def language_here(obj):
    """The language of a page's or snippet's text where it is not the active language's
    (the text around it), else "": ``<a{% with l=city|language_here %}{% if l %}
    lang="{{ l }}"{% endif %}{% endwith %}>``."""
    return languages.language_here(obj)


@register.simple_tag
def in_its_language(obj, text):
    """``text`` (a name of ``obj``) escaped, in a ``<span lang>`` where its language is not the
    active one: for a name placed in a translated sentence ("Hosted by {{ city }}")."""
    from django.utils.html import format_html

    code = languages.language_here(obj)
    return format_html('<span lang="{}">{}</span>', code, text) if code else format_html("{}", text)


@register.filter
def language_in_text(code):
    """A language named in the active language, as written inside a sentence ("anglais")."""
    from ..translation import language_name as name_in_text

    return name_in_text(code)


@register.simple_tag(takes_context=True)
def page_translations(context, page):
    """The languages of the page (or view) for the switcher and ``hreflang`` alternates.

    See ``cities_cms.languages.page_languages`` (pages) and ``view_languages`` (search, the
    404 page ...). Cached for the request; a page's, also with the content (per site: its
    addresses are relative to the request's site), except in previews.
    """
    request = context.get("request")
    if context.get("page_languages") is not None:
        # A route of a page that is a page of its own (a theme page): its view gives them.
        return context["page_languages"]
    if page is not None and getattr(page, "pk", None) and hasattr(page, "get_translations"):
        return request_cache(
            request, f"translations-{page.pk}", lambda: _page_languages(page, request)
        )
    if request is None:
        return {"languages": [], "links": [], "is_alias": False, "content_language": ""}
    return request_cache(request, "translations-view", lambda: languages.view_languages(request))


def _page_languages(page, request):
    # The page's locale from the cached locales: the templates read ``page.locale``.
    if "locale" not in page._state.fields_cache:
        locale = languages.request_locale(page)
        if locale is not None and locale.pk == page.locale_id:
            page._state.fields_cache["locale"] = locale
    if request is None or getattr(request, "is_preview", False):
        return languages.page_languages(page, request)
    site = request_site(request)
    return content_cache.get_or_compute(
        f"page-languages.{getattr(site, 'pk', '')}.{page.pk}",
        lambda: languages.page_languages(page, request),
    )
