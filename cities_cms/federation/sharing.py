"""The editor's side of sharing: "Sharing with partners" for one practice model.

A page header button on practice models (not on received copies) opens a page that tells the
editor what partners receive (version, or why nothing is served: not shared, waiting for
network approval, too large, withdrawn) and holds the one per-page choice that is not a page
field: whether the contact person's name, job title and email go to partner sites.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Page

from ..pages import PracticeModelPage
from . import admin_views, outbound, records
from .models import OutboundRecord, SharedPage


class SharingForm(forms.ModelForm):
    class Meta:
        model = SharedPage
        fields = ["share_contact"]


def sharing_status(page) -> dict:
    """What partners get of ``page``'s practice model, in words an editor understands."""
    key = page.translation_key
    record = OutboundRecord.objects.filter(global_id=key).first()
    reason = outbound.withdrawal_reason(outbound.pages_of(str(key)))
    shared = SharedPage.objects.filter(translation_key=key).first()
    return {
        "record": record,
        "served": record is not None and not record.deleted,
        "reason": reason,
        "problem": shared.problem if shared else "",
        "problem_at": shared.problem_at if shared else None,
        "key_ready": records.federation_ready(),
    }


class SharingView(WagtailAdminTemplateMixin, FormView):
    template_name = "cities_cms_federation/admin/sharing.html"
    form_class = SharingForm
    header_icon = "site"

    def dispatch(self, request, *args, **kwargs):
        page = get_object_or_404(Page, pk=kwargs["page_id"]).specific
        if not isinstance(page, PracticeModelPage) or admin_views.copy_of(page) is not None:
            raise Http404
        if not page.permissions_for_user(request.user).can_edit():
            return admin_views.forbidden(
                request, _("You may not edit this practice model, so you may not change it.")
            )
        self.page = page
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Sharing “%(title)s” with partners") % {
            "title": self.page.get_admin_display_title()
        }

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_form_kwargs(self):
        instance, _created = SharedPage.objects.get_or_create(
            translation_key=self.page.translation_key
        )
        return {**super().get_form_kwargs(), "instance": instance}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "page": self.page,
            "status": sharing_status(self.page),
        }

    def form_valid(self, form):
        form.save()
        if records.federation_ready():
            records.refresh(self.page.translation_key)
        messages.success(self.request, _("Sharing settings saved."))
        return redirect("cities_cms_federation_sharing:sharing", self.page.pk)


@hooks.register("register_admin_urls")
def register_sharing_urls():
    urls = [path("<int:page_id>/", SharingView.as_view(), name="sharing")]
    return [
        path(
            "federation/sharing/",
            include(
                (urls, "cities_cms_federation_sharing"), namespace="cities_cms_federation_sharing"
            ),
        )
    ]


@hooks.register("register_page_header_buttons")
def sharing_button(page, user, view_name=None, next_url=None):
    from wagtail.admin.widgets import Button

    page = page.specific_deferred if hasattr(page, "specific_deferred") else page
    if not isinstance(page, PracticeModelPage) or admin_views.copy_of(page) is not None:
        return
    if page.permissions_for_user(user).can_edit():
        yield Button(
            _("Sharing with partners"),
            reverse("cities_cms_federation_sharing:sharing", args=[page.pk]),
            icon_name="site",
            priority=60,
        )
