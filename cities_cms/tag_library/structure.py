"""The site's structure as the page's language has it: its root, texts, menu, breadcrumbs,
legal pages and listing pages. A flat number of queries, cached for the request or with the
content.
"""

from django import template

from .. import content_cache
from ..absolute_urls import request_site
from . import context_locale, request_cache

register = template.Library()


def _site_root(context):
    """The site's root page in the language of the page, or of the view (cached)."""
    request = context.get("request")
    locale = context_locale(context)

    def compute():
        site = request_site(request)
        if site is None:
            return None
        root = site.root_page
        if locale is not None and root.locale_id != locale.pk:
            root = content_cache.get_or_compute(
                f"site-root.{site.pk}.{locale.pk}",
                lambda: root.get_translation_or_none(locale) or root,
            )
        return root

    return request_cache(request, f"site-root-{getattr(locale, 'pk', '')}", compute)


@register.simple_tag(takes_context=True)
def site_root(context):
    return _site_root(context)


@register.simple_tag(takes_context=True)
def site_texts(context):
    """The site's name and footer text in the page's language (``cities_cms.branding``).

    ``{site_name, site_name_lang, footer_text, footer_text_lang}``; a ``*_lang`` is set when
    the text is in another language than the page (not translated yet).
    """
    from ..branding import site_texts as texts_of

    request = context.get("request")
    locale = context_locale(context)
    return request_cache(
        request,
        f"site-texts-{getattr(locale, 'pk', '')}",
        lambda: texts_of(request_site(request), locale),
    )


@register.simple_tag(takes_context=True)
def site_name(context):
    """The site's name in the page's language."""
    return site_texts(context)["site_name"]


@register.simple_tag(takes_context=True)
def legal_pages(context):
    """The accessibility statement and privacy notice in the page's language, for the footer:
    ``[{url, title, lang}]`` (``lang`` where the title is not translated yet).
    """
    from ..pages.legal import legal_pages_under

    request = context.get("request")
    here = getattr(context_locale(context), "language_code", "")
    return [
        {"url": page.get_url(request), "title": page.title, "lang": _content_language(page, here)}
        for page in legal_pages_under(_site_root(context))
    ]


def _content_language(page, here):
    """The language of a page's text when it differs from ``here`` (an alias), else ""."""
    source = getattr(page, "alias_of", None) if getattr(page, "alias_of_id", None) else None
    code = source.locale.language_code if source is not None else ""
    return code if code and code != here else ""


@register.simple_tag(takes_context=True)
def primary_navigation(context):
    """The site root's live, public children shown in menus: ``[{page, url, title, current,
    lang}]``.

    A flat number of queries whatever the size of the menu, cached for the request.
    ``current`` is "page" for the current page and "true" for one of its ancestors (for
    ``aria-current``), else "". ``lang`` is the language of a title that is not in the
    page's language (a menu item not translated yet), else "".
    """
    request = context.get("request")
    here = getattr(context_locale(context), "language_code", "")
    return [
        {
            "page": child,
            "url": child.get_url(request),
            "title": child.title,
            "current": current,
            "lang": _content_language(child, here),
        }
        for child, current in _menu_children(context)
    ]


def _menu_children(context):
    """``[(page, current)]``: the menu's pages (cached) and each one's ``aria-current``."""
    request = context.get("request")
    page = context.get("page")
    root = _site_root(context)
    if root is None:
        return []

    def compute():
        return content_cache.get_or_compute(
            f"menu.{root.pk}",
            lambda: list(
                content_cache.public(
                    root.get_children().live().in_menu().select_related("alias_of__locale")
                )
            ),
        )

    children = request_cache(request, f"menu-{root.pk}", compute)
    path = getattr(page, "path", "") or ""
    items = []
    for child in children:
        if page is not None and child.pk == getattr(page, "pk", None):
            current = "page"
        elif path.startswith(child.path):
            current = "true"
        else:
            current = ""
        items.append((child, current))
    return items


@register.simple_tag(takes_context=True)
def menu_state(context):
    """Which item of the main menu is current: ``(root pk, item pk, "page" or "true")``.

    What a cached menu varies by (its ``aria-current``), without rendering it: the pages under
    one menu item share one menu.
    """
    for child, current in _menu_children(context):
        if current:
            return (child.pk, current)
    return ()


@register.simple_tag(takes_context=True)
def breadcrumb_pages(context, page):
    """The live ancestors of ``page`` from the site root down (the page itself excluded).

    Each has ``breadcrumb_lang``: the language of its title where it is not the page's.
    """
    root = _site_root(context)
    if page is None or root is None or not getattr(page, "pk", None):
        return []
    if page.depth <= root.depth:
        return []
    here = getattr(context_locale(context), "language_code", "")

    def compute():
        ancestors = page.get_ancestors().live().filter(depth__gte=root.depth)
        ancestors = list(ancestors.select_related("alias_of__locale"))
        for ancestor in ancestors:
            ancestor.breadcrumb_lang = _content_language(ancestor, here)
        return ancestors

    request = context.get("request")
    if request is None or getattr(request, "is_preview", False):
        return compute()
    # The trail follows titles, moves and publishing: cached with the content, per page.
    return content_cache.get_or_compute(f"breadcrumbs.{page.pk}.{root.pk}.{here}", compute)


@register.simple_tag
def child_index_pages(page):
    """The live listing pages under ``page`` by kind: ``{"cities": page, "seminars": ...}``.

    One query; the pages are generic (enough for their URL and title).
    """
    from django.contrib.contenttypes.models import ContentType

    from ..pages import CityIndexPage, PracticeModelIndexPage, SeminarIndexPage

    kinds = {
        "cities": CityIndexPage,
        "seminars": SeminarIndexPage,
        "practice_models": PracticeModelIndexPage,
    }
    types = ContentType.objects.get_for_models(*kinds.values())  # cached by Django
    by_type = {types[model].pk: name for name, model in kinds.items()}

    def compute():
        found = {}
        children = page.get_children().live().filter(content_cache.public_q())
        for child in children.filter(content_type_id__in=by_type):
            found.setdefault(by_type[child.content_type_id], child)
        return found

    if not getattr(page, "pk", None):
        return compute()
    return content_cache.get_or_compute(f"child-index-pages.{page.pk}", compute)
