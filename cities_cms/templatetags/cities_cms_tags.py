"""Template tags of cities_cms: ``{% load cities_cms_tags %}``.

Tags that query the database cache their result on the request, so that a header, a footer
and a page body asking for the same thing cost one query, whatever the number of items.
"""

from collections import defaultdict

from django import template
from django.db.models import prefetch_related_objects

from .. import content_cache, dates, jsonld, languages
from ..absolute_urls import request_site
from ..snippets import Theme
from . import extension_tags

register = template.Library()
# {% extension_fragments %} and {% extension_value %}: where optional apps plug in.
register.tags.update(extension_tags.register.tags)


def _request_cache(request, name, compute):
    """``compute()`` once per request (or on every call when there is no request)."""
    if request is None:
        return compute()
    cache = request.__dict__.setdefault("_cities_cms_cache", {})
    if name not in cache:
        cache[name] = compute()
    return cache[name]


@register.simple_tag(takes_context=True)
def seminar_json_ld(context, seminar):
    return jsonld.dumps(jsonld.seminar_event(seminar, context["request"]))


@register.simple_tag(takes_context=True)
def city_json_ld(context, city):
    return jsonld.dumps(jsonld.city_page(city, context["request"]))


@register.simple_tag(takes_context=True)
def practice_model_json_ld(context, page, themes=None):
    return jsonld.dumps(jsonld.practice_model(page, context["request"], themes=themes))


@register.simple_tag
def page_feeds(page):
    """RSS and Atom feeds of a listing or city page: ``[{title, type, url, format, kind}]``."""
    from ..syndication.feeds import page_feeds as feeds_of

    return feeds_of(page) if page is not None else []


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
        by_key = content_cache.get_or_compute(
            f"themes.{locale.pk}", lambda: Theme.for_locale(locale)
        )
        if request is not None:
            setattr(request, cache_name, by_key)
    keys = {t.key for t in themes}
    return [theme for key, theme in by_key.items() if key in keys]


@register.simple_tag(takes_context=True)
def theme_links(context, themes):
    """The given themes named in the page's language, each with its landing page:
    ``[{name, url, lang}]`` (``lang`` where the name is not translated yet).
    """
    from ..pages.themes import theme_urls

    named = localized_themes(context, themes)
    page = context.get("page")
    locale = languages.request_locale(page)
    if locale is None:
        return [{"name": theme.name, "url": "", "lang": ""} for theme in named]
    _index, urls = theme_urls(context.get("request"), locale)
    codes = {loc.pk: code for code, loc in languages.locales().items()}
    return [
        {
            "name": theme.name,
            "url": urls.get(theme.key, ""),
            "lang": "" if theme.locale_id == locale.pk else codes.get(theme.locale_id, ""),
        }
        for theme in named
    ]


@register.simple_tag(takes_context=True)
def theme_index_url(context):
    """The address of the theme index in the page's (or view's) language, or ""."""
    from ..pages.themes import theme_urls

    locale = languages.request_locale(context.get("page"))
    return theme_urls(context.get("request"), locale)[0] if locale is not None else ""


@register.simple_tag(takes_context=True)
def theme_page_url(context, key):
    """The address of the theme ``key``'s page in the page's (or view's) language, or ""."""
    from ..pages.themes import theme_urls

    locale = languages.request_locale(context.get("page"))
    return theme_urls(context.get("request"), locale)[1].get(key, "") if locale else ""


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
    """A document's size in bytes, or 0 if the file is missing."""
    try:
        return document.file.size
    except (OSError, ValueError):
        return 0


# Languages -----------------------------------------------------------------------------------


@register.filter
def language_name(code):
    """A language code's name in that language ("lv" -> "Latviešu"); unknown codes as given."""
    return languages.language_name(code)


@register.filter
def text_language(page):
    """The language of an alias's text where it is not the page's own, else ""."""
    return languages.text_language(page)


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
        return _request_cache(
            request, f"translations-{page.pk}", lambda: _page_languages(page, request)
        )
    if request is None:
        return {"languages": [], "links": [], "is_alias": False, "content_language": ""}
    return _request_cache(request, "translations-view", lambda: languages.view_languages(request))


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


# Site structure ------------------------------------------------------------------------------


def _context_locale(context):
    return languages.request_locale(context.get("page"))


