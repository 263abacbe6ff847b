"""Admin viewsets: the network's snippets grouped under one menu item."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .branding import BrandingText
from .snippets import Organisation, Person, Theme


class ThemeViewSet(SnippetViewSet):
    model = Theme
    icon = "tag"
    list_display = ["name", "key", "locale"]
    search_fields = ["name"]
    ordering = ["sort_order", "name"]


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    icon = "group"
    list_display = ["name", "kind", "country"]
    list_filter = ["kind"]
    search_fields = ["name"]


class PersonViewSet(SnippetViewSet):
    model = Person
    icon = "user"
    list_display = ["name", "job_title", "organisation"]
    search_fields = ["name"]


class BrandingTextViewSet(SnippetViewSet):
    model = BrandingText
    icon = "doc-full"
    menu_label = _("Site texts")
    list_display = ["site_name", "site", "locale"]
    list_filter = ["site"]


class CitiesSnippetGroup(SnippetViewSetGroup):
    items = (ThemeViewSet, OrganisationViewSet, PersonViewSet, BrandingTextViewSet)
    menu_icon = "site"
    menu_label = _("Network")
    menu_name = "cities_cms_network"
