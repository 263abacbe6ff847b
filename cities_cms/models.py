"""Django's model registry looks here; the models live in their own modules."""

from .branding import BrandingSettings, BrandingText
from .pages import *  # noqa: F403
from .pages import __all__ as _page_names
from .snippets import Organisation, Person, Theme
from .translation.groups import TranslatorGroup
from .workflows import NetworkApprovalTask

__all__ = [
    "BrandingSettings",
    "BrandingText",
    "NetworkApprovalTask",
    "Organisation",
    "Person",
    "Theme",
    "TranslatorGroup",
    *_page_names,
]
