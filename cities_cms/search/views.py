"""The search page and its autocomplete endpoint.

Bad input never reaches a backend: a query longer than ``CITIES_CMS_SEARCH_MAX_QUERY_LENGTH``
or an unknown facet value gives a 400 with the form's message and no results; a page number
that is not a number of an existing page gives a 404. Only words of the query are searched
(see ``cities_cms.search.text.query_terms``).

Neither is kept by the page cache (``Cache-Control: no-cache``): the search index is updated by
the task worker after a page is published, so an answer cached in between would miss that page
until the entry expired, and every query string would be an entry of its own.
"""

from urllib.parse import urlencode

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from wagtail.models import Locale

from .. import content_cache
from ..conf import settings
from ..pages.themes import theme_urls
from .forms import SearchForm
from .present import present
from .service import FACETS, SiteSearch, Vocabulary
from .text import query_terms


def _clean_query_dict(get):
    """The request's parameters without empty values (a form sent without JavaScript)."""
    data = QueryDict(mutable=True)
    for key in get:
        values = [value for value in get.getlist(key) if value.strip()]
        if values:
            data.setlist(key, values)
    return data


class _Toggles:
    """The links that add a facet value to the search or remove it: the request's parameters
    (without the page number) with that value toggled.

    The same query string as ``QueryDict.urlencode`` of the toggled copy, whose parameters
    other than the facet's are encoded once for all the values of the facets.
    """

    def __init__(self, data):
        self.encoding = data.encoding
        self.lists = {key: values for key, values in data.lists() if key != "page"}
        self.encoded = {
            key: [self._encode(key, value) for value in values]
            for key, values in self.lists.items()
        }

    def _encode(self, key, value):
        return urlencode({key.encode(self.encoding): str(value).encode(self.encoding)})

    def url(self, name, value):
        values = self.lists.get(name, [])
        toggled = [v for v in values if v != value] if value in values else [*values, value]
        pieces = []
        for key, encoded in self.encoded.items():
            pieces += encoded if key != name else [self._encode(name, v) for v in toggled]
        if name not in self.encoded:
            pieces += [self._encode(name, v) for v in toggled]
        return "?" + "&".join(pieces)


def _prepare_facets(facets, data, theme_pages):
    """What the template shows of each facet value, computed here once rather than by tags.

    Its link that adds or removes it, its checkbox's id, its count and the count for screen
    readers (the text of ``{% blocktranslate count %}``, whose message it uses), each count's
    texts computed once, and a theme's page (``theme_pages``: ``{key: url}``; ``theme_url``,
    "" for other values).
    """
    toggles = _Toggles(data)
    count_texts = {}
    for facet in facets:
        for number, value in enumerate(facet.values, start=1):
            value.url = toggles.url(facet.name, value.value)
            value.dom_id = f"cc-facet-{facet.name}-{number}"
            value.theme_url = theme_pages.get(value.value, "") if facet.name == "theme" else ""
            if value.count not in count_texts:
                count = localize(value.count)
                count_texts[value.count] = (
                    count,
                    mark_safe(  # noqa: S308 (a translation and digits)
                        ngettext("%(counter)s result", "%(counter)s results", value.count)
                        % {"counter": conditional_escape(count)}
                    ),
                )
            value.count_text, value.count_label = count_texts[value.count]


def _other_languages(query):
    current = translation.get_language()
    links = []
    for code in Locale.objects.values_list("language_code", flat=True).order_by("language_code"):
        if code == current:
            continue
        with translation.override(code):
            url = reverse("cities_cms_search")
        params = QueryDict(mutable=True)
        if query:
            params["q"] = query
        links.append({"code": code, "url": url + (f"?{params.urlencode()}" if query else "")})
    return links


def _active_locale():
    """``Locale.get_active()``, from the content cache (locales seldom change)."""
    return content_cache.get_or_compute(f"locale.{translation.get_language()}", Locale.get_active)


