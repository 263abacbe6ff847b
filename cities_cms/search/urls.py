"""Language-prefixed URLs of the search page (included by cities_cms.i18n_urls)."""

urlpatterns = []
