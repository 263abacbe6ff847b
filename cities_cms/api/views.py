"""Endpoints of the read API (Wagtail API v2): pages, cities, seminars, practice models.

Only published pages are served (``cities_cms.syndication.queries.published``: live, not
expired, no view restriction on the page or an ancestor for anyone, on the request's site, not
an alias), whoever asks: a session that knows a page's password does not see it here.

Every query parameter is checked: unknown parameters, values of the wrong type, unknown
themes, cities, locales or choices and impossible dates give a 400 with a ``message``, never
a 500. See docs/api.md.
"""

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework.filters import BaseFilterBackend
from wagtail.api.v2.filters import (
    ChildOfFilter,
    DescendantOfFilter,
    OrderingFilter,
    TranslationOfFilter,
)
from wagtail.api.v2.pagination import WagtailPagination
from wagtail.api.v2.utils import BadRequestError, get_object_detail_url, parse_boolean
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.models import Locale, Page

from ..conf import settings
from ..pages import CityPage, PracticeModelPage, SeminarPage
from ..snippets import Theme
from ..syndication.queries import active_locale, published

MAX_PARAM_LENGTH = 200


class Pagination(WagtailPagination):
    """Wagtail's limit/offset pagination with a bounded offset (a huge one is a 400)."""

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.GET.get("offset", "0")
        if len(raw) > 12 or (raw.isdigit() and int(raw) > settings.CITIES_CMS_API_MAX_OFFSET):
            raise BadRequestError(
                f"offset cannot be higher than {settings.CITIES_CMS_API_MAX_OFFSET}"
            )
        if len(request.GET.get("limit", "")) > 12:
            raise BadRequestError("limit must be a positive integer")
        return super().paginate_queryset(queryset, request, view)


class LocaleFilter(BaseFilterBackend):
    """``?locale=lv``: pages in one language; an unknown language is a 400 (not a 404)."""

    def filter_queryset(self, request, queryset, view):
        code = request.GET.get("locale")
        if code is None:
            return queryset
        locale = Locale.objects.filter(language_code=code).first()
        if locale is None:
            known = ", ".join(sorted(Locale.objects.values_list("language_code", flat=True)))
            raise BadRequestError(f"unknown locale '{code}'; known locales: {known}")
        kept = getattr(queryset, "_filtered_by_child_of", None)
        queryset = queryset.filter(locale=locale)
        if kept:
            queryset._filtered_by_child_of = kept
        return queryset


class ExplicitFilter(BaseFilterBackend):
    """The endpoint's own filters: each is a method ``filter_<name>(queryset, value)``."""

    def filter_queryset(self, request, queryset, view):
        for name in view.filter_names:
            value = request.GET.get(name)
            if value is not None:
                method = getattr(view, "filter_" + name.replace("-", "_"))
                queryset = method(queryset, value)
        return queryset


def _choice(model, field_name, value):
    choices = [key for key, _label in model._meta.get_field(field_name).choices]
    if value not in choices:
        raise BadRequestError(f"{field_name} must be one of: {', '.join(choices)} (not '{value}')")
    return value


def _parse_when(name, value, end_of_day=False):
    """An ISO 8601 date or date-time, as an aware date-time; BadRequestError if it is not."""
    try:
        # A bare date first: parse_datetime() would read it as midnight.
        day = parse_date(value)
        moment = None if day else parse_datetime(value)
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise BadRequestError(
            f"{name} must be a date (YYYY-MM-DD) or a date and time (ISO 8601), not '{value}'"
        )
    if moment is None:
        moment = datetime.datetime.combine(day, datetime.time.min)
        if end_of_day:
            moment += datetime.timedelta(days=1)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


