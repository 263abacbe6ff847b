"""Registers the registration admin with Wagtail (views live in admin_views.py)."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views, dashboard


@hooks.register("register_admin_urls")
def register_admin_urls():
    urls = [
        path("", admin_views.RegistrationIndexView.as_view(), name="index"),
        path("erase/", admin_views.EraseView.as_view(), name="erase"),
        path(
            "seminar/<int:page_id>/",
            admin_views.SeminarRegistrationsView.as_view(),
            name="seminar",
        ),
        path(
            "seminar/<int:page_id>/settings/",
            admin_views.SettingsView.as_view(),
            name="settings",
        ),
        path(
            "seminar/<int:page_id>/export.<str:fmt>",
            admin_views.export,
            name="export",
        ),
        path(
            "seminar/<int:page_id>/<int:pk>/<str:action>/",
            admin_views.registration_action,
            name="action",
        ),
    ]
    return [
        path(
            "registrations/",
            include((urls, "cities_cms_registration"), namespace="cities_cms_registration"),
        )
    ]


@hooks.register("register_admin_menu_item")
def register_registrations_menu_item():
    return MenuItem(
        _("Registrations"), reverse("cities_cms_registration:index"), icon_name="group", order=460
    )


@hooks.register("cities_cms_periodic_tasks")
def periodic_tasks():
    """The retention purge, daily on the periodic schedule (``manage.py cities_cms_periodic``)."""
    from datetime import timedelta

    from ..tasks import Periodic
    from .tasks import purge_registrations

    return [Periodic("registration-retention-purge", timedelta(days=1), purge_registrations)]


# Upcoming seminars and their places left on everyone's dashboard (cities_cms.dashboard).
hooks.register("construct_homepage_panels", dashboard.construct_panels)
