"""Partner cities: an index of the network's cities and a page per city."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, TranslatableMixin
from wagtail.search import index

from .. import content_cache
from ..api.fields import CITY_API_FIELDS
from ..blocks import RICH_TEXT_FEATURES, BodyBlock
from ..conf import settings
from ..svgmap import CityMap
from ..translation.fields import synchronised, synchronised_overridable
from .filters import CityFilterSet
from .mixins import AbstractListingPage, Lazy, LazyList, SummaryMixin, tabbed


class CityRole(models.TextChoices):
    LEAD = "lead", _("Lead partner")
    PARTNER = "partner", _("Partner")


class AbstractCityIndexPage(AbstractListingPage):
    cache_unfiltered_listing = True
    filterset_class = CityFilterSet
    listing_context_name = "cities"
    # A network has a few dozen partner cities: all of them on one page read better than
    # pages of the listings' size (14 cities were 12 + 2). Only a far larger one is split.
    listing_page_size = 60

    class Meta:
        abstract = True

    def get_listing_page_size(self):
        return max(self.listing_page_size, settings.CITIES_CMS_LISTING_PAGE_SIZE)

    def get_listing_queryset(self, request):
        return (
            CityPage.objects.child_of(self)
            .live()
            .filter(content_cache.public_q())
            .select_related("image")
            .prefetch_related("image__renditions")
            .order_by("role", "title")  # the lead partner first: "lead" < "partner"
        )


class CityIndexPage(AbstractCityIndexPage, Page):
    template = "cities_cms/pages/city_index_page.html"
    subpage_types = ["cities_cms.CityPage"]
    content_panels = Page.content_panels + AbstractCityIndexPage.content_panels
    search_fields = Page.search_fields + AbstractCityIndexPage.search_fields

    class Meta:
        verbose_name = _("city index")
        verbose_name_plural = _("city indexes")


def latitude_validators():
    return [MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))]


def longitude_validators():
    return [MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))]


class AbstractCityPage(SummaryMixin, models.Model):
    country = CountryField(_("country"))
    role = models.CharField(
        _("role in the network"),
        max_length=10,
        choices=CityRole.choices,
        default=CityRole.PARTNER,
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(
        _("population counted in"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        validators=latitude_validators(),
        help_text=_("Decimal degrees, north positive, e.g. 55.87466 for Daugavpils."),
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        validators=longitude_validators(),
        help_text=_("Decimal degrees, east positive, e.g. 26.53617 for Daugavpils."),
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("coat of arms or image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    website = models.URLField(_("official website"), blank=True)
    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [FieldPanel("intro"), FieldPanel("body")]
    details_panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("country"), FieldPanel("role")]),
                FieldRowPanel([FieldPanel("population"), FieldPanel("population_year")]),
                FieldPanel("website"),
                FieldPanel("image"),
            ],
            heading=_("The city"),
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")])],
            heading=_("Location on the map"),
        ),
    ]
    search_fields = SummaryMixin.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
        index.FilterField("country"),
        index.FilterField("role"),
    ]
    # Facts are the same in every language; a translation may use its own image or website.
    override_translatable_fields = [
        *synchronised("country", "role", "population", "population_year", "latitude", "longitude"),
        *synchronised_overridable("image", "website", "listing_image"),
    ]

    class Meta:
        abstract = True

    def get_seminars(self):
        from .seminar import SeminarPage

        # Hosted or attended by the city's page in any language (an untranslated seminar names
        # the source's city); ids first, so the database starts from the seminars' city
        # indexes, not from every page of the locale, and needs no DISTINCT.
        city_ids = self._pages_of_this_city()
        through = SeminarPage.participating_cities.through
        seminar_ids = SeminarPage.objects.filter(
            models.Q(host_city_id__in=city_ids)
            | models.Q(
                pk__in=through.objects.filter(citypage_id__in=city_ids).values("seminarpage_id")
            )
        ).values("pk")
        return (
            SeminarPage.objects.live()
            .filter(content_cache.public_q())
            .filter(locale_id=self.locale_id, pk__in=seminar_ids)
        )

    def _pages_of_this_city(self):
        return Page.objects.filter(translation_key=self.translation_key).values("pk")

    def get_practice_models(self):
        from .practice import PracticeModelPage

        # The city's pages in every language by id (a page not yet translated names the
        # source's city), so the database starts from the practice models' city index
        # instead of every page of the locale (36 ms with 10,000 practice models, SQLite).
        return (
            PracticeModelPage.objects.live()
            .filter(content_cache.public_q())
            .filter(
                locale_id=self.locale_id,
                city_id__in=self._pages_of_this_city(),
            )
        )


class CityPage(RoutablePageMixin, AbstractCityPage, Page):
    template = "cities_cms/pages/city_page.html"
    parent_page_types = ["cities_cms.CityIndexPage"]
    subpage_types = []

    content_panels = [
        *Page.content_panels,
        *AbstractCityPage.content_panels,
        InlinePanel("contacts", label=_("Contacts"), heading=_("Contacts")),
    ]
    promote_panels = Page.promote_panels + SummaryMixin.summary_panels
    search_fields = Page.search_fields + AbstractCityPage.search_fields
    edit_handler = tabbed(
        content_panels, AbstractCityPage.details_panels, promote_panels, Page.settings_panels
    )
    api_fields = CITY_API_FIELDS  # the read API (docs/api.md)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def get_context(self, request, *args, **kwargs):
        from django.utils import timezone

        context = super().get_context(request, *args, **kwargs)
        # The city's seminars as (id, start, end), cached with the content; which are upcoming
        # and which past is decided here, at each request. Their list is shared by its ids
        # (city_page.html) and its seminars read only when it is rendered.
        now = timezone.now()
        rows = self._seminar_rows()  # by start
        upcoming = [pk for pk, _start, end in rows if end >= now][:5]
        past = [pk for pk, _start, end in reversed(rows) if end < now][:5]
        context["seminar_keys"] = (tuple(upcoming), tuple(past))
        context["upcoming_seminars"] = LazyList(lambda: self._seminars_by_key(upcoming))
        context["past_seminars"] = LazyList(lambda: self._seminars_by_key(past))
        # Shown only in parts rendered once per content generation (city_page.html).
        context["practice_models"] = Lazy(
            lambda: list(
                self.get_practice_models()
                .select_related("city", "listing_image")
                .prefetch_related("listing_image__renditions", "themes")
                .order_by("-first_published_at")[:6]
            )
        )
        context["contacts"] = Lazy(
            lambda: list(
                self.contacts.select_related("person", "person__organisation", "person__photo")
            )
        )
        context["city_map"] = Lazy(lambda: CityMap(self.get_map_cities(), highlight=self))
        return context

    def _seminar_rows(self):
        def compute():
            seminars = self.get_seminars().order_by("start", "pk")
            return list(seminars.values_list("pk", "start", "end"))

        if not self.pk:  # a preview of a page not saved yet
            return compute()
        return content_cache.get_or_compute(f"city-seminars.{self.pk}", compute)

    def _seminars_by_key(self, pks):
        found = self.get_seminars().filter(pk__in=pks).select_related("host_city")
        by_pk = {seminar.pk: seminar for seminar in found}
        return [by_pk[pk] for pk in pks if pk in by_pk]

    def get_map_cities(self):
        """This city and its siblings, for the map on its page (cached with the content)."""

        def compute():
            return list(
                CityPage.objects.sibling_of(self)
                .live()
                .filter(content_cache.public_q())
                .order_by("role", "title")
            )

        # Keyed on the parent's path: every city of one index shares the list.
        return content_cache.get_or_compute(f"map-cities.{self.path[: -self.steplen]}", compute)

    @path("ics/", name="calendar")
    def calendar(self, request):
        from ..calendar import calendar_response

        return calendar_response(
            self.get_seminars().order_by("start"),
            request,
            name=_("Seminars of %(city)s") % {"city": self.title},
            filename=f"{self.slug}-seminars.ics",
            page=self,
        )


class CityContact(TranslatableMixin, Orderable):
    page = ParentalKey(CityPage, on_delete=models.CASCADE, related_name="contacts")
    person = models.ForeignKey(
        "cities_cms.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    responsibility = models.CharField(
        _("responsible for"),
        max_length=200,
        blank=True,
        help_text=_("E.g. 'Study visits' or 'Press'."),
    )

    panels = [FieldPanel("person"), FieldPanel("responsibility")]
    # The person is the same in every language; what they are responsible for is translated.
    override_translatable_fields = synchronised("person")

    class Meta(TranslatableMixin.Meta, Orderable.Meta):
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
