# The site's texts leave the (untranslatable) branding settings for a translatable snippet.

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


def move_texts(apps, schema_editor):
    """The site name and footer text of each site's branding, as its texts in the default
    language (the only language they could be written in until now)."""
    BrandingSettings = apps.get_model("cities_cms", "BrandingSettings")
    BrandingText = apps.get_model("cities_cms", "BrandingText")
    Locale = apps.get_model("wagtailcore", "Locale")
    for branding in BrandingSettings.objects.all():
        if not (branding.site_name or branding.footer_text):
            continue
        locale, _created = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        BrandingText.objects.get_or_create(
            site_id=branding.site_id,
            locale=locale,
            defaults={"site_name": branding.site_name, "footer_text": branding.footer_text},
        )


def restore_texts(apps, schema_editor):
    BrandingSettings = apps.get_model("cities_cms", "BrandingSettings")
    BrandingText = apps.get_model("cities_cms", "BrandingText")
    for text in BrandingText.objects.filter(locale__language_code=settings.LANGUAGE_CODE):
        BrandingSettings.objects.filter(site_id=text.site_id).update(
            site_name=text.site_name, footer_text=text.footer_text
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cities_cms", "0003_practice_model_facet_index"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.CreateModel(
            name="BrandingText",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("translation_key", models.UUIDField(default=uuid.uuid4, editable=False)),
                (
                    "site_name",
                    models.CharField(
                        blank=True,
                        help_text="Shown next to the logo and in the browser's title bar. Leave empty to use the name of the site (Settings > Sites).",
                        max_length=120,
                        verbose_name="site name",
                    ),
                ),
                (
                    "footer_text",
                    models.TextField(blank=True, max_length=500, verbose_name="footer text"),
                ),
                (
                    "locale",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="wagtailcore.locale",
                        verbose_name="locale",
                    ),
                ),
                (
                    "site",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="wagtailcore.site",
                        verbose_name="site",
                    ),
                ),
            ],
            options={
                "verbose_name": "site texts",
                "verbose_name_plural": "site texts",
                "abstract": False,
                "constraints": [
                    models.UniqueConstraint(
                        fields=("site", "locale"), name="cities_cms_brandingtext_site_locale"
                    )
                ],
                "unique_together": {("translation_key", "locale")},
            },
        ),
        migrations.RunPython(move_texts, restore_texts),
        migrations.RemoveField(
            model_name="brandingsettings",
            name="footer_text",
        ),
        migrations.RemoveField(
            model_name="brandingsettings",
            name="site_name",
        ),
    ]
