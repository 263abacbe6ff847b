from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "cities_cms.federation"
    label = "cities_cms_federation"
    verbose_name = _("Federation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, records  # noqa: F401 - checks register themselves

        records.connect()

        from cities_cms import content_cache

        from .models import FederatedCopy, FederatedMedia

        # Attribution and the "shared by partner cities" lists show what these hold.
        content_cache.watch(FederatedCopy)
        content_cache.watch(FederatedMedia)

        from . import push, signals

        signals.outbound_changed.connect(push.on_outbound_changed, dispatch_uid="cc_fed_push")