class PublishedPagesViewSet(PagesAPIViewSet):
    """Wagtail's pages endpoint over published pages only, with strict parameters."""

    pagination_class = Pagination
    filter_backends = [
        ExplicitFilter,
        ChildOfFilter,
        DescendantOfFilter,
        OrderingFilter,
        TranslationOfFilter,
        LocaleFilter,
    ]
    known_query_parameters = frozenset(
        [
            "limit",
            "offset",
            "fields",
            "order",
            "rich_text_format",
            "format",
            "type",
            "child_of",
            "descendant_of",
            "translation_of",
            "locale",
        ]
    )
    find_query_parameters = frozenset(["id", "html_path"])
    meta_fields = [*PagesAPIViewSet.meta_fields, "last_published_at", "translation_key"]
    filter_names = ()
    # Related objects the serializer reads, loaded with the page of results.
    select_related = ("locale",)
    prefetch_related = ()
    default_order = ("path",)

    def get_base_queryset(self):
        return published(Page.objects.all(), self.request, aliases=False)

    def get_queryset(self):
        if self.model is Page:
            queryset = super().get_queryset()
        else:
            queryset = self.model.objects.filter(pk__in=self.get_base_queryset().values("pk"))
        queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset.order_by(*self.default_order)

    def check_query_parameters(self, queryset):
        for name, values in self.request.GET.lists():
            for value in values:
                if "\x00" in value or len(value) > MAX_PARAM_LENGTH * 5:
                    raise BadRequestError(f"the value of {name} is not allowed")
        unknown = set(self.request.GET) - set(self.known_query_parameters) - set(self.filter_names)
        if unknown:
            allowed = sorted({*self.known_query_parameters, *self.filter_names} - {"format"})
            raise BadRequestError(
                f"unknown query parameter: {', '.join(sorted(unknown))} "
                f"(this endpoint accepts: {', '.join(allowed)})"
            )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["base_queryset"] = self.get_base_queryset()
        return context

    def get_serializer(self, instance, many=False):
        serializer_class = self.get_serializer_class()
        items = list(instance) if many else [instance]
        context = self.get_serializer_context()
        context.update(self.page_context(items, serializer_class))
        return serializer_class(items if many else instance, many=many, context=context)

    def page_context(self, items, serializer_class):
        """Data for a whole page of results, in a few queries whatever its length."""
        request = self.request
        fields = set(serializer_class.Meta.fields)
        context = {}
        if "translations" in fields and items:
            keys = {item.translation_key for item in items}
            versions = (
                self.get_base_queryset()
                .filter(translation_key__in=keys)
                .select_related("locale")
                .order_by("locale__language_code")
            )
            by_key = {}
            router = request.wagtailapi_router
            for version in versions:
                by_key.setdefault(version.translation_key, []).append(
                    {
                        "id": version.pk,
                        "locale": version.locale.language_code,
                        "title": version.title,
                        "html_url": version.get_full_url(request),
                        "detail_url": get_object_detail_url(
                            router, request, self.model, version.pk
                        ),
                    }
                )
            context["translations"] = by_key
        if fields & {"city", "host_city", "participating_cities"}:
            context["published_ids"] = set(
                published(CityPage.objects.all(), request, aliases=False).values_list(
                    "pk", flat=True
                )
            )
        if "themes" in fields:
            context["theme_names"] = {
                key: theme.name for key, theme in Theme.for_locale(active_locale()).items()
            }
        return context

    # Filters shared by the typed endpoints -----------------------------------------------

    def filter_theme(self, queryset, value):
        if not Theme.objects.filter(key=value[:MAX_PARAM_LENGTH]).exists():
            keys = sorted(set(Theme.objects.values_list("key", flat=True)))
            raise BadRequestError(f"unknown theme '{value}'; themes: {', '.join(keys)}")
        return queryset.filter(themes__key=value).distinct()

    def resolve_city(self, value):
        """A published city by id or slug (any language): its translation key."""
        cities = published(CityPage.objects.all(), self.request, aliases=False)
        if value.isdigit() and len(value) <= 18:
            city = cities.filter(pk=int(value)).first()
        else:
            city = cities.filter(slug=value[:255]).first()
        if city is None:
            raise BadRequestError(f"unknown city '{value}': give a city's id or slug")
        return city.translation_key


