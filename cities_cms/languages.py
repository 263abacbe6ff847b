"""The languages of a public page: the language switcher, hreflang links, the page's locale.

Every public page offers every language of the site (``page_languages``):

- a language with a live, public translation of the page links to it;
- a language where the page is "not translated yet" links to the page's alias there (the
  synchronised tree's copy: the page's text, the site's menus and notices in that language),
  or, without one, to that language's home page;
- pages that are not Wagtail pages (search, feeds' HTML, the 404 page) link to the same view
  in each language (``django.urls.translate_url``), the 404 page to each home page.

Only real translations are ``hreflang`` alternates: an alias repeats its source, whose
address is its canonical one.
"""

from django.conf import settings as django_settings
from django.urls import translate_url
from django.utils.translation import get_language
from wagtail.models import Locale, Page

from . import content_cache
from .absolute_urls import request_site
from .conf import NETWORK_LANGUAGES

LANGUAGE_NAMES = dict(NETWORK_LANGUAGES)
_ORDER = [code for code, _name in NETWORK_LANGUAGES]


def language_name(code):
    """A language code's name in that language ("lv" -> "Latviešu"); unknown codes as given."""
    return LANGUAGE_NAMES.get(code, code)


def _sort_key(code):
    return _ORDER.index(code) if code in _ORDER else len(_ORDER)


def locales():
    """``{language_code: Locale}`` of the site's languages, in the network's order (cached)."""

    def compute():
        found = {locale.language_code: locale for locale in Locale.objects.all()}
        return {code: found[code] for code in sorted(found, key=_sort_key)}

    return content_cache.get_or_compute("locales", compute)


def locale_codes():
    """``{locale id: language code}`` of the site's languages (from the cached ``locales``)."""
    return {locale.pk: code for code, locale in locales().items()}


def language_is_served(code=None):
    """Whether the site has a locale for ``code`` (default: the active language).

    ``LANGUAGES`` may list more languages than the site has locales (a site of three
    languages of the network's ten); an address with another language's prefix is not a
    page of the site, whatever Wagtail or a view would find for it in the default language.
    """
    code = (code or get_language() or django_settings.LANGUAGE_CODE).split("-")[0]
    return code in locales()


def require_served_language(view):
    """A view decorator: 404 for a language prefix the site has no locale for."""
    from functools import wraps

    from django.http import Http404

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not language_is_served():
            raise Http404("This site has no pages in this language.")
        return view(request, *args, **kwargs)

    return wrapper


def request_locale(page=None):
    """The locale a page is in, else the one of the active language, else the default."""
    if getattr(page, "locale_id", None):
        for locale in locales().values():
            if locale.pk == page.locale_id:
                return locale
    all_locales = locales()
    code = (get_language() or django_settings.LANGUAGE_CODE).split("-")[0]
    default = all_locales.get(django_settings.LANGUAGE_CODE)
    return all_locales.get(code) or default or next(iter(all_locales.values()), None)


def _sync_sources():
    """``{locale_id: locale_id}``: where each language's synchronised tree copies from."""

    def compute():
        from wagtail_localize.models import LocaleSynchronization

        return dict(LocaleSynchronization.objects.values_list("locale_id", "sync_from_id"))

    return content_cache.get_or_compute("sync-sources", compute)


def text_language(page):
    """The language of an alias's text (its source's), or "" for a page in its own language.

    For a ``lang`` attribute on an alias's title in a list. No query: the source's locale is
    the one the alias's tree synchronises from (or ``alias_of`` when it was selected).
    """
    if not getattr(page, "alias_of_id", None):
        return ""
    source = page._state.fields_cache.get("alias_of")
    locale_id = source.locale_id if source is not None else _sync_sources().get(page.locale_id)
    if locale_id is None:
        locale_id = Page.objects.filter(pk=page.alias_of_id).values_list("locale_id", flat=True)
        locale_id = locale_id.first()
    codes = locale_codes()
    code = codes.get(locale_id, "")
    return "" if code == codes.get(page.locale_id) else code


def language_here(obj):
    """The language of ``obj``'s text where it is not the language of the text around it (the
    active language), else "": a page's (its source's for an alias) or a snippet's locale.

    For the ``lang`` attribute of a name shown inside other text: a Latvian city or theme
    name inside the English text of a page not translated yet, an English one on a Latvian
    page.
    """
    from django.utils.translation import get_language

    if obj is None or getattr(obj, "locale_id", None) is None:
        return ""
    code = text_language(obj) or locale_codes().get(obj.locale_id, "")
    here = (get_language() or "").split("-")[0]
    return "" if not code or code == here else code


