"""Theme landing pages: ``/themes/`` and ``/themes/<key>/`` in every language of the site.

They are routes of the network home page (``ThemePagesMixin``, a routable page), not pages of
their own: a theme is a translatable snippet, so its landing page exists in every language the
moment the theme does, follows the network home's address in each language (``/lv/themes/``),
needs no migration and no editor has to create or translate 10 x 8 pages by hand. Each theme
page shows the theme's name and description in the page's language (the default language's
text, marked with its ``lang``, until the theme is translated), its practice models (the
network's own and those received from partner sites) with the practice model index's filters,
its seminars (upcoming, then past), a map of its cities, its feeds and JSON-LD.
"""

from django.contrib.sitemaps import Sitemap
from django.db import models
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from wagtail.contrib.routable_page.models import RoutablePageMixin, path

from .. import content_cache, jsonld, languages
from ..absolute_urls import absolute_url, request_site
from ..conf import settings
from .filters import PracticeModelFilterSet
from .mixins import FilteredListingMixin

SEMINAR_LIMIT = 12  # upcoming and past seminars each: the seminar index has the rest


def themes_for_locale(locale):
    """``{key: Theme}`` in ``locale`` (the default language's where not translated), cached."""
    from ..snippets import Theme

    return content_cache.get_or_compute(f"themes.{locale.pk}", lambda: Theme.for_locale(locale))


def network_homes(request):
    """``{locale_id: NetworkHomePage}``: the site's live, public network home per language.

    The highest one in each language's tree (the site root on the reference site); cached
    with the content, per site.
    """
    from ..syndication.queries import in_site_q
    from .network import NetworkHomePage

    site = request_site(request)
    if site is None:
        return {}

    def compute():
        homes = {}
        # Without their StreamFields: the cached pages are unpickled on every request (50 KB
        # and 16 ms with them, for ten languages), and only their addresses are used.
        pages = NetworkHomePage.objects.live().filter(in_site_q(site), content_cache.public_q())
        pages = pages.defer_streamfields()
        for home in pages.order_by("depth", "path"):
            homes.setdefault(home.locale_id, home)
        return homes

    return content_cache.get_or_compute(f"network-homes.{site.pk}", compute)


def route_url(home, request, name, **kwargs):
    """The address of a theme route of ``home`` (relative to the request's site)."""
    base = home.get_url(request)
    return (base + home.reverse_subpage(name, kwargs=kwargs or None)) if base else ""


def theme_urls(request, locale):
    """``(index_url, {key: url})`` of the theme pages in ``locale``, or ``("", {})``.

    For theme chips: cached for the request (a listing of cards asks once).
    """
    cache = request.__dict__.setdefault("_cities_cms_theme_urls", {}) if request else {}
    if locale.pk not in cache:
        home = network_homes(request).get(locale.pk)
        if home is None:
            cache[locale.pk] = ("", {})
        else:
            index = route_url(home, request, "themes")
            keys = themes_for_locale(locale)
            cache[locale.pk] = (index, {key: f"{index}{key}/" for key in keys})
    return cache[locale.pk]


def _route_languages(home, request, name, **kwargs):
    """The language switcher's and ``<head>``'s view of a theme route (see
    ``cities_cms.languages.page_languages``): the same route of the network home in each
    language. The route is a page in each language (its interface and listings are), so each
    is its own canonical address and an ``hreflang`` alternate of the others.
    """
    homes = network_homes(request)
    here = home.locale.language_code
    entries, links = [], []
    for code, locale in languages.locales().items():
        target = home if code == here else homes.get(locale.pk)
        url = route_url(target, request, name, **kwargs) if target is not None else ""
        entries.append(
            {
                "code": code,
                "name": languages.language_name(code),
                "url": url,
                "current": code == here,
                "translated": bool(url),
            }
        )
        if url:
            full_url = absolute_url(request, url)
            links.append({"code": code, "url": url, "full_url": full_url, "current": code == here})
    default_code = languages.django_settings.LANGUAGE_CODE
    own = next((link["full_url"] for link in links if link["current"]), "")
    return {
        "languages": entries,
        "untranslated_count": 0,
        "links": links,
        "content_language": here,
        "is_alias": False,
        "x_default": next((i["full_url"] for i in links if i["code"] == default_code), ""),
        "canonical": own,
    }


def theme_feeds(home, theme):
    """The RSS and Atom feeds of a theme's practice models and seminars, in the home's
    language, as ``cities_cms.syndication.feeds.page_feeds`` gives them for other pages."""
    from django.utils import translation

    from ..syndication.feeds import THEME_TITLES, feed_url

    feeds = []
    with translation.override(home.locale.language_code):
        for kind in ("practice-models", "seminars"):
            label = str(THEME_TITLES[kind] % {"theme": theme.name})
            for fmt, mime in (("rss", "application/rss+xml"), ("atom", "application/atom+xml")):
                feeds.append(
                    {
                        "title": f"{label} (RSS)" if fmt == "rss" else f"{label} (Atom)",
                        "type": mime,
                        "url": feed_url(kind, fmt, "theme", theme.key),
                        "format": fmt,
                        "kind": kind,
                        "label": label,
                    }
                )
    return feeds


