"""Seminars, workshops, trainings and study visits: index and event pages."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .. import content_cache
from ..api.fields import SEMINAR_API_FIELDS
from ..blocks import RICH_TEXT_FEATURES, AgendaBlock, BodyBlock, MaterialsBlock
from ..conf import settings
from ..extensions import page_context, serve_page_view
from ..fields import LanguagesField, TimeZoneField
from ..translation.fields import synchronised, synchronised_overridable
from .filters import SeminarFilterSet
from .mixins import AbstractListingPage, LazyList, SummaryMixin, tabbed
from .received import LOCAL, PARTNERS, filter_source, received_seminar, with_origin


class SeminarKind(models.TextChoices):
    SEMINAR = "seminar", _("Seminar")
    WORKSHOP = "workshop", _("Workshop")
    TRAINING = "training", _("Training")
    STUDY_VISIT = "study_visit", _("Study visit")
    CONFERENCE = "conference", _("Conference")
    WEBINAR = "webinar", _("Webinar")


# The status of an event of any kind (seminar, workshop, conference...); a context of its own
# because a registration's "Cancelled" needs another gender or number in many languages.
class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("event status", "Scheduled")
    POSTPONED = "postponed", pgettext_lazy("event status", "Postponed")
    CANCELLED = "cancelled", pgettext_lazy("event status", "Cancelled")


class AttendanceMode(models.TextChoices):
    OFFLINE = "offline", _("In person")
    ONLINE = "online", _("Online")
    MIXED = "mixed", _("In person and online")


def default_timezone():
    return settings.CITIES_CMS_DEFAULT_TIMEZONE


class SeminarPageForm(WagtailAdminPageForm):
    """Editors type start and end in the seminar's own time zone, wherever they sit."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tz = zoneinfo.ZoneInfo(self.instance.timezone or default_timezone())
        for name in ("start", "end"):
            value = getattr(self.instance, name, None)
            if name in self.fields and value is not None and not self.is_bound:
                self.initial[name] = timezone.make_naive(value, tz)

    def clean(self):
        cleaned = super().clean()
        tz_name = cleaned.get("timezone")
        if tz_name:
            tz = zoneinfo.ZoneInfo(tz_name)
            for name in ("start", "end"):
                value = cleaned.get(name)
                if value is not None:
                    # The widget produced an aware time in the editor's zone: read the wall
                    # clock time the editor typed as the seminar's local time instead.
                    naive = timezone.make_naive(value) if timezone.is_aware(value) else value
                    cleaned[name] = timezone.make_aware(naive, tz)
        return cleaned


class AbstractSeminarIndexPage(AbstractListingPage):
    filterset_class = SeminarFilterSet
    listing_context_name = "seminars"

    class Meta:
        abstract = True

    def get_seminars(self):
        return SeminarPage.objects.descendant_of(self).live().filter(content_cache.public_q())

    def get_listing_queryset(self, request):
        # Seminars received from partner cities' sites are listed with this site's own
        # (the network calendar); each carries ``shared_by`` for its card.
        return with_origin(
            self.get_seminars()
            .select_related("host_city", "listing_image")
            .prefetch_related("listing_image__renditions")
            .order_by("start")
        )

    def get_listing_context(self, request):
        # Without a choice, visitors see what is coming up; "past" and "all" are one click away.
        if "when" not in request.GET:
            request.GET = request.GET.copy()
            request.GET["when"] = "upcoming"
        return super().get_listing_context(request)


class SeminarIndexPage(AbstractSeminarIndexPage, RoutablePageMixin, Page):
    # The listing mixin comes first so that its serve() (400 on invalid filters) wraps the
    # routable page's dispatch.
    template = "cities_cms/pages/seminar_index_page.html"
    subpage_types = ["cities_cms.SeminarPage"]
    content_panels = Page.content_panels + AbstractSeminarIndexPage.content_panels
    search_fields = Page.search_fields + AbstractSeminarIndexPage.search_fields

    class Meta:
        verbose_name = _("seminar index")
        verbose_name_plural = _("seminar indexes")

    @path("ics/", name="calendar")
    def calendar(self, request):
        """The whole network's calendar: ``?source=local`` or ``partners`` for one part."""
        from ..calendar import calendar_response

        source = request.GET.get("source", "")
        if source not in ("", LOCAL, PARTNERS):
            return HttpResponseBadRequest(
                gettext("Unknown value for “source”: use local or partners."),
                content_type="text/plain; charset=utf-8",
            )
        seminars = filter_source(self.get_seminars(), source)
        return calendar_response(
            seminars.select_related("host_city").order_by("start"),
            request,
            name=self.title,
            filename=f"{self.slug}.ics",
            page=self,
            vary=source,
        )


