"""Federation endpoints without a language prefix (included by cities_cms.urls)."""

urlpatterns = []
