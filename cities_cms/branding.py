"""Per-site branding: logo, name and colours, edited in Settings > Branding."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

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
    site_name = models.CharField(
        _("site name"),
        max_length=120,
        blank=True,
        help_text=_("Shown next to the logo. Leave empty to use the site's name."),
    )
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
    footer_text = models.TextField(_("footer text"), blank=True, max_length=500)

    panels = [
        FieldPanel("site_name"),
        FieldPanel("logo"),
        FieldPanel("primary_colour"),
        FieldPanel("accent_colour"),
        FieldPanel("footer_text"),
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
