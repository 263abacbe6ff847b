"""Abstract behaviour shared by the page types.

A site with its own base page combines these with it, e.g.
``class MySeminarPage(AbstractSeminarPage, MyBasePage)``; the concrete page types of the
package combine them with Wagtail's ``Page``.
"""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import models
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList, TabbedInterface
from wagtail.fields import RichTextField
from wagtail.search import index

from .. import content_cache
from ..blocks import RICH_TEXT_FEATURES
from ..conf import settings


class Lazy:
    """A context value computed when a template first reads it, once (templates call a
    callable). For what only parts rendered once per content generation show
    (``{% shared_fragment %}``): a request that finds them rendered skips the queries.
    """

    _unset = object()

    def __init__(self, compute):
        self._compute, self._value = compute, self._unset

    def __call__(self):
        if self._value is self._unset:
            self._value = self._compute()
        return self._value


class LazyList(Lazy):
    """A ``Lazy`` list that Python code can use as a list too (iterate, count, index)."""

    def __iter__(self):
        return iter(self())

    def __len__(self):
        return len(self())

    def __bool__(self):
        return bool(self())

    def __getitem__(self, index):
        return self()[index]


class CachedViewRestrictionsMixin:
    """Wagtail's view-restriction check on serving, without its queries on public pages.

    Wagtail asks ``get_view_restrictions()`` on every request (two queries, more for an
    alias); the subtrees it would find restricted are cached with the content
    (``content_cache.restricted_sections``), so a page outside them answers with no query and
    a page inside them still gets Wagtail's own check.
    """

    def get_view_restrictions(self):
        if content_cache.is_restricted(self):
            return super().get_view_restrictions()
        from wagtail.models import PageViewRestriction

        return PageViewRestriction.objects.none()


class SummaryMixin(CachedViewRestrictionsMixin, models.Model):
    """A short summary and an image used on cards, listings and in link previews."""

    summary = models.TextField(
        _("summary"),
        max_length=400,
        blank=True,
        help_text=_("One or two sentences shown on cards and listings, and to search engines."),
    )
    listing_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("listing image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown on cards and listings."),
    )

    summary_panels = [FieldPanel("summary"), FieldPanel("listing_image")]
    search_fields = [index.SearchField("summary")]

    class Meta:
        abstract = True

    def get_meta_description(self):
        return self.search_description or self.summary


def tabbed(content, details=None, promote=None, settings_panels=None):
    """Build the admin's tabs: content, details, promote, settings (empty tabs dropped)."""
    tabs = [ObjectList(content, heading=_("Content"))]
    if details:
        tabs.append(ObjectList(details, heading=_("Details")))
    if promote:
        tabs.append(ObjectList(promote, heading=_("Promote")))
    if settings_panels:
        tabs.append(ObjectList(settings_panels, heading=_("Settings"), classname="settings"))
    return TabbedInterface(tabs)


class FilteredListingMixin:
    """A page that lists other pages with filters and pagination.

    Subclasses define ``filterset_class`` and ``get_listing_queryset(request)``. Invalid filter
    values give a 400 response with the form's errors and no results; page numbers out of
    range give a 404. Both are clear to the visitor and change nothing.

    ``cache_unfiltered_listing``: the listing without filters depends on the content only
    (not on the time or the visitor), so its order is cached with the content.

    A page of results is found as ids (the unfiltered order from the cache, else the ids of
    the filtered query); the items themselves are read when the template first asks for
    them (``LazyList``). ``listing_keys`` (those ids, when the address has no other parameter
    than the filters and the page) lets the template share the results' HTML, which then
    depends on the content only (``{% shared_fragment ... when listing_keys %}``).
    """

    cache_unfiltered_listing = False

    filterset_class = None
    listing_context_name = "items"

    def get_listing_queryset(self, request):
        raise NotImplementedError

    def get_listing_page_size(self):
        return settings.CITIES_CMS_LISTING_PAGE_SIZE

    def paginate(self, request, queryset):
        paginator = Paginator(queryset, self.get_listing_page_size())
        try:
            return paginator.page(request.GET.get("page") or 1)
        except (PageNotAnInteger, EmptyPage) as exc:
            raise Http404(_("There is no such page of results.")) from exc

    def get_listing_context(self, request):
        queryset = self.get_listing_queryset(request)
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(request.GET or None, queryset=queryset, page=self)
            queryset = (
                filterset.qs
                if filterset.is_bound and filterset.is_valid()
                else (queryset if not filterset.is_bound else queryset.none())
            )
        filtered = filterset is not None and any(request.GET.get(n) for n in filterset.filters)
        if self.cache_unfiltered_listing and self.pk and not filtered:
            # The unfiltered listing's order is cached with the content: a request reads one
            # page of items by key instead of counting and sorting all of them.
            keys = content_cache.get_or_compute(
                f"listing.{self.pk}", lambda: list(queryset.values_list("pk", flat=True))
            )
            page_obj = self.paginate(request, keys)
        else:
            page_obj = self.paginate(request, queryset.values_list("pk", flat=True))
        keys = list(page_obj.object_list)
        items = LazyList(lambda: self.prepare_listing_items(self._items(queryset, keys)))
        page_obj.object_list = items
        query = request.GET.copy()
        query.pop("page", None)
        known = {"page", *(filterset.filters if filterset is not None else ())}
        return {
            "filterset": filterset,
            "filter_form": filterset.form if filterset is not None else None,
            "filters_active": filtered,
            "page_obj": page_obj,
            "paginator": page_obj.paginator,
            self.listing_context_name: items,
            "query_without_page": query.urlencode(),
            "listing_keys": tuple(keys) if set(request.GET) <= known else None,
        }

    @staticmethod
    def _items(queryset, keys):
        found = {item.pk: item for item in queryset.filter(pk__in=keys)}
        return [found[pk] for pk in keys if pk in found]

    def prepare_listing_items(self, items):
        """Hook to attach data to the items of one page of results (without extra queries)."""
        return items

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(self.get_listing_context(request))
        return context

    def serve(self, request, *args, **kwargs):
        # A filter form sent without JavaScript carries every field, even empty ones: redirect
        # to the short address, which is the one to bookmark and share. "when=" stays: on
        # seminar listings it means "all dates".
        view = args[0] if args else kwargs.get("view")  # routable pages pass their sub-view
        if request.method == "GET" and getattr(view, "__name__", "index_route") == "index_route":
            kept = [(k, v) for k, v in request.GET.items() if v or k == "when"]
            if len(kept) != len(request.GET):
                query = urlencode(kept)
                return redirect(request.path + (f"?{query}" if query else ""))
        response = super().serve(request, *args, **kwargs)
        form = getattr(response, "context_data", None) and response.context_data.get("filter_form")
        if form is not None and form.is_bound and form.errors:
            response.status_code = 400
        return response


class AbstractListingPage(CachedViewRestrictionsMixin, FilteredListingMixin, models.Model):
    """An index page with an introduction above its filtered, paginated listing."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [FieldPanel("intro")]
    search_fields = [index.SearchField("intro")]

    class Meta:
        abstract = True
