"""The pages a public-sector site of the EU must have: an accessibility statement and a privacy
notice, one of each under the network home, linked from every footer.

Both are forms of facts rather than free text: the package writes the sentences (in every
language, from its catalogues) and an editor fills in what only the site knows (who is
responsible, dates, contacts, what is not accessible yet). The accessibility statement follows
the model of Commission Implementing Decision (EU) 2018/1523 (the Web Accessibility Directive
(EU) 2016/2102); the privacy notice lists what the package itself processes (GDPR Art. 13).
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from .. import content_cache
from ..blocks import BodyBlock
from ..conf import settings
from ..translation.fields import synchronised, synchronised_overridable
from .mixins import CachedViewRestrictionsMixin

# The standard the Directive presumes conformance with (EN 301 549 points to WCAG 2.1 AA).
ACCESSIBILITY_STANDARD = "EN 301 549 V3.2.1 (WCAG 2.1 AA)"  # inserted as is in every language


class ConformanceStatus(models.TextChoices):
    FULL = "full", _("Fully compliant")
    PARTIAL = "partial", _("Partially compliant")
    NOT_COMPLIANT = "not", _("Not compliant")


class AssessmentMethod(models.TextChoices):
    SELF = "self", _("Self-assessment")
    THIRD_PARTY = "third-party", _("Assessment carried out by a third party")


class NonAccessibleReason(models.TextChoices):
    NON_COMPLIANCE = "non-compliance", _("Non-compliance with the accessibility requirements")
    DISPROPORTIONATE_BURDEN = "burden", _("Disproportionate burden")
    OUT_OF_SCOPE = "out-of-scope", _("Not within the scope of the applicable legislation")


class NonAccessibleContentBlock(blocks.StructBlock):
    """One item of content that is not accessible yet, and why (the model's section 2)."""

    reason = blocks.ChoiceBlock(
        label=_("Reason"), choices=NonAccessibleReason.choices, default="non-compliance"
    )
    content = blocks.CharBlock(
        label=_("Content concerned"),
        max_length=300,
        help_text=_("E.g. 'PDF reports of seminars published before 2018'."),
    )
    details = blocks.TextBlock(
        label=_("Details"),
        required=False,
        max_length=2000,
        help_text=_(
            "What is not accessible and which requirement it fails; for a disproportionate "
            "burden, the assessment that justifies it."
        ),
    )
    alternative = blocks.TextBlock(
        label=_("Accessible alternative"),
        required=False,
        max_length=1000,
        help_text=_("How people can get the content otherwise, e.g. on request by email."),
    )

    class Meta:
        icon = "warning"
        label = _("Non-accessible content")


class AccessibilityStatementPage(CachedViewRestrictionsMixin, Page):
    """The accessibility statement of the site, following the EU model statement."""

    organisation = models.CharField(
        _("public sector body"),
        max_length=200,
        help_text=_("Who publishes the site, e.g. 'Daugavpils City Council'."),
    )
    conformance_status = models.CharField(
        _("compliance status"),
        max_length=20,
        choices=ConformanceStatus.choices,
        default=ConformanceStatus.PARTIAL,
    )
    non_accessible_content = StreamField(
        [("item", NonAccessibleContentBlock())],
        verbose_name=_("non-accessible content"),
        blank=True,
        help_text=_("Leave empty only if the site is fully compliant."),
    )
    prepared_on = models.DateField(_("statement prepared on"))
    assessment_method = models.CharField(
        _("method used to prepare the statement"),
        max_length=20,
        choices=AssessmentMethod.choices,
        default=AssessmentMethod.SELF,
    )
    assessment_details = models.TextField(
        _("how the site was assessed"),
        blank=True,
        max_length=1000,
        help_text=_("E.g. the tools and checks used, or the name of the third party."),
    )
    reviewed_on = models.DateField(_("statement last reviewed on"))
    feedback_email = models.EmailField(_("email for accessibility feedback"))
    feedback_phone = models.CharField(_("telephone"), max_length=40, blank=True)
    feedback_address = models.TextField(_("postal address"), max_length=500, blank=True)
    response_days = models.PositiveSmallIntegerField(
        _("answer within (days)"),
        null=True,
        blank=True,
        help_text=_("How soon people get an answer to feedback or a request."),
    )
    enforcement_body = models.CharField(
        _("enforcement body"),
        max_length=300,
        help_text=_("The national body people can turn to if the answer does not satisfy them."),
    )
    enforcement_url = models.URLField(_("enforcement procedure (address)"))
    enforcement_details = models.TextField(_("enforcement procedure"), max_length=1000, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("more content"), blank=True)

    template = "cities_cms/pages/accessibility_statement_page.html"
    parent_page_types = ["cities_cms.NetworkHomePage"]
    subpage_types = []
    max_count_per_parent = 1  # one per language tree of the site

    content_panels = Page.content_panels + [
        FieldPanel("organisation"),
        MultiFieldPanel(
            [FieldPanel("conformance_status"), FieldPanel("non_accessible_content")],
            heading=_("Compliance status"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("prepared_on"), FieldPanel("reviewed_on")]),
                FieldPanel("assessment_method"),
                FieldPanel("assessment_details"),
            ],
            heading=_("Preparation of this statement"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("feedback_email"), FieldPanel("feedback_phone")]),
                FieldPanel("feedback_address"),
                FieldPanel("response_days"),
            ],
            heading=_("Feedback and contact information"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("enforcement_body"),
                FieldPanel("enforcement_url"),
                FieldPanel("enforcement_details"),
            ],
            heading=_("Enforcement procedure"),
        ),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [index.SearchField("organisation")]
    override_translatable_fields = [
        *synchronised(
            "conformance_status", "prepared_on", "reviewed_on", "assessment_method", "response_days"
        ),
        *synchronised_overridable("feedback_email", "feedback_phone", "enforcement_url"),
    ]

    class Meta:
        verbose_name = _("accessibility statement")
        verbose_name_plural = _("accessibility statements")

    def clean(self):
        super().clean()
        if self.prepared_on and self.reviewed_on and self.reviewed_on < self.prepared_on:
            raise ValidationError(
                {"reviewed_on": _("A statement cannot be reviewed before it was prepared.")}
            )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        items = [block.value for block in self.non_accessible_content]
        context["standard"] = ACCESSIBILITY_STANDARD
        site = self.get_site()
        context["site_url"] = site.root_url if site is not None else ""
        context["non_accessible_groups"] = [
            {"reason": reason, "label": label, "items": found}
            for reason, label in NonAccessibleReason.choices
            if (found := [item for item in items if item["reason"] == reason])
        ]
        return context


