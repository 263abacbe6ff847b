from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "cities_cms.federation"
    label = "cities_cms_federation"
    verbose_name = _("Federation")
    default_auto_field = "django.db.models.BigAutoField"
