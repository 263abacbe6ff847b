"""Per-site branding: logo and colours (Settings > Branding), and the site's texts.

The texts a visitor reads in the page's language (the site's name beside the logo and in the
window title, the footer text) are a translatable snippet, ``BrandingText``: one per site and
language, translated like any snippet (wagtail-localize, translator groups).
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import TranslatableMixin

try:  # wagtail-localize is a hard requirement, but field declarations stay importable without it
    from wagtail_localize.fields import SynchronizedField, TranslatableField
except ImportError:  # pragma: no cover
    SynchronizedField = TranslatableField = None

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def relative_luminance(hex_colour):
    """WCAG 2.1 relative luminance of an ``#rrggbb`` colour."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first, second):
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def validate_brand_colour(value):
    """A brand colour carries white text and links on white: it needs 4.5:1 against white."""
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError(_("Use a colour in the form #1a5c8e."), code="invalid")
    ratio = contrast_ratio(value, "#ffffff")
    if ratio < 4.5:
        raise ValidationError(
            _(
                "This colour has a contrast of %(ratio).1f:1 with white; WCAG 2.1 AA needs at "
                "least 4.5:1. Choose a darker shade."
            ),
            params={"ratio": ratio},
            code="low_contrast",
        )


@register_setting(icon="image")
class BrandingSettings(BaseSiteSetting):
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    primary_colour = models.CharField(
        _("primary colour"),
        max_length=7,
        default="#1a4f7a",
        validators=[validate_brand_colour],
        help_text=_("Header, buttons and links. Must contrast 4.5:1 with white."),
    )
    accent_colour = models.CharField(
        _("accent colour"),
        max_length=7,
        default="#8a3b12",
        validators=[validate_brand_colour],
        help_text=_("Highlights and focus outlines. Must contrast 4.5:1 with white."),
    )
    panels = [
        HelpPanel(
            content=_(
                "The site's name and footer text are edited, and translated, under Network > "
                "Site texts."
            )
        ),
        FieldPanel("logo"),
        FieldPanel("primary_colour"),
        FieldPanel("accent_colour"),
    ]

    class Meta:
        verbose_name = _("branding")
        verbose_name_plural = _("branding")

    @classmethod
    def base_queryset(cls):
        return super().base_queryset().select_related("logo")

    @classmethod
    def for_request(cls, request):
        """The site's branding for public pages, with its logo, from the content cache.

        Wagtail's own ``for_request`` reads it (and then the logo) on every request, and
        creates the row when there is none. The admin edits the row itself (``for_site``);
        saving it forgets the cached copy.
        """
        from wagtail.models import Site

        from .content_cache import get_or_compute

        attr_name = cls.get_cache_attr_name()
        if hasattr(request, attr_name):
            return getattr(request, attr_name)
        site = Site.find_for_request(request)
        if site is None:
            return super().for_request(request)

        def compute():
            # Unlike for_site, a page view writes nothing: without a row, the defaults.
            return cls.base_queryset().filter(site=site).first() or cls(site=site)

        instance = get_or_compute(f"branding.{site.pk}", compute)
        instance._request = request
        setattr(request, attr_name, instance)
        return instance


class BrandingText(TranslatableMixin, models.Model):
    """The site's name and footer text in one language (a translatable snippet)."""

    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    site_name = models.CharField(
        _("site name"),
        max_length=120,
        blank=True,
        help_text=_(
            "Shown next to the logo and in the browser's title bar. Leave empty to use the "
            "name of the site (Settings > Sites)."
        ),
    )
    footer_text = models.TextField(_("footer text"), blank=True, max_length=500)

    panels = [FieldPanel("site"), FieldPanel("site_name"), FieldPanel("footer_text")]
    override_translatable_fields = [
        SynchronizedField("site"),
        TranslatableField("site_name"),
        TranslatableField("footer_text"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("site texts")
        verbose_name_plural = _("site texts")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "locale"], name="cities_cms_brandingtext_site_locale"
            )
        ]

    def __str__(self):
        return self.site_name or str(self.site)


def site_texts(site, locale):
    """``{"site_name", "footer_text", "lang"}`` of ``site`` in ``locale``'s language.

    A text not written in that language falls back to the default language's (then ``lang``
    names that language, for a ``lang`` attribute), and the name to the Wagtail site's name.
    Kept in the content cache: every public page asks for it.
    """
    from django.conf import settings as django_settings

    from .content_cache import get_or_compute

    result = {"site_name": "", "site_name_lang": "", "footer_text": "", "footer_text_lang": ""}
    if site is None:
        return {**result, "site_name": getattr(django_settings, "WAGTAIL_SITE_NAME", "")}

    def compute():
        rows = BrandingText.objects.filter(site=site).values_list(
            "locale_id", "locale__language_code", "site_name", "footer_text"
        )
        return {locale_id: (code, name, footer) for locale_id, code, name, footer in rows}

    texts = get_or_compute(f"branding-texts.{site.pk}", compute)
    default_code = django_settings.LANGUAGE_CODE
    own = texts.get(getattr(locale, "pk", None))
    fallback = next((row for row in texts.values() if row[0] == default_code), None)
    for field, position in (("site_name", 1), ("footer_text", 2)):
        for row in (own, fallback):
            if row is not None and row[position]:
                result[field] = row[position]
                result[f"{field}_lang"] = row[0]
                break
    if not result["site_name"]:
        result["site_name"] = site.site_name or getattr(django_settings, "WAGTAIL_SITE_NAME", "")
        result["site_name_lang"] = default_code
    here = getattr(locale, "language_code", None)
    for field in ("site_name", "footer_text"):
        # Only a text in another language than the page needs a lang attribute.
        if result[f"{field}_lang"] == here:
            result[f"{field}_lang"] = ""
    return result
