"""Registration for seminars: capacity, waiting list, personal data handled lawfully."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def _grant_on_group_created(sender, instance, created, raw=False, **kwargs):
    from .models import editor_group_name, grant_editor_permissions

    if created and not raw and instance.name == editor_group_name():
        grant_editor_permissions(instance)


def _grant_after_migrate(sender, **kwargs):
    from django.contrib.auth.models import Group

    from .models import editor_group_name, grant_editor_permissions

    group = Group.objects.filter(name=editor_group_name()).first()
    if group is not None:
        grant_editor_permissions(group)


class RegistrationConfig(AppConfig):
    name = "cities_cms.registration"
    label = "cities_cms_registration"
    verbose_name = _("Seminar registration")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.models import Group

        from cities_cms import content_cache

        from .models import Registration, RegistrationSettings

        # A registration changes the places left that the seminar page shows (page cache).
        content_cache.watch(Registration)
        content_cache.watch(RegistrationSettings)

        # The setup command creates the "City editors" group; its members may view the
        # registrations of their host city's seminars (see models.registrations_visible).
        post_save.connect(_grant_on_group_created, sender=Group, dispatch_uid="cc_reg_grant")
        post_migrate.connect(_grant_after_migrate, sender=self, dispatch_uid="cc_reg_migrate")
        _plug_into_the_core()


def _plug_into_the_core():
    """The seminar page's registration box, routes and editor tab (cities_cms.extensions)."""
    from cities_cms import extensions
    from cities_cms.pages import SeminarPage

    from . import views
    from .panels import registration_tab

    extensions.add_edit_tab(SeminarPage, registration_tab())
    extensions.add_page_context(
        "seminar", lambda page, request: {"registration": views.box_context(page)}
    )
    extensions.add_fragment(
        "seminar_page.registration", "cities_cms_registration/fragments/seminar_box.html"
    )
    extensions.add_page_view("seminar.register", views.register)
    extensions.add_page_view("seminar.cancel", views.cancel)