def _text_lang(theme, locale):
    """The ``lang`` of a theme's text where it is not in ``locale`` (not translated yet)."""
    if theme.locale_id == locale.pk:
        return ""
    return languages.locale_codes().get(theme.locale_id, "")


class ThemePracticeModelFilterSet(PracticeModelFilterSet):
    """The practice model index's filters without the theme (the page is one theme's)."""

    theme = None


class ThemePracticeModels(FilteredListingMixin):
    """One theme's practice models, filtered and paginated as on the practice model index."""

    filterset_class = ThemePracticeModelFilterSet
    listing_context_name = "practice_models"

    def __init__(self, home, key, queryset):
        self.locale = home.locale
        self.locale_id = home.locale_id
        # Names the cached filter choices (years differ between themes): never a page's pk.
        self.pk = f"theme.{home.pk}.{key}"
        self.queryset = queryset

    def get_listing_queryset(self, request):
        return self.queryset


class ThemePagesMixin(RoutablePageMixin):
    """The theme routes of a network home page: an index and one landing page per theme.

    Combine with ``AbstractNetworkHomePage`` (the practice models, seminars and cities come
    from its methods).
    """

    theme_index_template = "cities_cms/pages/theme_index_page.html"
    theme_template = "cities_cms/pages/theme_page.html"

    @path("themes/", name="themes")
    def theme_index_route(self, request):
        themes = list(themes_for_locale(self.locale).values())
        counts = self._theme_counts()
        for theme in themes:
            theme.text_lang = _text_lang(theme, self.locale)
            theme.url = route_url(self, request, "theme", key=theme.key)
            theme.practice_model_count, theme.seminar_count = counts.get(theme.key, (0, 0))
        context = self._route_context(request, "themes")
        context["themes"] = themes
        context["theme_index_url"] = route_url(self, request, "themes")
        context["json_ld"] = jsonld.dumps(jsonld.theme_index(themes, context, request))
        return TemplateResponse(request, self.theme_index_template, context)

    @path("themes/<slug:key>/", name="theme")
    def theme_route(self, request, key):
        theme = self._theme_or_404(key)
        # A filter form sent without JavaScript carries empty fields: the short address.
        kept = [(k, v) for k, v in request.GET.items() if v]
        if len(kept) != len(request.GET):
            query = urlencode(kept)
            return redirect(request.path + (f"?{query}" if query else ""))
        practice_models = self.get_theme_practice_models(key)
        listing = ThemePracticeModels(self, key, practice_models)
        context = self._route_context(request, "theme", key=key)
        context.update(listing.get_listing_context(request))
        context.update(
            theme=theme,
            theme_lang=_text_lang(theme, self.locale),
            theme_url=context["theme_languages"]["canonical"],
            theme_index_url=route_url(self, request, "themes"),
            filters_url=request.path,
            calendar_url=route_url(self, request, "theme_calendar", key=key),
            calendar_title=gettext("Subscribe to the seminars on %(theme)s (iCalendar)")
            % {"theme": theme.name},
            theme_feeds=theme_feeds(self, theme),
            **self._theme_seminars(key),
        )
        context["cities"] = self._theme_cities(practice_models)
        context["city_map"] = _city_map(context["cities"])
        context["json_ld"] = jsonld.dumps(jsonld.theme_page(theme, context, request))
        response = TemplateResponse(request, self.theme_template, context)
        form = context["filter_form"]
        if form is not None and form.is_bound and form.errors:
            response.status_code = 400
        return response

    @path("themes/<slug:key>/ics/", name="theme_calendar")
    def theme_calendar_route(self, request, key):
        from ..calendar import calendar_response
        from ..syndication.queries import published
        from .seminar import SeminarPage

        theme = self._theme_or_404(key)
        # What leaves the site as a file: the syndication rule (read from the database).
        seminars = published(SeminarPage.objects.descendant_of(self), request).filter(
            pk__in=SeminarPage.objects.filter(themes__key=key).values("pk")
        )
        return calendar_response(
            seminars.select_related("host_city").order_by("start"),
            request,
            name=gettext("Seminars on %(theme)s") % {"theme": theme.name},
            filename=f"{key}.ics",
        )

    # Data ---------------------------------------------------------------------------------

    def get_theme_practice_models(self, key):
        """Live, public practice models of the theme; received copies carry ``shared_by``."""
        from .network import _received_copies
        from .practice import PracticeModelPage

        queryset = self.get_public_practice_models().filter(
            pk__in=PracticeModelPage.objects.filter(themes__key=key).values("pk")
        )
        copies = _received_copies()
        if copies is not None:
            origin = copies.filter(global_id=models.OuterRef("translation_key"))
            queryset = queryset.annotate(
                shared_by=models.Subquery(origin.values("origin_city")[:1])
            )
        return queryset

    def _theme_seminars(self, key):
        from .seminar import SeminarPage

        seminars = (
            SeminarPage.objects.descendant_of(self)
            .live()
            .filter(content_cache.public_q())
            .filter(pk__in=SeminarPage.objects.filter(themes__key=key).values("pk"))
            .select_related("host_city", "locale")
        )
        now = timezone.now()
        return {
            "upcoming_seminars": list(
                seminars.filter(end__gte=now).order_by("start")[:SEMINAR_LIMIT]
            ),
            "past_seminars": list(seminars.filter(end__lt=now).order_by("-start")[:SEMINAR_LIMIT]),
        }

    def _theme_cities(self, practice_models):
        """The live, public cities of this language with practice models of the theme."""
        from .city import CityPage

        keys = practice_models.exclude(city=None).values("city__translation_key")
        cities = CityPage.objects.live().filter(content_cache.public_q())
        cities = cities.filter(locale_id=self.locale_id, translation_key__in=keys)
        return list(cities.order_by("role", "title"))

    def _theme_counts(self):
        """``{key: (practice models, seminars)}`` of this language's tree: two queries."""
        from .practice import PracticeModelPage
        from .seminar import SeminarPage

        counts = {}
        for position, model in enumerate((PracticeModelPage, SeminarPage)):
            rows = (
                model.objects.descendant_of(self)
                .live()
                .filter(content_cache.public_q())
                .exclude(themes=None)
                .order_by()  # grouped by key alone, not by the pages' default order too
                .values("themes__key")
                .annotate(n=models.Count("pk", distinct=True))
                .values_list("themes__key", "n")
            )
            for key, number in rows:
                counts.setdefault(key, [0, 0])[position] = number
        return {key: tuple(value) for key, value in counts.items()}

    def _theme_or_404(self, key):
        theme = themes_for_locale(self.locale).get(key)
        if theme is None:
            raise Http404(gettext("There is no such theme."))
        return theme

    def _route_context(self, request, name, **kwargs):
        request.is_preview = getattr(request, "is_preview", False)
        site_languages = _route_languages(self, request, name, **kwargs)
        return {
            "page": self,
            "self": self,
            "request": request,
            # The language switcher, hreflang and canonical of this route, not of the home page.
            "page_languages": site_languages,
            "theme_languages": site_languages,
        }


