"""Registrations of the federation with Wagtail's admin (views are in admin_views.py)."""

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


class FederationMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.can_manage_peers(request.user)


@hooks.register("register_admin_urls")
def register_admin_urls():
    urls = [
        path("", admin_views.PeerIndexView.as_view(), name="peers"),
        path("add/", admin_views.AddPeerView.as_view(), name="add_peer"),
        path("<int:pk>/", admin_views.PeerDetailView.as_view(), name="peer"),
        path("<int:pk>/remove/", admin_views.RemovePeerView.as_view(), name="remove_peer"),
        path("<int:pk>/<slug:action>/", admin_views.PeerActionView.as_view(), name="peer_action"),
        path(
            "copies/<int:page_id>/detach/",
            admin_views.DetachCopyView.as_view(),
            name="detach_copy",
        ),
    ]
    return [
        path(
            "federation/",
            include((urls, "cities_cms_federation"), namespace="cities_cms_federation"),
        )
    ]


@hooks.register("register_admin_menu_item")
def register_federation_menu_item():
    return FederationMenuItem(
        _("Federation"), reverse("cities_cms_federation:peers"), icon_name="site", order=460
    )


@hooks.register("register_permissions")
def register_permissions():
    return Permission.objects.filter(
        content_type__app_label="cities_cms_federation", codename="manage_peers"
    )


# Runs before wagtail-localize's own hook, which would open its translation editor.
@hooks.register("before_edit_page", order=-10)
def received_copies_are_read_only(request, page):
    copy = admin_views.copy_of(page)
    if copy is None or copy.detached:
        return None
    return TemplateResponse(
        request,
        "cities_cms_federation/admin/read_only_copy.html",
        {
            "page": page,
            "copy": copy,
            "page_title": page.get_admin_display_title(),
            "header_icon": "link-external",
            "can_detach": page.permissions_for_user(request.user).can_edit(),
            "detach_url": reverse("cities_cms_federation:detach_copy", args=[page.pk]),
        },
        # A POST (an attempt to save) is refused; a GET explains why.
        status=403 if request.method == "POST" else 200,
    )


@hooks.register("register_page_header_buttons")
def detach_button(page, user, view_name=None, next_url=None):
    from wagtail.admin.widgets import Button

    if admin_views.is_read_only_copy(page) and page.permissions_for_user(user).can_edit():
        yield Button(
            _("Detach from its origin"),
            reverse("cities_cms_federation:detach_copy", args=[page.pk]),
            icon_name="link-external",
            priority=50,
        )


@hooks.register("cities_cms_periodic_tasks")
def periodic_tasks():
    """The federation's part of the periodic schedule (``manage.py cities_cms_periodic``)."""
    from ..conf import settings
    from ..tasks import Periodic
    from .push import push_task
    from .tasks import sync_due_task

    return [
        # Retries of failed notifications: push_due sends only those whose back-off is over.
        Periodic("federation-push-retries", timedelta(minutes=1), push_task),
        Periodic(
            "federation-pull",
            timedelta(seconds=settings.CITIES_CMS_FEDERATION_SYNC_INTERVAL),
            sync_due_task,
        ),
    ]


# The editor's "Sharing with partners" page of a practice model and the coordinators'
# dashboard panel (peers that need attention) register their own hooks.
from . import dashboard, sharing  # noqa: E402, F401
