"""Language-prefixed URLs of the search page (included by cities_cms.i18n_urls)."""

from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.search, name="cities_cms_search"),
    path("search/suggest/", views.autocomplete, name="cities_cms_search_suggest"),
]
