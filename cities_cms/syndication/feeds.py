"""RSS 2.0 and Atom feeds of practice models and seminars (Django's syndication framework).

One view serves every feed: ``/feeds/<kind>/[<scope>/<value>/]<format>/`` where kind is
``practice-models`` or ``seminars``, scope is ``theme`` (a theme key), ``city`` (a city page's
slug or id) or ``section`` (the id of an index page) and format ``rss`` or ``atom``. Feeds are
in the request's language (the URL's language prefix): items are the pages of that language's
tree and link to them. Only published pages (see ``queries.published``) appear.

Seminar feeds list upcoming seminars unless ``?when=past`` or ``?when=all``; each item carries
its start and end as ``ev:startdate`` / ``ev:enddate`` (the RSS event module) in the
seminar's own time zone, and in its description.
"""

from types import SimpleNamespace

from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import Http404, HttpResponseBadRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import strip_tags
from django.utils.translation import gettext, gettext_lazy, pgettext

from ..absolute_urls import absolute_url
from ..branding import site_texts
from ..conf import settings
from ..dates import format_date
from ..snippets import Theme
from .queries import active_locale, published, request_site

EVENT_NS = "http://purl.org/rss/1.0/modules/event/"
WHEN = ("upcoming", "past", "all")

# Whole titles per kind of item, so that each language can inflect "seminars" or "practice
# models" together with the city or theme (not "%(items)s of %(city)s" with a pasted label).
TITLES = {
    "practice-models": gettext_lazy("Practice models"),
    "seminars": gettext_lazy("Seminars"),
}
CITY_TITLES = {
    "practice-models": gettext_lazy("Practice models of %(city)s"),
    "seminars": gettext_lazy("Seminars of %(city)s"),
}
THEME_TITLES = {
    "practice-models": gettext_lazy("Practice models on %(theme)s"),
    "seminars": gettext_lazy("Seminars on %(theme)s"),
}


class _EventElements:
    """Adds the RSS event module's start and end dates to items that have them."""

    def _add_event_namespace(self, attrs):
        attrs["xmlns:ev"] = EVENT_NS
        return attrs

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in ("startdate", "enddate"):
            if item.get(f"ev_{name}"):
                handler.addQuickElement(f"ev:{name}", item[f"ev_{name}"])
        if item.get("ev_location"):
            handler.addQuickElement("ev:location", item["ev_location"])


class EventRssFeed(_EventElements, Rss201rev2Feed):
    def rss_attributes(self):
        return self._add_event_namespace(super().rss_attributes())


class EventAtomFeed(_EventElements, Atom1Feed):
    def root_attributes(self):
        return self._add_event_namespace(super().root_attributes())