class ThemeSitemap(Sitemap):
    """``/sitemap-themes.xml``: the theme index and theme pages in each language of the site,
    each with its ``hreflang`` alternates (the same route in the other languages).

    A section of its own (``cities_cms.syndication.sitemaps``): the pages' section is
    paginated by pages, and one network home has ``languages x (themes + 1)`` of these.
    """

    def __init__(self, request=None):
        self.request = request
        self.limit = settings.CITIES_CMS_SITEMAP_LIMIT

    def items(self):
        request = self.request
        homes = network_homes(request)
        entries = []
        for home in sorted(homes.values(), key=lambda h: _language_order(h.locale_id)):
            index_url = route_url(home, request, "themes")
            if not index_url:
                continue
            entries.append(
                {
                    "location": absolute_url(request, index_url),
                    "alternates": _sitemap_alternates(request, homes, "themes"),
                }
            )
            for key in themes_for_locale(home.locale):
                entries.append(
                    {
                        "location": absolute_url(request, f"{index_url}{key}/"),
                        "alternates": _sitemap_alternates(request, homes, "theme", key=key),
                    }
                )
        return entries

    def _urls(self, page, protocol, domain):
        return [{**entry, "lastmod": None} for entry in self.paginator.page(page).object_list]


def _language_order(locale_id):
    order = [locale.pk for locale in languages.locales().values()]
    return order.index(locale_id) if locale_id in order else len(order)


def _sitemap_alternates(request, homes, name, **kwargs):
    codes = languages.locale_codes()
    links = [
        {"lang_code": codes[locale_id], "location": absolute_url(request, url)}
        for locale_id, home in homes.items()
        if locale_id in codes and (url := route_url(home, request, name, **kwargs))
    ]
    if len(links) < 2:
        return []
    default = next(
        (link for link in links if link["lang_code"] == languages.django_settings.LANGUAGE_CODE),
        None,
    )
    if default is not None:
        links.append({"lang_code": "x-default", "location": default["location"]})
    return links


def _city_map(cities):
    from ..svgmap import CityMap

    return CityMap(cities)
