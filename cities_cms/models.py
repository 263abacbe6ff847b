"""Django's model registry looks here; the models live in their own modules."""

from .branding import BrandingSettings
from .pages import *  # noqa: F403
from .pages import __all__ as _page_names
from .snippets import Organisation, Person, Theme

__all__ = ["BrandingSettings", "Organisation", "Person", "Theme", *_page_names]
