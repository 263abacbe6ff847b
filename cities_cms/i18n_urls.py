"""URLs of cities_cms that exist once per language: include inside ``i18n_patterns``.

See ``cities_cms.urls`` for how a site includes both modules.
"""

from django.urls import include, path

urlpatterns = [
    path("", include("cities_cms.search.urls")),
    path("", include("cities_cms.syndication.i18n_urls")),
]
