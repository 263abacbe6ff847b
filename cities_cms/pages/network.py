"""The network's home page: what the network is, its partners on a map, what is coming up."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .. import content_cache
from ..blocks import RICH_TEXT_FEATURES, BodyBlock
from ..conf import settings
from ..extensions import first_value
from ..translation.fields import synchronised, synchronised_overridable
from .mixins import Lazy, LazyList, SummaryMixin, tabbed
from .themes import ThemePagesMixin


def _received_copies():
    """Copies received from partner sites (a manager of rows with ``global_id`` and
    ``origin_city``), or None: cities_cms.federation provides them when it is installed
    (cities_cms.extensions).
    """
    return first_value("received_copies")


def _received_keys():
    """Translation keys of practice models received through federation (a subquery)."""
    copies = _received_copies()
    return [] if copies is None else copies.values("global_id")


class AbstractNetworkHomePage(SummaryMixin, models.Model):
    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)
    aim = RichTextField(_("aim"), blank=True, features=RICH_TEXT_FEATURES)
    programme = models.CharField(
        _("funding programme"),
        max_length=300,
        blank=True,
        help_text=_("E.g. 'Europe for Citizens, action 1.2'."),
    )
    funding_rate = models.PositiveSmallIntegerField(
        _("funding rate (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    budget = models.DecimalField(
        _("total budget (EUR)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    themes = ParentalManyToManyField("cities_cms.Theme", verbose_name=_("themes"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("body"), blank=True)

    content_panels = [FieldPanel("intro"), FieldPanel("aim"), FieldPanel("body")]
    details_panels = [
        MultiFieldPanel(
            [
                FieldPanel("programme"),
                FieldRowPanel([FieldPanel("budget"), FieldPanel("funding_rate")]),
                FieldRowPanel([FieldPanel("period_start"), FieldPanel("period_end")]),
            ],
            heading=_("Programme and funding"),
        ),
        FieldPanel("themes"),
    ]
    search_fields = SummaryMixin.search_fields + [
        index.SearchField("intro"),
        index.SearchField("aim"),
        index.SearchField("body"),
    ]
    override_translatable_fields = [
        *synchronised("funding_rate", "budget", "period_start", "period_end"),
        *synchronised_overridable("listing_image"),
    ]

    class Meta:
        abstract = True

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The period cannot end before it starts.")})

    def get_cities(self):
        from .city import CityPage

        return (
            CityPage.objects.descendant_of(self)
            .live()
            .filter(content_cache.public_q())
            .order_by("role", "title")
        )

    def get_upcoming_seminars(self):
        from .seminar import SeminarPage

        return (
            SeminarPage.objects.descendant_of(self)
            .live()
            .filter(content_cache.public_q())
            .filter(end__gte=timezone.now())
            .select_related("host_city", "listing_image")
            .prefetch_related("listing_image__renditions")
            .order_by("start")
        )

    def get_public_practice_models(self):
        """Live, public practice models of the network (one query for view restrictions)."""
        from .practice import PracticeModelPage

        return (
            PracticeModelPage.objects.descendant_of(self)
            .live()
            .filter(content_cache.public_q())
            .select_related("city", "listing_image")
            .prefetch_related("listing_image__renditions", "themes")
            .order_by("-first_published_at", "-pk")
        )

    def get_latest_practice_models(self, practice_models=None):
        """The network's own practice models (not those received from partner sites)."""
        if practice_models is None:
            practice_models = self.get_public_practice_models()
        return practice_models.exclude(translation_key__in=_received_keys())

    def get_shared_practice_models(self, practice_models=None):
        """Practice models received from partner cities' sites (federation), newest first.

        Each carries ``shared_by``, the city that shared it (no extra query).
        """
        if practice_models is None:
            practice_models = self.get_public_practice_models()
        copies = _received_copies()
        if copies is None:
            return practice_models.none()
        origin = copies.filter(global_id=models.OuterRef("translation_key"))
        return practice_models.filter(translation_key__in=_received_keys()).annotate(
            shared_by=models.Subquery(origin.values("origin_city")[:1])
        )

    def get_practice_model_highlights(self, count):
        """(own, received) newest practice models, ``count`` of each, at a constant cost.

        Which ones they are is cached with the content (``content_cache``: any change starts
        afresh), so a request reads ``2 * count`` pages by key instead of ranking every
        practice model of the network. Received ones carry ``shared_by`` (the city that
        shared them).
        """
        if self.pk is None:  # a preview of a page not saved yet
            return self._rank_practice_model_highlights(count)
        from .practice import PracticeModelPage

        rows = content_cache.get_or_compute(
            f"home-practice-highlights.{self.pk}.{count}",
            lambda: [
                (p.pk, p.received, p.shared_by)
                for group in self._rank_practice_model_highlights(count, only_keys=True)
                for p in group
            ],
        )
        found = PracticeModelPage.objects.filter(pk__in=[pk for pk, _r, _s in rows])
        found = found.select_related("city", "listing_image").prefetch_related(
            "listing_image__renditions", "themes"
        )
        by_pk = {page.pk: page for page in found}
        own, received = [], []
        for pk, is_received, shared_by in rows:
            page = by_pk.get(pk)
            if page is not None:
                page.shared_by = shared_by
                (received if is_received else own).append(page)
        return own, received

    def _rank_practice_model_highlights(self, count, only_keys=False):
        """The newest own and received practice models, ranked in one query."""
        from django.db.models.functions import RowNumber

        practice_models = self.get_public_practice_models()
        if only_keys:
            practice_models = practice_models.only("pk").select_related(None)
            practice_models = practice_models.prefetch_related(None)
        copies = _received_copies()
        if copies is None:
            items = list(practice_models[:count])
            for item in items:
                item.received, item.shared_by = False, None
            return items, []
        origin = copies.filter(global_id=models.OuterRef("translation_key"))
        ranked = practice_models.annotate(
            shared_by=models.Subquery(origin.values("origin_city")[:1]),
            received=models.Exists(origin),
            rank=models.Window(
                RowNumber(),
                partition_by=[models.Exists(origin)],
                order_by=[models.F("first_published_at").desc(), models.F("pk").desc()],
            ),
        ).filter(rank__lte=count)
        items = list(ranked)
        return [p for p in items if not p.received], [p for p in items if p.received]

    def get_upcoming_seminar_highlights(self, count):
        """The next ``count`` seminars not over yet, at a constant cost.

        The first ``2 * count`` upcoming ones are cached with the content (and for the hour):
        as time passes, those that end drop out in order (a seminar further down the list
        cannot overtake them). Only when fewer than ``count`` remain of a list that was cut is
        the database asked again.
        """
        return self._seminars_by_key(self.upcoming_seminar_keys(count))

    def upcoming_seminar_keys(self, count):
        """The ids of ``get_upcoming_seminar_highlights(count)``, in order (see there)."""
        now = timezone.now()

        def compute():
            upcoming = self.get_upcoming_seminars().prefetch_related(None)
            rows = list(upcoming.values_list("pk", "end")[: 2 * count])
            return {"rows": rows, "complete": len(rows) < 2 * count}

        name = f"home-upcoming-seminars.{self.pk}.{count}.{int(now.timestamp()) // 3600}"
        cached = content_cache.get_or_compute(name, compute) if self.pk else compute()
        pks = [pk for pk, end in cached["rows"] if end >= now]
        if len(pks) < count and not cached["complete"]:
            pks = [pk for pk, end in compute()["rows"] if end >= now]
        return pks[:count]

    @staticmethod
    def _seminars_by_key(pks):
        # Seminars received from partner cities are among them, with ``shared_by`` for
        # their cards (the network calendar, cities_cms.pages.received).
        from .received import with_origin
        from .seminar import SeminarPage

        found = with_origin(SeminarPage.objects.filter(pk__in=pks))
        found = found.select_related("host_city", "listing_image")
        by_pk = {page.pk: page for page in found.prefetch_related("listing_image__renditions")}
        return [by_pk[pk] for pk in pks if pk in by_pk]