def site_homes(request):
    """``{locale_id: page}``: the site's live, public root page in each language (cached)."""
    site = request_site(request)
    if site is None:
        return {}

    def compute():
        root = site.root_page
        pages = Page.objects.filter(translation_key=root.translation_key).live()
        return {page.locale_id: page for page in content_cache.public(pages)}

    return content_cache.get_or_compute(f"site-homes.{site.pk}", compute)


def _entry(code, url, *, current=False, translated=True):
    return {
        "code": code,
        "name": language_name(code),
        "url": url,
        "current": current,
        "translated": translated,
    }


def _is_private(page):
    return any(
        page.path.startswith(path) and page.depth >= depth
        for path, depth in content_cache.private_sections()
    )


def page_languages(page, request):
    """The switcher's and ``<head>``'s view of a page's languages (two queries).

    Returns a dict:

    - ``languages``: ``[{code, name, url, current, translated}]``, one per language of the
      site in the network's order; ``url`` is empty where there is nothing to link to;
    - ``links``: the live, public translations (the current page first, unless it is an
      alias) with ``full_url``, for ``hreflang``;
    - ``content_language``: the language the page's text is in (the source's, for an alias);
    - ``is_alias``, ``x_default`` (the default language's full URL), ``canonical`` (for an
      alias: its source's full URL).
    """
    all_locales = locales()
    code_of = {locale.pk: code for code, locale in all_locales.items()}
    here = code_of.get(page.locale_id, "")
    versions = page.get_translations(inclusive=False).live()
    if not _is_private(page):
        versions = versions.filter(content_cache.public_q())
    # (A private page's versions share its view restriction (cities_cms.privacy): whoever
    # sees this one sees them, or gets the same login or password form.)
    versions = list(versions.select_related("alias_of__locale").defer_streamfields())
    source = None
    if page.alias_of_id:
        source = next((v for v in versions if v.pk == page.alias_of_id), None)
        if source is None:
            source = Page.objects.filter(pk=page.alias_of_id).select_related("locale").first()
    translations = {code_of.get(v.locale_id): v for v in versions if v.alias_of_id is None}
    aliases = {code_of.get(v.locale_id): v for v in versions if v.alias_of_id is not None}
    if page.alias_of_id is None:
        translations[here] = page

    links = []
    for code in sorted(translations, key=_sort_key):
        version = translations[code]
        links.append(
            {
                "code": code,
                "name": language_name(code),
                "url": version.get_url(request),
                "full_url": version.get_full_url(request),
                "current": version.pk == page.pk,
            }
        )
    homes = None
    languages = []
    for code, locale in all_locales.items():
        if code == here:
            languages.append(
                _entry(code, page.get_url(request), current=True, translated=not page.alias_of_id)
            )
        elif code in translations:
            languages.append(_entry(code, translations[code].get_url(request)))
        else:
            target = aliases.get(code)
            if target is None:
                homes = site_homes(request) if homes is None else homes
                target = homes.get(locale.pk)
            url = target.get_url(request) if target is not None else ""
            languages.append(_entry(code, url or "", translated=False))

    default_code = django_settings.LANGUAGE_CODE
    return {
        "languages": languages,
        "untranslated_count": sum(1 for i in languages if not i["translated"] and not i["current"]),
        "links": links,
        "content_language": (source.locale.language_code if source else here) or here,
        "is_alias": page.alias_of_id is not None,
        "x_default": next((i["full_url"] for i in links if i["code"] == default_code), ""),
        "canonical": source.get_full_url(request) if source is not None else "",
    }


def view_languages(request):
    """The languages of a view that is not a page (search, 404): the same view, or home."""
    current = request_locale()
    here = current.language_code if current else ""
    match = getattr(request, "resolver_match", None)
    # Wagtail's catch-all (a 404 of a page address): the same address would be a 404 too.
    same_view = match is not None and match.url_name != "wagtail_serve"
    path = request.get_full_path()
    homes = None
    languages = []
    for code, locale in locales().items():
        url = translate_url(path, code) if same_view else ""
        if code == here:
            url = path if same_view else url
        if not url or (url == path and code != here):
            homes = site_homes(request) if homes is None else homes
            home = homes.get(locale.pk)
            url = home.get_url(request) if home is not None else ""
        languages.append(_entry(code, url, current=code == here))
    return {
        "languages": languages,
        "untranslated_count": 0,
        "links": [],
        "content_language": here,
        "is_alias": False,
        "x_default": "",
        "canonical": "",
    }
