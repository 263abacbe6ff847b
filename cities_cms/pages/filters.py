"""Filters for the listing pages (django-filter), with choices in the page's language."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .. import content_cache
from ..conf import NETWORK_LANGUAGES


class ListingFilterSet(django_filters.FilterSet):
    """A filter set bound to a listing page, whose locale decides the choices' language."""

    def __init__(self, data=None, queryset=None, *, page=None, **kwargs):
        self.page = page
        super().__init__(data, queryset, **kwargs)
        for name, filter_ in self.filters.items():
            loader = getattr(self, f"get_{name}_choices", None)
            if loader is not None:
                filter_.extra["choices"] = self._cached_choices(name, loader)

    def _cached_choices(self, name, loader):
        # Choices follow the content (the cities, themes and years there are) and the
        # language of their labels: cached with the content, per listing page and language.
        if self.page is None or not self.page.pk:
            return loader()
        key = f"filter-choices.{type(self).__name__}.{name}.{self.page.pk}.{get_language()}"
        return content_cache.get_or_compute(
            key, lambda: [(str(value), str(label)) for value, label in loader()]
        )

    # Choices shared by several listings ------------------------------------------------------

    def get_theme_choices(self):
        from ..snippets import Theme

        return [(t.key, t.name) for t in Theme.for_locale(self.page.locale).values()]

    def get_city_choices(self):
        from .city import CityPage

        cities = (
            CityPage.objects.live()
            .filter(content_cache.public_q())
            .filter(locale_id=self.page.locale_id)
        )
        return list(cities.order_by("title").values_list("slug", "title"))

    def get_country_choices(self):
        from .city import CityPage

        codes = set(
            CityPage.objects.live()
            .filter(content_cache.public_q())
            .values_list("country", flat=True)
            .distinct()
        )
        return [(code, name) for code, name in countries if code in codes]

    def filter_city(self, queryset, name, value):
        from .city import CityPage

        keys = CityPage.objects.filter(slug=value, locale_id=self.page.locale_id).values(
            "translation_key"
        )
        return queryset.filter(**{f"{name}__translation_key__in": keys})

    def filter_theme(self, queryset, name, value):
        return queryset.filter(**{f"{name}__key": value}).distinct()


def _choice_filter(label, empty_label, **kwargs):
    # Each filter names its own "all" option ("All cities", "All themes"): a lone "All" would
    # have to agree with the filter's noun in gender and number (fr "Toutes" / "Tous").
    return django_filters.ChoiceFilter(label=label, empty_label=empty_label, **kwargs)


class CityFilterSet(ListingFilterSet):
    country = _choice_filter(_("Country"), _("All countries"), field_name="country")
    role = _choice_filter(_("Role in the network"), _("All roles"), field_name="role")

    def get_role_choices(self):
        from .city import CityRole

        return CityRole.choices


class SeminarFilterSet(ListingFilterSet):
    when = django_filters.ChoiceFilter(
        label=_("When"),
        choices=[("upcoming", _("Upcoming")), ("past", _("Past"))],
        empty_label=_("All dates"),
        method="filter_when",
    )
    # The network calendar: this site's own seminars and those received from partner
    # cities' sites (cities_cms.pages.received). Shown once a partner's seminar has arrived.
    source = django_filters.ChoiceFilter(
        label=pgettext_lazy("seminar filter", "Calendar"),
        choices=[
            ("local", pgettext_lazy("seminar filter", "This site")),
            ("partners", pgettext_lazy("seminar filter", "Partner cities")),
        ],
        empty_label=pgettext_lazy("seminar filter", "Whole network"),
        method="filter_source",
    )
    kind = _choice_filter(_("Kind"), _("All kinds"), field_name="kind")
    mode = _choice_filter(
        pgettext_lazy("seminar filter", "Format"),
        pgettext_lazy("seminar filter", "All formats"),
        method="filter_mode",
    )
    language = _choice_filter(
        pgettext_lazy("seminar filter", "Language"),
        pgettext_lazy("seminar filter", "All languages"),
        method="filter_language",
    )
    theme = _choice_filter(_("Theme"), _("All themes"), field_name="themes", method="filter_theme")
    city = _choice_filter(
        _("Host city"), _("All host cities"), field_name="host_city", method="filter_city"
    )
    country = _choice_filter(_("Country"), _("All countries"), field_name="host_city__country")
    year = _choice_filter(_("Year"), _("All years"), method="filter_year")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .received import has_received

        # No partner's seminar here (or no federation): the choice would change nothing.
        if self.page is None or not self.page.pk or not has_received(self.page):
            self.filters.pop("source")

    def get_kind_choices(self):
        from .seminar import SeminarKind

        return SeminarKind.choices

    def get_mode_choices(self):
        from .seminar import AttendanceMode

        return AttendanceMode.choices

    def get_language_choices(self):
        from ..translation import language_name

        codes = set()
        for value in self.queryset.order_by().values_list("languages", flat=True).distinct():
            codes.update(value)
        # The network's languages in their fixed order, named in the page's language (an
        # option cannot say that its text is in another language).
        return [
            (code, capfirst(language_name(code)))
            for code, _name in NETWORK_LANGUAGES
            if code in codes
        ]

    def filter_source(self, queryset, name, value):
        from .received import filter_source

        return filter_source(queryset, value)

    def filter_mode(self, queryset, name, value):
        online = ~Q(online_url="")
        in_person = ~Q(venue_name="") | ~Q(venue_address="")
        condition = {
            "offline": Q(online_url=""),
            "online": online & ~in_person,
            "mixed": online & in_person,
        }[value]
        return queryset.filter(condition)

    def filter_language(self, queryset, name, value):
        # Stored as "en,lv,pl": the code alone, first, last or in the middle.
        return queryset.filter(
            Q(languages=value)
            | Q(languages__startswith=f"{value},")
            | Q(languages__endswith=f",{value}")
            | Q(languages__contains=f",{value},")
        )

    def get_year_choices(self):
        years = self.queryset.dates("start", "year")
        return [(str(d.year), str(d.year)) for d in years]

    def filter_year(self, queryset, name, value):
        return queryset.filter(start__year=int(value))

    def filter_when(self, queryset, name, value):
        now = timezone.now()
        if value == "upcoming":
            return queryset.filter(end__gte=now).order_by("start")
        return queryset.filter(end__lt=now).order_by("-start")


class PracticeModelFilterSet(ListingFilterSet):
    theme = _choice_filter(_("Theme"), _("All themes"), field_name="themes", method="filter_theme")
    city = _choice_filter(_("City"), _("All cities"), field_name="city", method="filter_city")
    country = _choice_filter(_("Country"), _("All countries"), field_name="city__country")
    status = _choice_filter(_("Status"), _("All statuses"), field_name="status")
    year = _choice_filter(_("Year started"), _("All years"), field_name="start_year")

    def get_status_choices(self):
        from .practice import PracticeStatus

        return PracticeStatus.choices

    def get_year_choices(self):
        years = (
            self.queryset.exclude(start_year=None)
            .order_by("-start_year")
            .values_list("start_year", flat=True)
            .distinct()
        )
        return [(str(y), str(y)) for y in years]