class PrivacyNoticePage(CachedViewRestrictionsMixin, Page):
    """The privacy notice: what the site processes, why, for how long, and people's rights."""

    controller = models.CharField(
        _("controller"),
        max_length=200,
        help_text=_("Who decides what the site does with personal data, e.g. the city council."),
    )
    controller_address = models.TextField(_("controller's address"), max_length=500, blank=True)
    controller_email = models.EmailField(_("controller's email"))
    dpo_name = models.CharField(_("data protection officer"), max_length=200, blank=True)
    dpo_email = models.EmailField(_("data protection officer's email"))
    supervisory_authority = models.CharField(
        _("supervisory authority"),
        max_length=300,
        help_text=_("The national data protection authority people can complain to."),
    )
    supervisory_authority_url = models.URLField(_("supervisory authority's website"))
    log_retention_days = models.PositiveSmallIntegerField(
        _("server logs kept for (days)"),
        default=14,
        help_text=_("How long the web server keeps its access logs before deleting them."),
    )
    body = StreamField(
        BodyBlock(),
        verbose_name=_("more content"),
        blank=True,
        help_text=_("Anything else the site processes, e.g. a newsletter run by the city."),
    )

    template = "cities_cms/pages/privacy_notice_page.html"
    parent_page_types = ["cities_cms.NetworkHomePage"]
    subpage_types = []
    max_count_per_parent = 1

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("controller"), FieldPanel("controller_address")],
            heading=_("Controller"),
        ),
        FieldRowPanel([FieldPanel("controller_email"), FieldPanel("dpo_email")]),
        FieldPanel("dpo_name"),
        MultiFieldPanel(
            [FieldPanel("supervisory_authority"), FieldPanel("supervisory_authority_url")],
            heading=_("Supervisory authority"),
        ),
        FieldPanel("log_retention_days"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields
    override_translatable_fields = [
        *synchronised("log_retention_days"),
        *synchronised_overridable("controller_email", "dpo_email", "supervisory_authority_url"),
    ]

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # What the package processes depends on which of its optional apps the site runs.
        context["registration_installed"] = apps.is_installed("cities_cms.registration")
        context["registration_retention_days"] = settings.CITIES_CMS_REGISTRATION_RETENTION_DAYS
        context["federation_installed"] = apps.is_installed("cities_cms.federation")
        return context


LEGAL_PAGE_MODELS = (AccessibilityStatementPage, PrivacyNoticePage)


def legal_pages_under(root):
    """The live, public legal pages under a site's root in one language (for the footer).

    With synchronised trees each language's root holds the translation or, until there is
    one, an alias of each (``alias_of`` is selected for the language of its title).
    """
    if root is None:
        return []

    def compute():
        pages = Page.objects.child_of(root).live().type(*LEGAL_PAGE_MODELS)
        pages = pages.select_related("alias_of__locale").order_by("path")
        return list(content_cache.public(pages))

    # Cached with the content, as the menu is: the footer asks on every page.
    return content_cache.get_or_compute(f"legal-pages.{root.pk}", compute)
