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
        _plug_into_the_core()


def _plug_into_the_core():
    """Endpoints, and what a received practice model shows (cities_cms.extensions)."""
    from cities_cms import extensions

    from .urls import urlpatterns

    extensions.add_urlpatterns(urlpatterns)
    extensions.add_provider("canonical_url", _original_url)
    extensions.add_provider("received_copies", _received_copies)
    extensions.add_fragment(
        "practice_model_page.header", "cities_cms_federation/fragments/practice_model_header.html"
    )


def _original_url(page):
    from .templatetags.cities_cms_federation import federated_copy

    copy = federated_copy(page)
    return copy.original_url if copy is not None else ""


def _received_copies():
    from .models import FederatedCopy

    return FederatedCopy.objects  # a manager: truthy without a query (extensions.first_value)
