from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationConfig(AppConfig):
    name = "cities_cms.registration"
    label = "cities_cms_registration"
    verbose_name = _("Seminar registration")
    default_auto_field = "django.db.models.BigAutoField"