def _site_root(context):
    """The site's root page in the language of the page, or of the view (cached)."""
    request = context.get("request")
    locale = _context_locale(context)

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

    return _request_cache(request, f"site-root-{getattr(locale, 'pk', '')}", compute)


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
    locale = _context_locale(context)
    return _request_cache(
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
    here = getattr(_context_locale(context), "language_code", "")
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
    here = getattr(_context_locale(context), "language_code", "")
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

    children = _request_cache(request, f"menu-{root.pk}", compute)
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
def breadcrumb_pages(context, page):
    """The live ancestors of ``page`` from the site root down (the page itself excluded).

    Each has ``breadcrumb_lang``: the language of its title where it is not the page's.
    """
    root = _site_root(context)
    if page is None or root is None or not getattr(page, "pk", None):
        return []
    if page.depth <= root.depth:
        return []
    here = getattr(_context_locale(context), "language_code", "")

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


@register.simple_tag
def specific_pages(pages):
    """Live pages of a page chooser list as their specific types, in the chosen order.

    One query for the pages plus one per page type, plus listing images and renditions:
    never one per card.
    """
    from wagtail.models import Page

    ids = [p.pk for p in pages if p is not None]
    if not ids:
        return []
    found = {
        p.pk: p
        for p in Page.objects.filter(pk__in=ids).live().filter(content_cache.public_q()).specific()
    }
    by_class = defaultdict(list)
    for item in found.values():
        if hasattr(item, "listing_image_id"):
            by_class[type(item)].append(item)
    for items in by_class.values():
        prefetch_related_objects(items, "listing_image__renditions")
    return [found[pk] for pk in ids if pk in found]


@register.simple_tag
def prefetch_renditions(objects, attribute="image"):
    """Fetch the renditions of ``obj.<attribute>`` for all objects in one query; returns them.

    For lists of images in blocks (galleries, logos), so that ``{% image %}`` finds the
    renditions without one query per image.
    """
    objects = [o for o in objects if o is not None]
    images = []
    for obj in objects:
        image = obj.get(attribute) if isinstance(obj, dict) or hasattr(obj, "get") else None
        if image is None:
            image = getattr(obj, attribute, None)
        if image is not None and hasattr(image, "renditions"):
            images.append(image)
    if images:
        prefetch_related_objects(images, "renditions")
    return objects


@register.simple_tag
def prefetch(objects, *lookups):
    """``objects`` as a list with ``lookups`` prefetched, e.g. "person__photo__renditions".

    For lists that a view did not prefetch for a template (contacts with photos ...), so that
    the template costs a query per lookup instead of one per item. Objects may be None.
    """
    objects = list(objects or [])
    present = [o for o in objects if o is not None]
    if present and lookups:
        prefetch_related_objects(present, *lookups)
    return objects


@register.simple_tag
def prefetch_logos(organisations):
    """Organisations with their logos and the logos' renditions, in two queries."""
    organisations = [o for o in organisations if o is not None]
    prefetch_related_objects(organisations, "logo__renditions")
    return organisations


# Blocks --------------------------------------------------------------------------------------


@register.filter
def choice_label(struct_value, name):
    """The human label of a choice field of a struct block value (e.g. a session's kind)."""
    value = struct_value.get(name)
    block = getattr(struct_value, "block", None)
    child = block.child_blocks.get(name) if block is not None else None
    choices = getattr(getattr(child, "field", None), "choices", None) or []
    for key, label in choices:
        if str(key) == str(value):
            return label
    return value


@register.filter(expects_localtime=True, is_safe=False)
def local_date(value, format_name="DATE_FORMAT"):
    """Like Django's ``date`` filter with a format name, with month and weekday names in lower
    case where the language writes them so inside a sentence (see ``cities_cms.dates``)."""
    return dates.format_date(value, format_name)


@register.filter
def isoformat(value):
    """An ISO 8601 date or time for ``<time datetime>``, to the second (no microseconds)."""
    if value in (None, ""):
        return ""
    try:
        return value.isoformat(timespec="seconds")
    except TypeError:  # dates take no timespec
        return value.isoformat()


@register.filter
def block_values(stream):
    """The values of a stream's blocks, e.g. the indicators of a practice model."""
    return [child.value for child in stream or []]


@register.filter
def field_widget(bound_field):
    """A form field's widget with ``aria-describedby`` pointing at its error and help text."""
    described_by = []
    if bound_field.errors:
        described_by.append(f"{bound_field.auto_id}-error")
    if bound_field.help_text:
        described_by.append(f"{bound_field.auto_id}-help")
    attrs = {"aria-describedby": " ".join(described_by)} if described_by else {}
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)


# Shared page parts ---------------------------------------------------------------------------


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


@register.tag
def shared_fragment(parser, token):
    """``{% shared_fragment "name" vary ... %}...{% endshared_fragment %}``: a page part that is
    the same for every visitor (header, footer), rendered once per content generation.

    The key is the name, the active language, the request's site, the page's language and the
    given ``vary`` values (the page's switcher targets, the menu's current item ...). Never
    cached: in previews, and any output with a CSP nonce or a CSRF token (per request).
    """
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("shared_fragment needs a name")
    nodelist = parser.parse(("endshared_fragment",))
    parser.delete_first_token()
    return SharedFragmentNode(
        nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]]
    )


class SharedFragmentNode(template.Node):
    def __init__(self, nodelist, name, vary):
        self.nodelist, self.name, self.vary = nodelist, name, vary

    def render(self, context):
        from django.utils.translation import get_language

        request = context.get("request")
        if request is None or getattr(request, "is_preview", False):
            return self.nodelist.render(context)
        site = request_site(request)
        vary = (
            get_language(),
            getattr(site, "pk", None),
            getattr(_context_locale(context), "pk", None),
            [value.resolve(context) for value in self.vary],
        )
        rendered = []

        def render():
            html = self.nodelist.render(context)
            rendered.append(html)
            return html if _same_for_everyone(html) else None

        # None is stored for a part that cannot be shared: it is rendered on every request.
        html = content_cache.fragment(str(self.name.resolve(context)), vary, render)
        if rendered:
            return rendered[0]
        return html if html is not None else self.nodelist.render(context)


def _same_for_everyone(html):
    return "nonce=" not in html and "csrfmiddlewaretoken" not in html


@register.simple_tag(takes_context=True)
def local_city(context, city):
    """``city`` (a city page of any language) as the page's language has it: its live, public
    translation there, else ``city`` itself. A page not yet translated (an alias) keeps its
    source's city, which would name and link the city in the source language.
    """
    if city is None:
        return None
    locale = languages.request_locale(context.get("page"))
    if locale is None or city.locale_id == locale.pk:
        return city

    def compute():
        from ..pages import CityPage

        pages = CityPage.objects.live().filter(locale=locale).filter(content_cache.public_q())
        return {page.translation_key: page for page in pages.defer_streamfields()}

    return content_cache.get_or_compute(f"local-cities.{locale.pk}", compute).get(
        city.translation_key, city
    )
