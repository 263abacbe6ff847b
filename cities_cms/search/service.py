"""Searching the site's public pages in one language, with facets.

With cities_cms's database backends, ``SiteSearch(locale, cleaned_data).run(offset, limit)``
returns the facets with their counts, the number of results and the ids of one page of
results, all from one SQL statement. With other backends (Elasticsearch) ``results()`` is a
lazy, sliceable result set for a paginator and ``facets(results)`` counts with one aggregate
query per facet over a bounded list of ids (the first ``FACET_WINDOW`` matches). Either way
the number of database queries does not depend on the number of results.
"""

import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, FloatField, Q, Value
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from .. import content_cache
from ..pages import CityPage, PracticeModelPage, SeminarPage
from ..pages.practice import PracticeStatus
from .languages import aliases, query_languages
from .statement import MATCHES, facet_parts, supports_materialized, text_cast
from .statement import content_types as _content_types
from .text import query_terms

# The statement of ``run`` (noqa: S608) joins constants and SQL compiled by Django; every
# value, the visitor's words included, is a parameter.

FACETS = ("type", "theme", "city", "country", "status", "year")
FACET_WINDOW = 1000

TYPE_LABELS = {
    "city": _("Cities"),
    "seminar": _("Seminars"),
    "practice_model": _("Practice models"),
    "other": _("Other pages"),
}
# What one result is, shown beside it.
KIND_LABELS = {
    "city": _("City"),
    "seminar": _("Seminar"),
    "practice_model": _("Practice model"),
    "other": _("Page"),
}
FACET_LABELS = {
    "type": _("Type"),
    "theme": _("Theme"),
    "city": _("City"),
    "country": _("Country"),
    "status": _("Status of practice models"),
    "year": _("Year"),
}


def is_database_backend(backend):
    return hasattr(backend.results_class, "get_queryset")


def search_backend(languages):
    """The default search backend, set up to read queries in ``languages`` where it can be.

    ``languages``: the visitor's language first, then those of the untranslated pages
    (aliases) shown in it (``languages.query_languages``).
    """
    backend = get_search_backend("default")
    if hasattr(backend, "for_language"):
        backend = backend.for_language(languages[0], others=languages[1:])
    return backend


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class Facet:
    name: str
    label: str
    values: list = field(default_factory=list)

    @property
    def selected(self):
        return [value for value in self.values if value.selected]


class Vocabulary:
    """The labels of facet values in one locale: themes and cities.

    From the locale's themes and cities in ``cities_cms.content_cache`` (the maps the pages'
    tags read too): publishing, unpublishing, moving or deleting a page, saving or deleting a
    theme or a view restriction computes them afresh.
    """

    def __init__(self, locale):
        self.locale = locale
        self.themes = {key: str(t.name) for key, t in content_cache.themes(locale).items()}
        self.cities = {
            key: (page.slug, page.title, page.country.code)
            for key, page in content_cache.cities(locale.pk).items()
        }
        self.city_keys_by_slug = {slug: key for key, (slug, _t, _c) in self.cities.items()}

    def theme_choices(self):
        return list(self.themes.items())

    def city_choices(self):
        return [(slug, title) for slug, title, _country in self.cities.values()]