class AbstractSeminarPage(SummaryMixin, models.Model):
    kind = models.CharField(
        _("kind"), max_length=20, choices=SeminarKind.choices, default=SeminarKind.SEMINAR
    )
    status = models.CharField(
        _("status"), max_length=12, choices=EventStatus.choices, default=EventStatus.SCHEDULED
    )
    start = models.DateTimeField(_("starts"))
    end = models.DateTimeField(_("ends"))
    timezone = TimeZoneField(
        _("time zone"),
        default=default_timezone,
        help_text=_("Start and end are in this time zone: the time where the seminar is held."),
    )
    host_city = models.ForeignKey(
        "cities_cms.CityPage",
        verbose_name=_("host city"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    venue_name = models.CharField(_("venue"), max_length=200, blank=True)
    venue_address = models.CharField(_("address"), max_length=300, blank=True)
    online_url = models.URLField(
        _("online link"),
        blank=True,
        help_text=_("Where participants join online. Leave empty for in-person events."),
    )
    languages = LanguagesField(_("languages"), help_text=_("Languages spoken or interpreted."))
    themes = ParentalManyToManyField("cities_cms.Theme", verbose_name=_("themes"), blank=True)
    participating_cities = ParentalManyToManyField(
        "cities_cms.CityPage",
        verbose_name=_("participating cities"),
        blank=True,
        related_name="+",
    )
    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)
    agenda = StreamField(AgendaBlock(), verbose_name=_("agenda"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("more content"), blank=True)
    materials = StreamField(MaterialsBlock(), verbose_name=_("materials"), blank=True)
    outcomes = RichTextField(_("outcomes"), blank=True, features=RICH_TEXT_FEATURES)
    # An editor's choice: partner cities' sites show the seminar in their network calendars
    # (cities_cms.federation sends it when it is live and public; registrations stay here).
    shared = models.BooleanField(
        _("open to partner cities"),
        default=False,
        help_text=_(
            "Show this seminar on the partner cities' sites. Visitors register here, on this "
            "site; no registration data is sent."
        ),
    )

    content_panels = [
        FieldPanel("intro"),
        FieldPanel("agenda"),
        FieldPanel("body"),
        FieldPanel("materials"),
        FieldPanel("outcomes"),
    ]
    details_panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("kind"), FieldPanel("status")]),
                FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
                FieldPanel("timezone"),
            ],
            heading=_("When"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("host_city"),
                FieldPanel("venue_name"),
                FieldPanel("venue_address"),
                FieldPanel("online_url"),
            ],
            heading=_("Where"),
        ),
        MultiFieldPanel(
            [FieldPanel("languages"), FieldPanel("themes"), FieldPanel("participating_cities")],
            heading=_("Who and what"),
        ),
        MultiFieldPanel([FieldPanel("shared")], heading=_("Sharing")),
    ]
    search_fields = SummaryMixin.search_fields + [
        index.SearchField("intro"),
        index.SearchField("agenda"),
        index.SearchField("outcomes"),
        index.SearchField("venue_name"),
        index.FilterField("kind"),
        index.FilterField("start"),
        index.FilterField("end"),
        index.FilterField("shared"),
    ]
    override_translatable_fields = [
        *synchronised(
            "kind", "status", "start", "end", "timezone", "host_city", "languages", "shared"
        ),
        *synchronised_overridable("online_url", "listing_image"),
    ]

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        errors = {}
        if self.start and self.end and self.end < self.start:
            errors["end"] = _("A seminar cannot end before it starts.")
        if self.kind == SeminarKind.WEBINAR and not self.online_url:
            errors["online_url"] = _("A webinar needs an online link.")
        if errors:
            raise ValidationError(errors)

    @property
    def attendance_mode(self):
        has_place = bool(self.venue_name or self.venue_address)
        if self.online_url and has_place:
            return AttendanceMode.MIXED
        if self.online_url:
            return AttendanceMode.ONLINE
        return AttendanceMode.OFFLINE

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def local_start(self):
        return self.start.astimezone(self.tzinfo)

    @property
    def local_end(self):
        return self.end.astimezone(self.tzinfo)

    @property
    def is_upcoming(self):
        return self.end >= timezone.now()


class SeminarPage(RoutablePageMixin, AbstractSeminarPage, Page):
    template = "cities_cms/pages/seminar_page.html"
    base_form_class = SeminarPageForm
    parent_page_types = ["cities_cms.SeminarIndexPage"]
    subpage_types = []

    content_panels = Page.content_panels + AbstractSeminarPage.content_panels
    promote_panels = Page.promote_panels + SummaryMixin.summary_panels
    search_fields = Page.search_fields + AbstractSeminarPage.search_fields
    # cities_cms.registration adds its tab from its ready() (cities_cms.extensions).
    edit_handler = tabbed(
        content_panels, AbstractSeminarPage.details_panels, promote_panels, Page.settings_panels
    )
    api_fields = SEMINAR_API_FIELDS  # the read API (docs/api.md)

    class Meta:
        verbose_name = _("seminar")
        verbose_name_plural = _("seminars")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Shown only in the part rendered once per content generation (the template).
        context["themes"] = LazyList(lambda: list(self.themes.all()))
        context["participating_cities"] = LazyList(self._participating_cities)
        # A seminar received from a partner's site: who shared it, where to register.
        context["received"] = received_seminar(self)
        if context["received"] is None:
            # Registration's box, when that app is installed (cities_cms.extensions).
            context.update(page_context("seminar", self, request))
        return context

    def _participating_cities(self):
        # A revision (a preview, a draft under review) holds them in memory, not as a query.
        # Ids only (a city page is a heavy object), then the live, public ones without their
        # StreamFields: the page shows their names and links.
        cities = self._meta.get_field("participating_cities").related_model.objects.filter(
            pk__in=list(self.participating_cities.values_list("pk", flat=True))
        )
        return list(
            cities.live().filter(content_cache.public_q()).defer_streamfields().order_by("title")
        )

    @path("ics/", name="ics")
    def ics(self, request):
        from ..calendar import calendar_response

        seminar = with_origin(type(self).objects.filter(pk=self.pk)).first() or self
        return calendar_response([seminar], request, name=self.title, filename=f"{self.slug}.ics")

    @path("register/", name="register")
    def register(self, request):
        received = received_seminar(self)
        if received is not None:
            # Registration happens at the origin: its page in this language, else any.
            if not received.url:
                raise Http404
            return HttpResponseRedirect(received.url)
        return serve_page_view("seminar.register", self, request)

    @path("cancel/<str:token>/", name="cancel_registration")
    def cancel_registration(self, request, token):
        if received_seminar(self) is not None:
            raise Http404
        return serve_page_view("seminar.cancel", self, request, token=token)