class TypedPagesViewSet(PublishedPagesViewSet):
    """An endpoint for one page type (``type`` makes no sense there)."""

    known_query_parameters = PublishedPagesViewSet.known_query_parameters - {"type"}


class CitiesViewSet(TypedPagesViewSet):
    name = "cities"
    model = CityPage
    filter_names = ("country", "role")
    select_related = ("locale", "image")
    prefetch_related = ("contacts__person__organisation",)
    default_order = ("title", "pk")
    listing_default_fields = [
        *PagesAPIViewSet.listing_default_fields,
        "country",
        "role",
        "latitude",
        "longitude",
        "summary",
        "translations",
    ]

    def filter_country(self, queryset, value):
        from django_countries import countries

        code = value.upper()
        if len(code) != 2 or code not in dict(countries):
            raise BadRequestError(f"country must be a two-letter ISO 3166 code, not '{value}'")
        return queryset.filter(country=code)

    def filter_role(self, queryset, value):
        return queryset.filter(role=_choice(self.model, "role", value))


class SeminarsViewSet(TypedPagesViewSet):
    name = "seminars"
    model = SeminarPage
    filter_names = ("theme", "city", "from", "to", "kind", "status")
    select_related = ("locale", "host_city")
    prefetch_related = ("themes", "participating_cities")
    default_order = ("start", "pk")
    listing_default_fields = [
        *PagesAPIViewSet.listing_default_fields,
        "kind",
        "status",
        "start",
        "end",
        "timezone",
        "host_city",
        "themes",
        "summary",
        "translations",
    ]

    def filter_city(self, queryset, value):
        key = self.resolve_city(value)
        return queryset.filter(
            Q(host_city__translation_key=key) | Q(participating_cities__translation_key=key)
        ).distinct()

    def _range(self):
        start = self.request.GET.get("from")
        end = self.request.GET.get("to")
        start = _parse_when("from", start) if start is not None else None
        end = _parse_when("to", end, end_of_day=True) if end is not None else None
        if start and end and end <= start:
            raise BadRequestError("'to' must not be before 'from'")
        return start, end

    def filter_from(self, queryset, value):
        start, _end = self._range()
        return queryset.filter(end__gte=start)  # still running on that day counts

    def filter_to(self, queryset, value):
        _start, end = self._range()
        return queryset.filter(start__lt=end)

    def filter_kind(self, queryset, value):
        return queryset.filter(kind=_choice(self.model, "kind", value))

    def filter_status(self, queryset, value):
        return queryset.filter(status=_choice(self.model, "status", value))


class PracticeModelsViewSet(TypedPagesViewSet):
    name = "practice-models"
    model = PracticeModelPage
    filter_names = ("theme", "city", "status", "year", "shared")
    select_related = ("locale", "city", "contact__organisation")
    prefetch_related = ("themes",)
    default_order = ("-first_published_at", "-pk")
    listing_default_fields = [
        *PagesAPIViewSet.listing_default_fields,
        "city",
        "themes",
        "status",
        "start_year",
        "end_year",
        "summary",
        "licence",
        "translations",
    ]

    def filter_city(self, queryset, value):
        return queryset.filter(city__translation_key=self.resolve_city(value))

    def filter_status(self, queryset, value):
        return queryset.filter(status=_choice(self.model, "status", value))

    def filter_year(self, queryset, value):
        if not (value.isdigit() and len(value) == 4 and 1900 <= int(value) <= 2100):
            raise BadRequestError(f"year must be a year between 1900 and 2100, not '{value}'")
        year = int(value)
        return queryset.filter(start_year__lte=year).filter(
            Q(end_year__isnull=True) | Q(end_year__gte=year)
        )

    def filter_shared(self, queryset, value):
        try:
            shared = parse_boolean(value)
        except ValueError as exc:
            raise BadRequestError(f"shared must be true or false, not '{value}'") from exc
        return queryset.filter(shared=shared)