class SiteSearch:
    """One search: the query and facet filters of a valid form, in one locale."""

    def __init__(self, locale, data, vocabulary=None):
        self.locale = locale
        self.query = data.get("q") or ""
        self.filters = {name: list(data.get(name) or []) for name in FACETS}
        self.vocabulary = vocabulary or Vocabulary(locale)
        self.languages = query_languages(locale)
        self.backend = search_backend(self.languages)
        self.database = is_database_backend(self.backend)

    @property
    def active(self):
        return bool(self.query.strip()) or any(self.filters.values())

    # The set of pages searched ----------------------------------------------------------

    def _ids(self, queryset):
        """A subquery for database backends; a list (bounded by the filter) for the others."""
        queryset = queryset.values("pk")
        if self.database:
            return queryset
        return [row["pk"] for row in queryset]

    def _excluded(self):
        """Expired pages, and aliases of pages of the same locale (the page itself is found).

        Aliases of pages of other languages stay: until a page is translated, its alias is
        what the visitors of a language see, and they find it by its words (in the original's
        language, which the search also reads: ``query_languages``).
        """
        excluded = Q(expire_at__lte=timezone.now())
        duplicates = aliases(self.locale)["duplicates"]
        if duplicates:
            excluded |= Q(id__in=duplicates)
        return excluded

    def scope(self, exclude=True):
        """Live, public pages of the locale (and its aliases), not expired, with the filters.

        Expired pages are left out by id (search backends can filter on ids but not on that
        field); without ``exclude`` the caller leaves them out itself.
        """
        pages = content_cache.public(Page.objects.live().filter(locale=self.locale))
        if exclude:
            excluded = Page.objects.filter(locale=self.locale).filter(self._excluded())
            pages = pages.exclude(id__in=self._ids(excluded))
        for name, values in self.filters.items():
            if values:
                pages = pages.filter(self._filter(name, values))
        return pages

    def _filter(self, name, values):
        if name == "type":
            types = _content_types()
            known = [types[v] for v in values if v in types]
            condition = Q(content_type_id__in=known)
            if "other" in values:
                condition |= ~Q(content_type_id__in=list(types.values()))
            return condition
        if name == "theme":
            return Q(
                id__in=self._ids(PracticeModelPage.objects.filter(themes__key__in=values))
            ) | Q(id__in=self._ids(SeminarPage.objects.filter(themes__key__in=values)))
        if name == "city":
            keys = [self.vocabulary.city_keys_by_slug.get(v) for v in values]
            return self._by_city(Q, "translation_key__in", [k for k in keys if k])
        if name == "country":
            return self._by_city(Q, "country__in", values)
        if name == "status":
            return Q(id__in=self._ids(PracticeModelPage.objects.filter(status__in=values)))
        if name == "year":
            years = [int(v) for v in values]
            return Q(id__in=self._ids(PracticeModelPage.objects.filter(start_year__in=years))) | Q(
                id__in=self._ids(SeminarPage.objects.filter(start__year__in=years))
            )
        raise ValueError(name)

    def _by_city(self, q, lookup, values):
        return (
            q(id__in=self._ids(CityPage.objects.filter(**{lookup: values})))
            | q(id__in=self._ids(PracticeModelPage.objects.filter(**{f"city__{lookup}": values})))
            | q(id__in=self._ids(SeminarPage.objects.filter(**{f"host_city__{lookup}": values})))
        )

    # Results --------------------------------------------------------------------------

    def results(self):
        """Sliceable results ordered by relevance (or, without a query, by date)."""
        scope = self.scope()
        if self.query.strip():
            return self.backend.search(self.query, scope, operator="and")
        return scope.order_by("-first_published_at", "-pk")

    def matching_ids(self, results):
        if not self.query.strip():
            return results.order_by().values("pk")
        if self.database:
            return results.get_queryset().order_by().values("pk")
        return [page.pk for page in results[:FACET_WINDOW]]

    # Database backends: one statement -----------------------------------------------------

    @property
    def single_statement(self):
        """Whether ``run`` can answer: cities_cms's database backends (SQLite, PostgreSQL)."""
        compiler = getattr(self.backend, "query_compiler_class", None)
        return self.database and hasattr(compiler, "matches")

    def run(self, offset, limit):
        """The ids of results ``offset`` to ``offset + limit``, their total and the facets.

        One SQL statement whatever the number of results: the matching pages of the scope are
        computed once (a materialized ``WITH`` query: the full-text match, its rank and the
        scope's conditions evaluated once), and the page of results, the number of pages per
        type and every facet's counts are read from them with ``UNION ALL``. Every column is
        text (the parts have different types), converted back here.
        """
        matches = self._matches_sql()
        counts = {name: Counter() for name in FACETS}
        self.result_types = {}  # id -> content type id of the page of results, for present()
        if matches is None:
            self.total = 0
            return [self._facet(name, counts[name]) for name in FACETS], 0, []
        sql, params = matches
        parts, part_params = facet_parts()
        order = '"score" DESC, "id" DESC' if self.query.strip() else '"published" DESC, "id" DESC'
        text = text_cast
        page = (
            f"SELECT 'page', {text('id')}, {text('position')}, {text('ct')}, NULL, 0 FROM "  # noqa: S608
            f'(SELECT "id", "ct", ROW_NUMBER() OVER (ORDER BY {order}) AS position FROM '
            f'(SELECT "id", "ct", "score", "published" FROM {MATCHES} ORDER BY {order} '
            "LIMIT %s OFFSET %s) ranked) numbered"
        )
        types = (
            f"SELECT 'type', {text('ct')}, NULL, NULL, NULL, COUNT(*) FROM {MATCHES} GROUP BY ct"  # noqa: S608
        )
        materialized = "MATERIALIZED " if supports_materialized() else ""
        statement = f"WITH {MATCHES} AS {materialized}({sql}) " + " UNION ALL ".join(
            [page, types, *parts]
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, [*params, limit, offset, *part_params])
            rows = cursor.fetchall()
        ranked = []
        type_keys = {pk: key for key, pk in _content_types().items()}
        for part, a, b, c, d, n in rows:
            if part == "page":
                ranked.append((int(b), int(a)))
                self.result_types[int(a)] = int(c)
            elif part == "type":
                counts["type"][type_keys.get(int(a), "other")] += n
            elif part == "practice":
                self._count_place(counts, n, status=a, year=b, city=c, country=d)
            elif part == "seminar":
                self._count_place(counts, n, year=b, city=c, country=d)
            elif part == "theme":
                counts["theme"][a] += n
            elif part == "city":
                self._count_place(counts, n, city=c, country=d)
        self.total = sum(counts["type"].values())
        # Counted by the text of the city's key (hundreds of groups), converted once per city.
        counts["city"] = Counter({uuid.UUID(key): n for key, n in counts["city"].items()})
        ids = [pk for _position, pk in sorted(ranked)]
        return [self._facet(name, counts[name]) for name in FACETS], self.total, ids

    @staticmethod
    def _count_place(counts, n, status=None, year=None, city=None, country=None):
        if status:
            counts["status"][status] += n
        if year is not None:
            counts["year"][year if year.isdigit() else str(int(float(year)))] += n
        if city is not None:
            counts["city"][city] += n
            counts["country"][country] += n

    def _matches_sql(self, autocomplete=False):
        """SQL of the matching pages of the scope (``id, ct, score, published``), or None.

        ``autocomplete``: the query's words as the beginnings of the pages' title words.
        """
        # The exclusions as conditions on each page (``restrict``): a subquery of ids, as
        # backends need, would read every page of the locale.
        scope = self.scope(exclude=False).order_by()
        restrict = ~self._excluded()
        if not self.query.strip():
            queryset = (
                scope.filter(restrict)
                .annotate(
                    _m_id=F("pk"),
                    _m_ct=F("content_type_id"),
                    _m_score=Value(None, output_field=FloatField()),
                    _m_published=F("first_published_at"),
                )
                .values("_m_id", "_m_ct", "_m_score", "_m_published")
            )
            try:
                sql, params = queryset.query.sql_with_params()
            except EmptyResultSet:  # a filter that nothing can match
                return None
            return (
                "SELECT q._m_id AS id, q._m_ct AS ct, q._m_score AS score, "  # noqa: S608
                f"q._m_published AS published FROM ({sql}) q",
                params,
            )
        if not query_terms(self.query):
            return None
        search = self.backend.autocomplete if autocomplete else self.backend.search
        compiler = search(self.query, scope, operator="and").query_compiler
        try:
            return compiler.matches(compiler.get_config(self.backend), restrict=restrict)
        except EmptyResultSet:
            return None

    # Autocomplete ---------------------------------------------------------------------------

    def suggestions(self, limit):
        """The best ``limit`` pages whose title words start with the query's words.

        ``(ids, content types)``: with cities_cms's database backends one statement that
        ranks the matches of the scope and returns only those ids, with their content
        types (``present`` then reads each type's table once); with others, the
        backend's autocomplete (pages, and None).
        """
        compiler = getattr(self.backend, "autocomplete_query_compiler_class", None)
        if not (self.database and hasattr(compiler, "matches")):
            results = self.backend.autocomplete(self.query, self.scope(), operator="and")
            return list(results[:limit]), None
        matches = self._matches_sql(autocomplete=True)
        if matches is None:
            return [], {}
        sql, params = matches
        statement = (
            f"SELECT m.id, m.ct FROM ({sql}) m "  # noqa: S608
            "ORDER BY m.score DESC, m.id DESC LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, [*params, limit])
            rows = cursor.fetchall()
        return [pk for pk, _ct in rows], dict(rows)

    # Facets (other backends) ----------------------------------------------------------------

    def facets(self, results):
        """The facets of ``results``, and the number of results (from the type facet).

        Seven aggregate queries over the matching ids, whatever their number: the pages by
        type; practice models grouped by status, start year and city at once (summed here per
        facet: a few hundred groups at most); seminars by year and host city at once; the
        themes of practice models and of seminars; city pages by city.
        """
        ids = self.matching_ids(results)
        counts = {name: Counter() for name in FACETS}
        counts["type"] = self._count_types(ids)
        practice = PracticeModelPage.objects.filter(pk__in=ids).order_by()
        for row in practice.values(
            "status", "start_year", "city__translation_key", "city__country"
        ).annotate(n=Count("pk")):
            n = row["n"]
            if row["status"]:
                counts["status"][row["status"]] += n
            if row["start_year"] is not None:
                counts["year"][str(row["start_year"])] += n
            if row["city__translation_key"] is not None:
                counts["city"][row["city__translation_key"]] += n
                counts["country"][row["city__country"]] += n
        seminars = (
            SeminarPage.objects.filter(pk__in=ids).order_by().annotate(year=ExtractYear("start"))
        )
        for row in seminars.values(
            "year", "host_city__translation_key", "host_city__country"
        ).annotate(n=Count("pk")):
            n = row["n"]
            if row["year"] is not None:
                counts["year"][str(row["year"])] += n
            if row["host_city__translation_key"] is not None:
                counts["city"][row["host_city__translation_key"]] += n
                counts["country"][row["host_city__country"]] += n
        for model in (PracticeModelPage, SeminarPage):
            counts["theme"].update(self._count(model.objects.filter(pk__in=ids), "themes__key"))
        for row in (
            CityPage.objects.filter(pk__in=ids)
            .order_by()
            .values("translation_key", "country")
            .annotate(n=Count("pk"))
        ):
            counts["city"][row["translation_key"]] += row["n"]
            counts["country"][row["country"]] += row["n"]
        self.total = sum(counts["type"].values())
        return [self._facet(name, counts[name]) for name in FACETS]

    @staticmethod
    def _count(queryset, field_name):
        rows = queryset.order_by().values(field_name).annotate(n=Count("pk", distinct=True))
        return Counter({row[field_name]: row["n"] for row in rows if row[field_name] is not None})

    def _count_types(self, ids):
        types = {pk: key for key, pk in _content_types().items()}
        counts = Counter()
        for content_type, n in self._count(Page.objects.filter(pk__in=ids), "content_type").items():
            counts[types.get(content_type, "other")] += n
        return counts

    def _facet(self, name, counts):
        selected = set(self.filters[name])
        values = []
        if name == "type":
            for key, label in TYPE_LABELS.items():
                values.append(FacetValue(key, label, counts.get(key, 0)))
        elif name == "theme":
            for key, label in self.vocabulary.theme_choices():
                values.append(FacetValue(key, label, counts.get(key, 0)))
        elif name == "city":
            for key, (slug, title, _country) in self.vocabulary.cities.items():
                values.append(FacetValue(slug, title, counts.get(key, 0)))
        elif name == "country":
            for code, count in counts.items():
                if code:
                    values.append(FacetValue(code, str(countries.name(code) or code), count))
            values.sort(key=lambda v: v.label)
        elif name == "status":
            for key, label in PracticeStatus.choices:
                values.append(FacetValue(key, label, counts.get(key, 0)))
        elif name == "year":
            for year in sorted(counts, reverse=True):
                values.append(FacetValue(year, year, counts[year]))
        known = {v.value for v in values}
        for value in values:
            value.selected = value.value in selected
        # A selected value without results stays visible, so that it can be removed.
        for value in sorted(selected - known):
            values.append(FacetValue(value, self._label(name, value), 0, True))
        values = [v for v in values if v.count or v.selected]
        return Facet(name, FACET_LABELS[name], values)

    def _label(self, name, value):
        if name == "theme":
            return self.vocabulary.themes.get(value, value)
        if name == "country":
            return str(countries.name(value) or value)
        if name == "type":
            return str(TYPE_LABELS.get(value, value))
        if name == "status":
            return str(dict(PracticeStatus.choices).get(value, value))
        return value


def invalidate_vocabularies(**kwargs):
    """Forget the cached vocabularies of every locale (and every other cached content value)."""
    content_cache.invalidate()
