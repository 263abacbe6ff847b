from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitiesCmsConfig(AppConfig):
    name = "cities_cms"
    label = "cities_cms"
    verbose_name = _("Cities network")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
