"""The "Registration" tab of the seminar editor: a link to the seminar's registration admin.

Registration settings live in this app's own table (not in page revisions), so the tab shows
where to edit them, with the current counts, rather than form fields.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import ObjectList, Panel


class RegistrationPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "cities_cms_registration/admin/panel.html"

        def get_context_data(self, parent_context=None):
            from .admin_views import state_sentence
            from .models import RegistrationSettings

            context = super().get_context_data(parent_context)
            page = self.instance
            context["saved"] = bool(page and page.pk)
            settings = RegistrationSettings.for_seminar(page) if context["saved"] else None
            context["reg_settings"] = settings
            context["counts"] = settings.counts() if settings else None
            context["state_sentence"] = state_sentence(settings.state()) if settings else None
            return context


def registration_tab():
    """The seminar editor's "Registration" tab (added from RegistrationConfig.ready())."""
    return ObjectList([RegistrationPanel()], heading=_("Registration"))
