"""Language-prefixed URLs of the RSS and Atom feeds (included by cities_cms.i18n_urls)."""

urlpatterns = []