class NetworkHomePage(ThemePagesMixin, AbstractNetworkHomePage, Page):
    # The theme landing pages are its routes (/themes/, /themes/<key>/): cities_cms.pages.themes
    template = "cities_cms/pages/network_home_page.html"
    subpage_types = [
        "cities_cms.CityIndexPage",
        "cities_cms.SeminarIndexPage",
        "cities_cms.PracticeModelIndexPage",
        "cities_cms.AccessibilityStatementPage",
        "cities_cms.PrivacyNoticePage",
        "wagtailcore.Page",
    ]
    content_panels = Page.content_panels + AbstractNetworkHomePage.content_panels
    promote_panels = Page.promote_panels + SummaryMixin.summary_panels
    search_fields = Page.search_fields + AbstractNetworkHomePage.search_fields
    edit_handler = tabbed(
        content_panels,
        AbstractNetworkHomePage.details_panels,
        promote_panels,
        Page.settings_panels,
    )

    class Meta:
        verbose_name = _("network home page")
        verbose_name_plural = _("network home pages")

    def get_context(self, request, *args, **kwargs):
        from ..svgmap import CityMap

        context = super().get_context(request, *args, **kwargs)
        count = settings.CITIES_CMS_HOME_HIGHLIGHTS
        # The language's cities, cached with the content (the query reads every page of the
        # network to find them): those under this home, leading city first.
        if self.pk:
            in_language = content_cache.cities(self.locale_id).values()
            under = [c for c in in_language if c.path.startswith(self.path) and c.pk != self.pk]
            cities = sorted(under, key=lambda city: city.role)  # stable: by title within a role
        else:
            cities = list(self.get_cities())
        context["cities"] = cities
        # Shown only in parts rendered once per content generation (network_home_page.html).
        context["city_map"] = Lazy(lambda: CityMap(cities))
        context["countries"] = Lazy(lambda: sorted({c.country.name for c in cities}, key=str))
        context["lead_cities"] = Lazy(lambda: [c for c in cities if c.role == "lead"])
        # The upcoming seminars' cards are shared by their ids (network_home_page.html).
        keys = self.upcoming_seminar_keys(count) if self.pk else None
        context["upcoming_seminar_keys"] = tuple(keys) if keys else None
        context["upcoming_seminars"] = (
            LazyList(lambda: self._seminars_by_key(keys))
            if self.pk
            else self.get_upcoming_seminar_highlights(count)
        )
        highlights = Lazy(lambda: self.get_practice_model_highlights(count))
        context["latest_practice_models"] = Lazy(lambda: highlights()[0])
        context["shared_practice_models"] = Lazy(lambda: highlights()[1])
        context["themes"] = Lazy(lambda: list(self.themes.all()))
        return context
