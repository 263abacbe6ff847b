"""Registrations with Wagtail: snippets, admin URLs and menu items."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from . import dashboard
from .branding import BrandingText
from .snippets import Organisation, Person, Theme
from .translation import drafts as translation_drafts
from .translation.groups import LocalePermissionPolicy
from .translation.views import (
    ExchangeView,
    MachineDraftView,
    SubmitForReviewView,
    TranslationStatusView,
)
from .viewsets import CitiesSnippetGroup

# Translators change snippets in their own locale only (see translation/groups.py).
for _model in (Theme, Organisation, Person, BrandingText):
    register_permission_policy(_model, LocalePermissionPolicy(_model))
register_snippet(CitiesSnippetGroup)


@hooks.register("register_admin_urls")
def register_admin_urls():
    urls = [
        path("translations/", TranslationStatusView.as_view(), name="translation_status"),
        path("translations/draft/<int:page_id>/", MachineDraftView.as_view(), name="machine_draft"),
        path("translations/exchange/", ExchangeView.as_view(), name="translation_exchange"),
        path(
            "translations/submit/<int:page_id>/",
            SubmitForReviewView.as_view(),
            name="submit_for_review",
        ),
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


def _machine_draft_button(page, user, priority):
    from wagtail.admin.widgets import Button
    from wagtail_localize.machine_translators import get_machine_translator

    if (
        page.depth > 1
        and get_machine_translator() is not None
        and user.has_perm("wagtail_localize.submit_translation")
    ):
        yield Button(
            _("Machine-draft translations"),
            reverse("cities_cms:machine_draft", args=[page.pk]),
            icon_name="globe",
            priority=priority,
        )


@hooks.register("register_page_header_buttons")
def page_header_buttons(page, user, view_name=None, next_url=None):
    yield from _machine_draft_button(page, user, priority=45)


@hooks.register("register_page_listing_more_buttons")
def page_listing_more_buttons(page, user, next_url=None):
    yield from _machine_draft_button(page, user, priority=45)


# Before wagtail-localize's own hook, which offers to start a translation of any alias.
hooks.register("before_edit_page", translation_drafts.edit_translation_draft, order=-5)
hooks.register("register_log_actions", translation_drafts.register_log_actions)


@hooks.register("before_edit_snippet")
def only_translators_of_the_locale(request, instance):
    """Wagtail's edit view checks model permissions; translators are limited per instance."""
    from wagtail.admin.auth import permission_denied

    if isinstance(instance, Theme | Organisation | Person | BrandingText):
        policy = LocalePermissionPolicy(type(instance))
        if not policy.user_has_permission_for_instance(request.user, "change", instance):
            return permission_denied(request)
    return None


@hooks.register("before_serve_page")
def only_the_sites_languages(page, request, serve_args, serve_kwargs):
    """/fr/... on a site without French pages: 404, not the default language's page."""
    from django.http import Http404

    from .languages import language_is_served

    if not language_is_served():
        raise Http404("This site has no pages in this language.")


# The dashboard for each role (cities_cms.dashboard); the optional apps add their own panels.
hooks.register("construct_homepage_summary_items", dashboard.construct_summary_items)
hooks.register("construct_homepage_panels", dashboard.construct_panels)


@hooks.register("insert_global_admin_css")
def admin_css():
    from django.templatetags.static import static
    from django.utils.html import format_html

    return format_html('<link rel="stylesheet" href="{}">', static("cities_cms/css/admin.css"))