def _text(value, limit=600):
    text = " ".join(strip_tags(value or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class PageFeed(Feed):
    """The parts common to both kinds, for one request: ``spec`` is built by ``build()``."""

    def __init__(self, spec, feed_type):
        self.spec = spec
        self.feed_type = feed_type
        self.language = spec.locale.language_code

    def get_object(self, request, *args, **kwargs):
        return self.spec

    # Feed-level ---------------------------------------------------------------------------

    def title(self, obj):
        return obj.title

    def description(self, obj):
        return obj.description

    def subtitle(self, obj):
        return obj.description

    def link(self, obj):
        return obj.link

    def feed_url(self, obj):
        return absolute_url(obj.request, obj.request.get_full_path())

    def items(self, obj):
        return obj.items

    # Items --------------------------------------------------------------------------------

    def item_title(self, item):
        return item.title

    def item_link(self, item):
        return item.get_full_url(self.spec.request)

    def item_guid(self, item):
        return self.item_link(item)

    def item_guid_is_permalink(self, item):
        return True

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at or item.first_published_at

    def item_categories(self, item):
        names = self.spec.theme_names
        return [names.get(theme.key, theme.name) for theme in item.themes.all()]

    def item_extra_kwargs(self, item):
        return {}


class PracticeModelFeed(PageFeed):
    def item_description(self, item):
        return item.summary or _text(item.challenge)

    def item_author_name(self, item):
        return item.city.title if item.city_id and item.city else None


class SeminarFeed(PageFeed):
    def item_description(self, item):
        when = gettext("%(start)s to %(end)s (%(timezone)s)") % {
            "start": format_date(item.local_start, "DATETIME_FORMAT"),
            "end": format_date(item.local_end, "DATETIME_FORMAT"),
            "timezone": item.timezone,
        }
        parts = [when]
        if item.status == "cancelled":
            parts.insert(0, pgettext("event status", "Cancelled."))
        if getattr(item, "shared_by", None):  # received from a partner city's site
            parts.insert(0, gettext("Shared by %(city)s.") % {"city": item.shared_by})
        description = item.summary or _text(item.intro)
        if description:
            parts.append(description)
        return " ".join(parts)

    def item_author_name(self, item):
        return item.host_city.title if item.host_city_id and item.host_city else None

    def item_extra_kwargs(self, item):
        location = ", ".join(p for p in (item.venue_name, item.venue_address) if p)
        return {
            "ev_startdate": item.local_start.isoformat(timespec="seconds"),
            "ev_enddate": item.local_end.isoformat(timespec="seconds"),
            "ev_location": location or item.online_url,
        }


FEED_CLASSES = {"practice-models": PracticeModelFeed, "seminars": SeminarFeed}
FEED_TYPES = {"rss": EventRssFeed, "atom": EventAtomFeed}


def feed_url(kind, fmt="rss", scope=None, value=None):
    """The address of a feed in the active language, e.g. ``feed_url("seminars", "atom")``."""
    kwargs = {"kind": kind, "fmt": fmt}
    if scope:
        return reverse("cities_cms_feed_scoped", kwargs={**kwargs, "scope": scope, "value": value})
    return reverse("cities_cms_feed", kwargs=kwargs)


# Building the feed's content -------------------------------------------------------------


def _models():
    from ..pages import (
        CityPage,
        PracticeModelIndexPage,
        PracticeModelPage,
        SeminarIndexPage,
        SeminarPage,
    )

    return SimpleNamespace(
        city=CityPage,
        index={"practice-models": PracticeModelIndexPage, "seminars": SeminarIndexPage},
        page={"practice-models": PracticeModelPage, "seminars": SeminarPage},
    )


def _find_city(request, locale, value):
    """A published city by slug (in this language first) or id; Http404 if there is none."""
    models = _models()
    cities = published(models.city.objects.all(), request)
    if value.isdigit() and len(value) <= 18:
        city = cities.filter(pk=int(value)).first()
    else:
        matches = sorted(
            cities.filter(slug=value[:255]).select_related("locale"),
            key=lambda c: c.locale_id != locale.pk,
        )
        city = matches[0] if matches else None
    if city is None:
        raise Http404(gettext("There is no such city."))
    return city.get_translation_or_none(locale) or city


def _find_section(request, locale, kind, value):
    index_model = _models().index[kind]
    section = None
    if value.isdigit() and len(value) <= 18:
        section = published(index_model.objects.all(), request).filter(pk=int(value)).first()
    if section is None:
        raise Http404(gettext("There is no such section."))
    translated = section.get_translation_or_none(locale)
    if translated is not None and published(index_model.objects.filter(pk=translated.pk), request):
        section = translated
    return section


def _home_link(request, locale):
    site = request_site(request)
    if site is None:
        return absolute_url(request, "/")
    root = site.root_page.get_translation_or_none(locale) or site.root_page
    return root.get_full_url(request) or absolute_url(request, "/")


def build(request, kind, scope, value, when):
    """The namespace a feed renders: title, description, link, locale and its items."""
    models = _models()
    locale = active_locale()
    page_model = models.page[kind]
    queryset = published(page_model.objects.all(), request)
    link = None
    site = request_site(request)
    site_name = site_texts(site, locale)["site_name"]
    title = str(TITLES[kind])
    description = (
        gettext("The latest practice models")
        if kind == "practice-models"
        else gettext("Seminars of the network")
    )

    if scope == "section":
        section = _find_section(request, locale, kind, value)
        queryset = queryset.descendant_of(section)
        title = section.title
        link = section.get_full_url(request)
    else:
        queryset = queryset.filter(locale=locale)

    if scope == "theme":
        themes = Theme.for_locale(locale)
        theme = themes.get(value)
        if theme is None:
            raise Http404(gettext("There is no such theme."))
        queryset = queryset.filter(themes__key=value).distinct()
        title = THEME_TITLES[kind] % {"theme": theme.name}
    elif scope == "city":
        city = _find_city(request, locale, value)
        key = city.translation_key
        if kind == "practice-models":
            queryset = queryset.filter(city__translation_key=key)
        else:
            queryset = queryset.filter(
                Q(host_city__translation_key=key) | Q(participating_cities__translation_key=key)
            ).distinct()
        title = CITY_TITLES[kind] % {"city": city.title}
        link = city.get_full_url(request)

    now = timezone.now()
    if kind == "seminars":
        from ..pages.received import with_origin

        # Seminars received from partner cities are in the section (the network calendar).
        queryset = with_origin(queryset.select_related("host_city"))
        if when == "upcoming":
            queryset = queryset.filter(end__gte=now).order_by("start", "pk")
        elif when == "past":
            queryset = queryset.filter(end__lt=now).order_by("-start", "-pk")
        else:
            queryset = queryset.order_by("-start", "-pk")
    else:
        queryset = queryset.select_related("city").order_by("-first_published_at", "-pk")

    items = list(queryset.prefetch_related("themes")[: settings.CITIES_CMS_FEED_LENGTH])
    names = {key: theme.name for key, theme in Theme.for_locale(locale).items()}
    if site_name:
        title = f"{title} – {site_name}"
    return SimpleNamespace(
        request=request,
        locale=locale,
        title=title,
        description=description,
        link=link or _home_link(request, locale),
        items=items,
        theme_names=names,
    )


def feed_view(request, kind, fmt, scope=None, value=None):
    if kind not in FEED_CLASSES or fmt not in FEED_TYPES or "\x00" in (value or ""):
        raise Http404
    when = request.GET.get("when", "upcoming") if kind == "seminars" else "all"
    if when not in WHEN:
        return HttpResponseBadRequest(
            gettext("Unknown value for “when”: use upcoming, past or all."),
            content_type="text/plain; charset=utf-8",
        )
    spec = build(request, kind, scope, value, when)
    response = FEED_CLASSES[kind](spec, FEED_TYPES[fmt])(request)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def page_feeds(page):
    """The feeds that belong on a page, as ``[(title, type, url)]`` for ``<link rel=alternate>``.

    Listing pages get the feed of their section, city pages the feeds of their practice models
    and seminars. Other pages get none.
    """
    models = _models()
    result = []
    if isinstance(page, models.index["practice-models"]):
        kinds = [("practice-models", "section", page.pk)]
    elif isinstance(page, models.index["seminars"]):
        kinds = [("seminars", "section", page.pk)]
    elif isinstance(page, models.city):
        kinds = [("practice-models", "city", page.pk), ("seminars", "city", page.pk)]
    else:
        return result
    # The feeds of the page's own language, whatever language the text around the link is in
    # (an alias's main content is shown in its source's language).
    with translation.override(page.locale.language_code):
        urls = {
            (kind, fmt): feed_url(kind, fmt, scope, str(value))
            for kind, scope, value in kinds
            for fmt in ("rss", "atom")
        }
    for kind, _scope, _value in kinds:
        if isinstance(page, models.city):
            label = CITY_TITLES[kind] % {"city": page.title}
        else:
            label = str(TITLES[kind])
        for fmt, mime in (("rss", "application/rss+xml"), ("atom", "application/atom+xml")):
            result.append(
                {
                    "title": f"{label} (RSS)" if fmt == "rss" else f"{label} (Atom)",
                    "type": mime,
                    "url": urls[kind, fmt],
                    "format": fmt,
                    "kind": kind,
                    "label": label,
                }
            )
    return result
