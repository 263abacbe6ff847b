"""Registrations with Wagtail: snippets, admin URLs and menu items."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet

from .translation.views import TranslationStatusView
from .viewsets import CitiesSnippetGroup

register_snippet(CitiesSnippetGroup)


@hooks.register("register_admin_urls")
def register_admin_urls():
    urls = [
        path("translations/", TranslationStatusView.as_view(), name="translation_status"),
    ]
    return [path("cities-cms/", include((urls, "cities_cms"), namespace="cities_cms"))]


@hooks.register("register_admin_menu_item")
def register_translation_status_menu_item():
    return MenuItem(
        _("Translation status"),
        reverse("cities_cms:translation_status"),
        icon_name="globe",
        order=450,
    )
