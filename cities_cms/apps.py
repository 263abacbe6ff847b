from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitiesCmsConfig(AppConfig):
    name = "cities_cms"
    label = "cities_cms"
    verbose_name = _("Cities network")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.signals import page_published

        from . import checks, page_cache  # noqa: F401  (register the system checks)
        from .content_cache import connect_signals
        from .privacy import connect_signals as keep_privacy_in_every_language
        from .translation.aliases import connect_signals as delete_aliases_with_their_source
        from .translation.drafts import publish_translation_draft
        from .translation.fields import on_page_published

        page_published.connect(on_page_published, dispatch_uid="cities_cms_sync_m2m")
        # A translation draft saved on an alias turns it into the translation when published.
        page_published.connect(publish_translation_draft, dispatch_uid="cities_cms_draft_alias")
        connect_signals()
        keep_privacy_in_every_language()
        delete_aliases_with_their_source()
