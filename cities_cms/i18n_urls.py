"""URLs of cities_cms that exist once per language: include inside ``i18n_patterns``.

See ``cities_cms.urls`` for how a site includes both modules.
"""

from django.urls import URLPattern, include, path

from .languages import require_served_language


def _served_languages_only(patterns):
    """The views of ``patterns`` answer 404 for a language the site has no locale for."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = require_served_language(pattern.callback)
        else:
            _served_languages_only(pattern.url_patterns)
    return patterns


urlpatterns = _served_languages_only(
    [
        path("", include("cities_cms.search.urls")),
        path("", include("cities_cms.syndication.i18n_urls")),
    ]
)
