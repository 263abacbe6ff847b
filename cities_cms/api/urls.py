"""The read API (Wagtail API v2), without a language prefix (included by cities_cms.urls)."""

urlpatterns = []
