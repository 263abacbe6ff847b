"""The read API (Wagtail API v2), without a language prefix (included by cities_cms.urls).

``/api/v2/cities/``, ``/api/v2/seminars/``, ``/api/v2/practice-models/`` and ``/api/v2/pages/``
(every published page); see docs/api.md.
"""

from django.urls import path
from wagtail.api.v2.router import WagtailAPIRouter

from .views import CitiesViewSet, PracticeModelsViewSet, PublishedPagesViewSet, SeminarsViewSet

api_router = WagtailAPIRouter("cities_cms_api")
# The typed endpoints first: a page's detail_url points to the first endpoint of its model.
api_router.register_endpoint("cities", CitiesViewSet)
api_router.register_endpoint("seminars", SeminarsViewSet)
api_router.register_endpoint("practice-models", PracticeModelsViewSet)
api_router.register_endpoint("pages", PublishedPagesViewSet)

urlpatterns = [path("api/v2/", api_router.urls)]
