"""Translatable snippets: themes, organisations and people."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from wagtail.admin.panels import FieldPanel
from wagtail.models import TranslatableMixin
from wagtail.search import index

try:  # wagtail-localize is a hard requirement, but field declarations stay importable without it
    from wagtail_localize.fields import SynchronizedField, TranslatableField
except ImportError:  # pragma: no cover
    SynchronizedField = TranslatableField = None


class Theme(TranslatableMixin, index.Indexed, models.Model):
    """A strategic theme of the network (strategic planning, housing, ...).

    ``key`` is the same in every language and on every instance of the network, so
    federated practice models can be mapped onto local themes.
    """

    key = models.SlugField(
        _("key"),
        max_length=64,
        help_text=_("Stable identifier, the same in every language and on every partner site."),
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("key"),
        FieldPanel("description"),
        FieldPanel("sort_order"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.FilterField("locale_id"),
    ]
    override_translatable_fields = [
        SynchronizedField("key"),
        SynchronizedField("sort_order"),
        TranslatableField("name"),
        TranslatableField("description"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["key", "locale"], name="cities_cms_theme_key_locale")
        ]

    def __str__(self):
        return self.name

    @classmethod
    def for_locale(cls, locale):
        """Themes by key in ``locale``, falling back to the default locale's: one query."""
        from wagtail.models import Locale

        default = Locale.get_default()
        by_key = {}
        for theme in cls.objects.filter(locale_id__in={locale.pk, default.pk}):
            if theme.locale_id == locale.pk or theme.key not in by_key:
                by_key[theme.key] = theme
        return dict(sorted(by_key.items(), key=lambda item: (item[1].sort_order, item[1].name)))


class Organisation(TranslatableMixin, index.Indexed, models.Model):
    """A university, business, NGO or public body that takes part in the network's work."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        UNIVERSITY = "university", _("University or research institute")
        BUSINESS = "business", _("Business")
        NGO = "ngo", _("Non-governmental organisation")
        PUBLIC_BODY = "public_body", _("Other public body")
        CITIZENS = "citizens", _("Citizens' group")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    country = CountryField(_("country"), blank=True)
    website = models.URLField(_("website"), blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("country"),
        FieldPanel("website"),
        FieldPanel("logo"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]
    override_translatable_fields = [
        TranslatableField("name"),
        SynchronizedField("kind"),
        SynchronizedField("country"),
        SynchronizedField("website"),
        SynchronizedField("logo"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Person(TranslatableMixin, index.Indexed, models.Model):
    """A contact person. Their details appear on public pages only where an editor puts them."""

    name = models.CharField(_("name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("job_title"),
        FieldPanel("organisation"),
        FieldPanel("email"),
        FieldPanel("phone"),
        FieldPanel("photo"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]
    override_translatable_fields = [
        SynchronizedField("name"),
        TranslatableField("job_title"),
        SynchronizedField("organisation"),
        SynchronizedField("email"),
        SynchronizedField("phone"),
        SynchronizedField("photo"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name"]

    def __str__(self):
        return self.name
