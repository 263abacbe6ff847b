"""Registrations with Wagtail: snippets and admin features."""

from wagtail.snippets.models import register_snippet

from .viewsets import CitiesSnippetGroup

register_snippet(CitiesSnippetGroup)
