"""Practice models: transferable solutions that a city documents for the network."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, TranslatableMixin
from wagtail.search import index

from .. import content_cache
from ..api.fields import PRACTICE_MODEL_API_FIELDS
from ..blocks import RICH_TEXT_FEATURES, BodyBlock, GalleryBlock, IndicatorBlock, MaterialsBlock
from ..translation.fields import synchronised, synchronised_overridable
from .filters import PracticeModelFilterSet
from .mixins import AbstractListingPage, LazyList, SummaryMixin, tabbed


class PracticeStatus(models.TextChoices):
    IDEA = "idea", _("Idea")
    PILOT = "pilot", _("Pilot")
    IMPLEMENTED = "implemented", _("Implemented")
    EVALUATED = "evaluated", _("Evaluated")


class EvidenceLevel(models.TextChoices):
    DESCRIBED = "described", _("Described by the city")
    MONITORED = "monitored", _("Monitored with indicators")
    EVALUATED_INTERNALLY = "evaluated_internally", _("Evaluated by the city")
    EVALUATED_INDEPENDENTLY = "evaluated_independently", _("Evaluated independently")


class Licence(models.TextChoices):
    CC_BY = "CC-BY-4.0", _("Creative Commons Attribution 4.0")
    CC_BY_SA = "CC-BY-SA-4.0", _("Creative Commons Attribution-ShareAlike 4.0")
    CC0 = "CC0-1.0", _("Public domain dedication (CC0 1.0)")
    ALL_RIGHTS = "all-rights-reserved", _("All rights reserved")


class AbstractPracticeModelIndexPage(AbstractListingPage):
    cache_unfiltered_listing = True
    filterset_class = PracticeModelFilterSet
    listing_context_name = "practice_models"

    class Meta:
        abstract = True

    def get_listing_queryset(self, request):
        return (
            PracticeModelPage.objects.descendant_of(self)
            .live()
            .filter(content_cache.public_q())
            .select_related("city", "listing_image")
            .prefetch_related("listing_image__renditions", "themes")
            .order_by("-first_published_at", "-pk")
        )


class PracticeModelIndexPage(AbstractPracticeModelIndexPage, Page):
    template = "cities_cms/pages/practice_model_index_page.html"
    subpage_types = ["cities_cms.PracticeModelPage"]
    content_panels = Page.content_panels + AbstractPracticeModelIndexPage.content_panels
    search_fields = Page.search_fields + AbstractPracticeModelIndexPage.search_fields

    class Meta:
        verbose_name = _("practice model index")
        verbose_name_plural = _("practice model indexes")


class AbstractPracticeModelPage(SummaryMixin, models.Model):
    city = models.ForeignKey(
        "cities_cms.CityPage",
        verbose_name=_("city"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The city where the solution was developed."),
    )
    themes = ParentalManyToManyField("cities_cms.Theme", verbose_name=_("themes"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PracticeStatus.choices,
        default=PracticeStatus.IMPLEMENTED,
    )
    start_year = models.PositiveSmallIntegerField(
        _("year started"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    end_year = models.PositiveSmallIntegerField(
        _("year ended"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
        help_text=_("Leave empty if it is still running."),
    )
    challenge = RichTextField(
        _("challenge"),
        features=RICH_TEXT_FEATURES,
        help_text=_("The problem the city faced, and for whom."),
    )
    approach = RichTextField(
        _("approach"),
        features=RICH_TEXT_FEATURES,
        help_text=_("What the city did, step by step."),
    )
    results = RichTextField(_("results"), blank=True, features=RICH_TEXT_FEATURES)
    indicators = StreamField(
        [("indicator", IndicatorBlock())],
        verbose_name=_("indicators"),
        blank=True,
        help_text=_("Measured results: value, unit, year and source."),
    )
    evidence_level = models.CharField(
        _("evidence"),
        max_length=30,
        choices=EvidenceLevel.choices,
        default=EvidenceLevel.DESCRIBED,
    )
    evidence = RichTextField(
        _("evidence details"),
        blank=True,
        features=RICH_TEXT_FEATURES,
        help_text=_("How the results were measured or evaluated, with links to reports."),
    )
    transferability = RichTextField(
        _("transferability"),
        blank=True,
        features=RICH_TEXT_FEATURES,
        help_text=_("What another city needs to adopt it, and what to adapt."),
    )
    budget = models.DecimalField(
        _("budget (EUR)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    staff = models.CharField(
        _("staff"),
        max_length=200,
        blank=True,
        help_text=_("E.g. 'two planners, half-time'."),
    )
    duration = models.CharField(
        _("time needed"),
        max_length=200,
        blank=True,
        help_text=_("E.g. '18 months'."),
    )
    resources = RichTextField(_("other resources"), blank=True, features=RICH_TEXT_FEATURES)
    contact = models.ForeignKey(
        "cities_cms.Person",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    gallery = StreamField(
        [("gallery", GalleryBlock())], verbose_name=_("gallery"), blank=True, max_num=1
    )
    documents = StreamField(MaterialsBlock(), verbose_name=_("documents"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("more content"), blank=True)
    related_seminars = ParentalManyToManyField(
        "cities_cms.SeminarPage",
        verbose_name=_("related seminars"),
        blank=True,
        related_name="+",
    )
    licence = models.CharField(
        _("licence"),
        max_length=30,
        choices=Licence.choices,
        default=Licence.CC_BY,
        help_text=_("Under which terms others may reuse the text."),
    )
    shared = models.BooleanField(
        _("share with the network"),
        default=False,
        help_text=_("Offer this practice model to the partner cities' sites."),
    )

    content_panels = [
        FieldPanel("challenge"),
        FieldPanel("approach"),
        MultiFieldPanel([FieldPanel("results"), FieldPanel("indicators")], heading=_("Results")),
        MultiFieldPanel(
            [FieldPanel("evidence_level"), FieldPanel("evidence")], heading=_("Evidence")
        ),
        FieldPanel("transferability"),
        FieldPanel("body"),
        FieldPanel("gallery"),
        FieldPanel("documents"),
    ]
    details_panels = [
        MultiFieldPanel(
            [
                FieldPanel("city"),
                FieldPanel("themes"),
                FieldRowPanel(
                    [FieldPanel("status"), FieldPanel("start_year"), FieldPanel("end_year")]
                ),
            ],
            heading=_("About"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("budget"), FieldPanel("staff"), FieldPanel("duration")]),
                FieldPanel("resources"),
            ],
            heading=_("Resources"),
        ),
        FieldPanel("contact"),
        FieldPanel("related_seminars"),
        MultiFieldPanel([FieldPanel("licence"), FieldPanel("shared")], heading=_("Sharing")),
    ]
    search_fields = SummaryMixin.search_fields + [
        index.SearchField("challenge"),
        index.SearchField("approach"),
        index.SearchField("results"),
        index.SearchField("transferability"),
        index.SearchField("body"),
        index.FilterField("status"),
        index.FilterField("start_year"),
        index.FilterField("shared"),
    ]
    override_translatable_fields = [
        *synchronised(
            "city",
            "status",
            "start_year",
            "end_year",
            "evidence_level",
            "budget",
            "licence",
            "shared",
            "contact",
        ),
        *synchronised_overridable("listing_image"),
    ]

    class Meta:
        abstract = True

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("It cannot end before it starts.")})


class PracticeModelPage(AbstractPracticeModelPage, Page):
    template = "cities_cms/pages/practice_model_page.html"
    parent_page_types = ["cities_cms.PracticeModelIndexPage"]
    subpage_types = []

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        *AbstractPracticeModelPage.content_panels,
        InlinePanel("stakeholders", label=_("Stakeholders"), heading=_("Stakeholders")),
    ]
    promote_panels = [*Page.promote_panels, FieldPanel("listing_image")]
    search_fields = Page.search_fields + AbstractPracticeModelPage.search_fields
    edit_handler = tabbed(
        content_panels,
        AbstractPracticeModelPage.details_panels,
        promote_panels,
        Page.settings_panels,
    )
    api_fields = PRACTICE_MODEL_API_FIELDS  # the read API (docs/api.md)

    class Meta:
        verbose_name = _("practice model")
        verbose_name_plural = _("practice models")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Shown only in the part rendered once per content generation (the template).
        context["stakeholders"] = LazyList(
            lambda: list(self.stakeholders.select_related("organisation"))
        )
        context["related_seminars"] = LazyList(self._related_seminars)
        return context

    def _related_seminars(self):
        # A revision (a preview, a draft under review) holds them in memory, not as a query.
        seminars = self._meta.get_field("related_seminars").related_model.objects.filter(
            pk__in=[seminar.pk for seminar in self.related_seminars.all()]
        )
        return list(
            seminars.live()
            .filter(content_cache.public_q())
            .select_related("host_city")
            .order_by("-start")
        )


class Stakeholder(TranslatableMixin, Orderable):
    """Who took part: the knowledge transfer between universities, businesses and citizens."""

    page = ParentalKey(PracticeModelPage, on_delete=models.CASCADE, related_name="stakeholders")
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=[
            ("university", _("University or research")),
            ("business", _("Business")),
            ("citizens", _("Citizens")),
            ("ngo", _("Non-governmental organisation")),
            ("public", _("Public body")),
        ],
    )
    organisation = models.ForeignKey(
        "cities_cms.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(
        _("name"),
        max_length=200,
        blank=True,
        help_text=_(
            "If the stakeholder is not an organisation in the list, e.g. 'residents "
            "of the old town'."
        ),
    )
    contribution = models.CharField(_("contribution"), max_length=300, blank=True)

    panels = [
        FieldPanel("kind"),
        FieldPanel("organisation"),
        FieldPanel("name"),
        FieldPanel("contribution"),
    ]
    override_translatable_fields = synchronised("kind", "organisation")

    class Meta(TranslatableMixin.Meta, Orderable.Meta):
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")

    def __str__(self):
        return self.name or str(self.organisation or "")