@require_safe
@cache_control(no_cache=True)
def search(request):
    locale = _active_locale()
    data = _clean_query_dict(request.GET)
    vocabulary = Vocabulary(locale)
    form = SearchForm(data or None, vocabulary=vocabulary)
    context = {
        "form": form,
        "query": "",
        "searched": False,
        "search_url": reverse("cities_cms_search"),
        "suggest_url": reverse("cities_cms_search_suggest"),
        "locale": locale,
    }
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        site_search = SiteSearch(locale, form.cleaned_data, vocabulary=vocabulary)
        if site_search.active:
            size = settings.CITIES_CMS_SEARCH_PAGE_SIZE
            number = _page_number(data.get("page"))
            if site_search.single_statement:
                # The results of the page, their number and the facets in one query.
                facets, total, ids = site_search.run((number - 1) * size, size)
                results = _Counted(ids, total, offset=(number - 1) * size)
                content_types = site_search.result_types
            else:
                content_types = None
                results = site_search.results()
                facets = site_search.facets(results)
                if site_search.database:
                    # The type facet counted every result: no separate count query.
                    results = _Counted(results, site_search.total)
            paginator = Paginator(results, size)
            try:
                page_obj = paginator.page(number)
            except (PageNotAnInteger, EmptyPage) as exc:
                raise Http404(gettext("There is no such page of results.")) from exc
            themes = next((f for f in facets if f.name == "theme"), None)
            theme_pages = theme_urls(request, locale)[1] if themes and themes.values else {}
            _prepare_facets(facets, data, theme_pages)
            query = form.cleaned_data["q"]
            words = query_terms(query, limit=10_000)
            without_page = data.copy()
            without_page.pop("page", None)
            clear_filters = QueryDict(mutable=True)
            if query:
                clear_filters["q"] = query
            context.update(
                {
                    "searched": True,
                    "query": query,
                    "words_ignored": len(words) > settings.CITIES_CMS_SEARCH_MAX_TERMS,
                    "max_terms": settings.CITIES_CMS_SEARCH_MAX_TERMS,
                    "page_obj": page_obj,
                    "paginator": paginator,
                    "results": present(
                        list(page_obj.object_list),
                        query,
                        request,
                        content_types,
                        languages=site_search.languages,
                    ),
                    "facets": facets,
                    "filters_active": any(form.cleaned_data.get(name) for name in FACETS),
                    "clear_filters_url": f"?{clear_filters.urlencode()}",
                    "query_without_page": without_page.urlencode(),
                }
            )
    if not context["searched"] or not context.get("results"):
        context["other_languages"] = _other_languages(context["query"])
    return render(request, "cities_cms/search/search.html", context, status=status)


@require_safe
@cache_control(no_cache=True)
def autocomplete(request):
    """Suggestions for what a visitor is typing: ``{"suggestions": [{title, url, kind}]}``.

    The titles of live, public pages in the current language that start with the words typed
    (the last one as a prefix).
    """
    query = request.GET.get("q", "")
    if len(query) > settings.CITIES_CMS_SEARCH_MAX_QUERY_LENGTH:
        return JsonResponse(
            {"error": gettext("The text to search for is too long."), "suggestions": []},
            status=400,
        )
    suggestions = []
    if query_terms(query):
        locale = _active_locale()
        site_search = SiteSearch(locale, {"q": query}, vocabulary=_NoVocabulary())
        limit = settings.CITIES_CMS_SEARCH_AUTOCOMPLETE_LIMIT
        pages, content_types = site_search.suggestions(limit)
        suggestions = [
            {"title": item["title"], "url": item["url"], "kind": str(item["kind_label"])}
            for item in present(pages, "", request, content_types, languages=site_search.languages)
        ]
    count = len(suggestions)
    # For screen readers, with the language's plural forms (the script cannot know them).
    summary = ngettext("%(count)s suggestion", "%(count)s suggestions", count) % {"count": count}
    return JsonResponse(
        {"query": query, "suggestions": suggestions, "summary": summary if count else ""}
    )


def _page_number(value):
    """The page number asked for (1 without one); a 404 for anything but a positive number."""
    if value is None:
        return 1
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 9 or int(value) < 1:
        raise Http404(gettext("There is no such page of results."))
    return int(value)


class _Counted:
    """Results whose number is already known, for the paginator (slices go to the results).

    With ``offset``, ``results`` is already the one page of results that starts there.
    """

    def __init__(self, results, count, offset=None):
        self.results = results
        self.total = count
        self.offset = offset

    def count(self):
        return self.total

    def __len__(self):
        return self.total

    def __getitem__(self, key):
        if self.offset is None:
            return self.results[key]
        if not isinstance(key, slice) or (key.start or 0) != self.offset:
            raise IndexError(key)
        return self.results[: (key.stop or self.total) - self.offset]


class _NoVocabulary:
    """The autocomplete endpoint has no facet filters, so it needs no labels."""

    themes = cities = city_keys_by_slug = {}
