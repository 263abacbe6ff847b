"""Seminar registrations: per-seminar settings, custom questions and the registrations.

Settings belong to the seminar, whatever its language: one row per seminar (keyed on the page
the editor set it up on, found from any translation through the page's ``translation_key``),
so registrations made on the Latvian and the English page count against the same capacity.

Registrations are personal data: they are not pages, not indexed for search, not in any API,
feed or federation document, and they are anonymised after the retention period.
"""

import secrets

from django.contrib.auth.models import Group
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..fields import LanguagesField

MAX_QUESTIONS = 10
MAX_PARTY_SIZE = 50


class Ask(models.TextChoices):
    NO = "no", pgettext_lazy("question of the registration form", "Do not ask")
    OPTIONAL = "optional", pgettext_lazy("question of the registration form", "Optional")
    REQUIRED = "required", pgettext_lazy("question of the registration form", "Required")


class RegistrationSettings(models.Model):
    seminar = models.OneToOneField(
        "cities_cms.SeminarPage",
        verbose_name=_("seminar"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    is_open = models.BooleanField(
        _("registration open"),
        default=False,
        help_text=_("Visitors can register only while this is ticked and the dates allow it."),
    )
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(
        _("closes (deadline)"),
        null=True,
        blank=True,
        help_text=_("Empty: registration closes when the seminar starts."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity (people)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
    )
    max_party_size = models.PositiveSmallIntegerField(
        _("people per registration"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PARTY_SIZE)],
        help_text=_("How many people one registration may bring, the registrant included."),
    )
    waiting_list = models.BooleanField(
        _("waiting list"),
        default=True,
        help_text=_("When the seminar is full, further registrations go on a waiting list."),
    )
    ask_organisation = models.CharField(
        _("organisation"), max_length=10, choices=Ask.choices, default=Ask.OPTIONAL
    )
    ask_city = models.CharField(_("city"), max_length=10, choices=Ask.choices, default=Ask.OPTIONAL)
    ask_role = models.CharField(
        _("role or job title"), max_length=10, choices=Ask.choices, default=Ask.OPTIONAL
    )
    ask_needs = models.CharField(
        _("dietary or access needs"), max_length=10, choices=Ask.choices, default=Ask.OPTIONAL
    )
    confirmation_languages = LanguagesField(
        _("languages of the confirmation messages"),
        help_text=_(
            "Registrants get their messages in the language of the page they registered on "
            "when it is ticked here, otherwise in the first ticked language. None ticked: "
            "the page's language."
        ),
    )
    privacy_notice = models.TextField(
        _("additional privacy information"),
        max_length=4000,
        blank=True,
        help_text=_("Shown under the standard privacy notice of the registration form."),
    )
    data_groups = models.ManyToManyField(
        Group,
        verbose_name=_("groups that see personal data"),
        blank=True,
        related_name="+",
        help_text=_(
            "Members of these groups (with the permission to view registrations) see names, "
            "emails and answers. Empty: the editors who may edit the host city's page. "
            "Everyone else sees only the counts."
        ),
    )

    class Meta:
        verbose_name = _("registration settings")
        verbose_name_plural = _("registration settings")

    def __str__(self):
        return str(self.seminar)

    @classmethod
    def for_seminar(cls, page):
        """The settings of ``page``'s seminar, in whichever language they were set up."""
        return (
            cls.objects.filter(seminar__translation_key=page.translation_key)
            .select_related("seminar")
            .first()
        )

    def confirmed_people(self):
        return (
            self.registrations.filter(status=Registration.Status.CONFIRMED).aggregate(
                n=Sum("party_size")
            )["n"]
            or 0
        )

    def counts(self):
        """People and registrations per status, for the box on the page and the admin."""
        rows = self.registrations.values("status").annotate(
            people=Sum("party_size"), registrations=models.Count("id")
        )
        counts = {status: {"people": 0, "registrations": 0} for status in Registration.Status}
        for row in rows:
            counts[row["status"]] = {"people": row["people"], "registrations": row["registrations"]}
        counts["places_left"] = max(
            0, self.capacity - counts[Registration.Status.CONFIRMED]["people"]
        )
        return counts

    def state(self, now=None):
        """Why registration is (not) possible now.

        One of "open", "not_yet", "closed", "deadline" (passed) or "past" (seminar over).
        """
        now = now or timezone.now()
        seminar = self.seminar
        if seminar.end < now:
            return "past"
        if not self.is_open or seminar.status == "cancelled":
            return "closed"
        if self.opens_at and now < self.opens_at:
            return "not_yet"
        if now > (self.closes_at or seminar.start):
            return "deadline"
        return "open"

    def message_language(self, page_language):
        languages = self.confirmation_languages
        if not languages or page_language in languages:
            return page_language
        return languages[0]


class RegistrationQuestion(models.Model):
    """A question the editor adds to a seminar's registration form."""

    settings = models.ForeignKey(
        RegistrationSettings, on_delete=models.CASCADE, related_name="questions"
    )
    label = models.CharField(_("question"), max_length=200)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("registration question")
        verbose_name_plural = _("registration questions")

    def __str__(self):
        return self.label


def new_token_key():
    return secrets.token_urlsafe(16)


class Registration(models.Model):
    # The status of one registration: the adjectives agree with "registration", which is
    # feminine or neuter in many languages where an event's "Cancelled" is masculine.
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", pgettext_lazy("registration status", "Confirmed")
        WAITING = "waiting", pgettext_lazy("registration status", "Waiting list")
        CANCELLED = "cancelled", pgettext_lazy("registration status", "Cancelled")

    settings = models.ForeignKey(
        RegistrationSettings, on_delete=models.CASCADE, related_name="registrations"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), max_length=254)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    role = models.CharField(_("role or job title"), max_length=100, blank=True)
    needs = models.TextField(_("dietary or access needs"), max_length=1000, blank=True)
    party_size = models.PositiveSmallIntegerField(
        _("people"), default=1, validators=[MinValueValidator(1)]
    )
    answers = models.JSONField(_("answers"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=10)
    consent_at = models.DateTimeField(_("consent given"))
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    promoted_at = models.DateTimeField(_("promoted from the waiting list"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)
    # Part of the cancel link's signed value: erasing it makes every link sent out invalid.
    token_key = models.CharField(max_length=32, default=new_token_key, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["settings", "email"],
                condition=Q(anonymised_at__isnull=True) & ~Q(status="cancelled"),
                name="cities_cms_registration_one_per_email",
            )
        ]
        indexes = [models.Index(fields=["settings", "status", "created_at"])]

    def __str__(self):
        if self.anonymised_at:
            return str(_("Anonymised registration"))
        return f"{self.name} <{self.email}>"

    @property
    def is_active(self):
        return self.status != self.Status.CANCELLED and not self.anonymised_at

    def answer_pairs(self):
        """(question, answer) pairs, with the question's text as it was when answered."""
        return [(item.get("q", ""), item.get("a", "")) for item in self.answers or []]


def registrations_visible(user, settings_obj):
    """Whether ``user`` may see the personal data of ``settings_obj``'s registrations.

    Superusers may. Others need the "view registration" permission and either membership of
    one of the seminar's chosen groups or, when none are chosen, edit rights on the page of
    the seminar's host city: the host city's editors.
    """
    if not user.is_active or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if not user.has_perm("cities_cms_registration.view_registration"):
        return False
    group_ids = {group.pk for group in settings_obj.data_groups.all()}
    if group_ids:
        return user.groups.filter(pk__in=group_ids).exists()
    host = settings_obj.seminar.host_city
    if host is None:
        return False
    return host.permissions_for_user(user).can_edit()


def grant_editor_permissions(group):
    """The city editors' group gets the permission to view registrations.

    It still sees personal data only of the seminars whose host city's page its members may
    edit (see ``registrations_visible``).
    """
    from django.contrib.auth.models import Permission

    permission = Permission.objects.filter(
        content_type__app_label="cities_cms_registration", codename="view_registration"
    ).first()
    if permission is not None:
        group.permissions.add(permission)


def editor_group_name():
    from ..conf import settings

    return settings.CITIES_CMS_EDITOR_GROUP
