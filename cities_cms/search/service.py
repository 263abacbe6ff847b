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
from django.db.models import CharField, Count, F, FloatField, IntegerField, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate, ExtractYear
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from .. import content_cache
from ..pages import CityPage, PracticeModelPage, SeminarPage
from ..pages.practice import PracticeStatus
from .highlight import Matcher, highlight
from .languages import aliases, language_code, query_languages
from .text import query_terms

# The SQL assembled here (noqa: S608) joins constants and SQL compiled by Django; every value,
# the visitor's words included, is a parameter.
MATCHES = "cities_cms_search_matches"
_FACET_SQL = {}
FACETS = ("type", "theme", "city", "country", "status", "year")
FACET_WINDOW = 1000

# Result types: key -> model. Every other page type is "other".
TYPES = {"city": CityPage, "seminar": SeminarPage, "practice_model": PracticeModelPage}
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


def _text_cast(column):
    return f"CAST({column} AS text)"


def _supports_materialized():
    """``WITH ... AS MATERIALIZED``: PostgreSQL 12+, SQLite 3.35+ (both also by default)."""
    if connection.vendor == "sqlite":
        return connection.Database.sqlite_version_info >= (3, 35)
    return connection.vendor == "postgresql"


_MATCHING_IDS = 'SELECT "id" FROM {} WHERE "ct" = %s'


def _any_of_array(sql):
    """``column IN (SELECT id FROM matches ...)`` as ``column = ANY(ARRAY(SELECT ...))``.

    Same rows. PostgreSQL estimates a filtered ``WITH`` query at a few rows and joins the
    matching ids to the facet's table one by one (a nested loop of thousands of index scans);
    with an array it runs one index scan over all of them, about a third faster.
    """
    subquery = _MATCHING_IDS.format(MATCHES)
    marker = f" IN ({subquery})"
    if marker not in sql:
        raise ValueError("unexpected facet SQL")
    return sql.replace(marker, f" = ANY(ARRAY({subquery}))")


def _content_types():
    from django.contrib.contenttypes.models import ContentType

    types = ContentType.objects.get_for_models(*TYPES.values())  # cached by Django
    return {key: types[model].pk for key, model in TYPES.items()}


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

    Read from ``cities_cms.content_cache`` when it can (four queries otherwise): publishing,
    unpublishing, moving or deleting a page, saving or deleting a theme or a view restriction
    computes them afresh.
    """

    def __init__(self, locale):
        self.locale = locale
        self.themes, self.cities = content_cache.get_or_compute(
            f"search.vocabulary.{locale.pk}", lambda: self._load(locale)
        )
        self.city_keys_by_slug = {slug: key for key, (slug, _t, _c) in self.cities.items()}

    @staticmethod
    def _load(locale):
        from ..snippets import Theme

        themes = {key: str(theme.name) for key, theme in Theme.for_locale(locale).items()}
        pages = CityPage.objects.live().public().filter(locale=locale)
        cities = {
            key: (slug, title, country)
            for key, slug, title, country in pages.order_by("title").values_list(
                "translation_key", "slug", "title", "country"
            )
        }
        return themes, cities

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
        parts, part_params = self._facet_parts()
        order = '"score" DESC, "id" DESC' if self.query.strip() else '"published" DESC, "id" DESC'
        text = _text_cast
        page = (
            f"SELECT 'page', {text('id')}, {text('position')}, {text('ct')}, NULL, 0 FROM "  # noqa: S608
            f'(SELECT "id", "ct", ROW_NUMBER() OVER (ORDER BY {order}) AS position FROM '
            f'(SELECT "id", "ct", "score", "published" FROM {MATCHES} ORDER BY {order} '
            "LIMIT %s OFFSET %s) ranked) numbered"
        )
        types = (
            f"SELECT 'type', {text('ct')}, NULL, NULL, NULL, COUNT(*) FROM {MATCHES} GROUP BY ct"  # noqa: S608
        )
        materialized = "MATERIALIZED " if _supports_materialized() else ""
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

    def _matches_sql(self):
        """SQL of the matching pages of the scope (``id, ct, score, published``), or None."""
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
        results = self.backend.search(self.query, scope, operator="and")
        compiler = results.query_compiler
        try:
            return compiler.matches(compiler.get_config(self.backend), restrict=restrict)
        except EmptyResultSet:
            return None

    def _facet_parts(self):
        """The ``UNION ALL`` parts that count facet values over the matching pages.

        Each is Django's own aggregate query (so that expressions such as the year of a
        date in the site's time zone are the database's), filtered by the matching ids.
        They depend on nothing but the database and the time zone: compiled once for each.
        """
        types = _content_types()
        key = (connection.vendor, timezone.get_current_timezone_name(), *types.values())
        if key not in _FACET_SQL:
            _FACET_SQL[key] = self._compile_facet_parts(types)
        return _FACET_SQL[key]

    @staticmethod
    def _compile_facet_parts(types):
        """Each part groups the matching pages of one table by the few columns it needs
        (the city by its id), then joins the groups (tens, not thousands) to the city or
        theme tables for the city's translation key and country or the theme's key. Each
        reads only the matching pages of its own type.
        """
        from ..snippets import Theme

        def matching(key):
            return RawSQL(_MATCHING_IDS.format(MATCHES), (types[key],))  # noqa: S611

        empty = Value("", output_field=CharField())
        # Grouped by city, year, then status (the annotations' order); on PostgreSQL the status
        # in the "C" collation, whose byte comparison sorts thousands of rows faster than the
        # database's language collation (equal values are equal in both).
        status = F("status")
        if connection.vendor == "postgresql":
            status = Collate(status, "C")
        practice = PracticeModelPage.objects.filter(pk__in=matching("practice_model")).annotate(
            _c=F("city_id"), _b=F("start_year"), _a=status
        )
        seminars = SeminarPage.objects.filter(pk__in=matching("seminar")).annotate(
            _a=empty, _b=ExtractYear("start"), _c=F("host_city_id")
        )
        cities = CityPage.objects.filter(pk__in=matching("city")).annotate(
            _a=empty, _b=Value(None, output_field=IntegerField()), _c=F("pk")
        )
        themes = [
            model.themes.through.objects.filter(
                **{f"{model._meta.model_name}_id__in": matching(key)}
            ).annotate(_a=empty, _b=Value(None, output_field=IntegerField()), _c=F("theme_id"))
            for key, model in (("practice_model", PracticeModelPage), ("seminar", SeminarPage))
        ]
        qn = connection.ops.quote_name
        page_table = qn(Page._meta.db_table)
        city_table = qn(CityPage._meta.db_table)
        city_ptr = qn(CityPage._meta.pk.column)
        theme_table = qn(Theme._meta.db_table)
        text = _text_cast
        city_columns = f"{text('c.translation_key')}, {text('cp.country')}"
        city_join = (
            f"LEFT JOIN {page_table} c ON c.id = g._c "
            f"LEFT JOIN {city_table} cp ON cp.{city_ptr} = g._c"
        )
        sqls = []
        params = []
        for name, queryset in [
            ("practice", practice),
            ("seminar", seminars),
            ("city", cities),
            ("theme", themes[0]),
            ("theme", themes[1]),
        ]:
            # COUNT(*): no column of the table's rows, so that PostgreSQL can count from an
            # index alone (the practice models' covering index, migration 0003; the
            # themes' unique index on page and theme).
            grouped = queryset.order_by().values("_a", "_b", "_c").annotate(_n=Count("*"))
            sql, part_params = grouped.query.sql_with_params()
            if connection.vendor == "postgresql":
                sql = _any_of_array(sql)
            if name == "theme":
                sqls.append(
                    f"SELECT '{name}', {text('t.key')}, NULL, NULL, NULL, g._n FROM ({sql}) g "  # noqa: S608
                    f"JOIN {theme_table} t ON t.id = g._c"
                )
            else:
                sqls.append(
                    f"SELECT '{name}', {text('g._a')}, {text('g._b')}, {city_columns}, g._n "  # noqa: S608
                    f"FROM ({sql}) g {city_join}"
                )
            params.extend(part_params)
        return sqls, params

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


def present(pages, query, request, content_types=None, languages=None):
    """The pages of one page of results as dicts for the template (their specific types).

    One query per page type among them, whatever their number. ``pages`` may be ids; with
    ``content_types`` (id -> content type id, from ``SiteSearch.run``) each type's table is
    read directly, without first reading the pages' base rows to learn their types.
    ``languages``: the languages the search read the query in (``SiteSearch.languages``).

    An alias (a page not translated into the visitor's language yet) is marked
    ``untranslated``, with the language of its text, which highlighting reads it in.
    """
    ids = [getattr(page, "pk", page) for page in pages]
    if content_types and all(pk in content_types for pk in ids):
        specific = _specific_by_type(ids, content_types)
    else:
        specific = {page.pk: page for page in Page.objects.filter(pk__in=ids).specific()}
    languages = tuple(languages or ())
    originals = _original_languages(specific.values(), languages)
    types = {model: key for key, model in TYPES.items()}
    own = languages[0] if languages else language_code(translation.get_language())
    matchers = {}  # one per language of the texts: the query's words analysed once
    items = []
    for pk in ids:
        page = specific.get(pk)
        if page is None:
            continue
        kind = types.get(type(page), "other")
        text_language = originals.get(page.alias_of_id, own) if page.alias_of_id else own
        if text_language not in matchers:
            matchers[text_language] = Matcher(query, text_language, languages or None)
        matcher = matchers[text_language]
        items.append(
            {
                "page": page,
                "url": page.get_url(request),
                "kind": kind,
                "kind_label": KIND_LABELS[kind],
                "title": highlight(page.title, query, length=400, matcher=matcher)
                if query
                else page.title,
                "snippet": highlight(_summary_text(page), query, matcher=matcher),
                "untranslated": text_language != own,
                "language": text_language,
                "language_name": get_language_info(text_language)["name_local"]
                if text_language != own
                else "",
            }
        )
    return items


def _original_languages(pages, languages):
    """``{original id: language}`` of the aliases among ``pages``.

    No query when the search reads one language besides the visitor's (synchronised trees:
    every alias copies a page of the source language); else one.
    """
    originals = {page.alias_of_id for page in pages if page.alias_of_id}
    if not originals:
        return {}
    if len(languages) == 2:
        return dict.fromkeys(originals, languages[1])
    rows = Page.objects.filter(pk__in=originals).values_list("pk", "locale__language_code")
    return {pk: language_code(code) for pk, code in rows}


def _specific_by_type(ids, content_types):
    from django.contrib.contenttypes.models import ContentType

    by_type = {}
    for pk in ids:
        by_type.setdefault(content_types[pk], []).append(pk)
    pages = {}
    for content_type_id, pks in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()  # cached
        if model is None:  # a page type whose code is gone: its base row
            model = Page
        pages.update((page.pk, page) for page in model.objects.filter(pk__in=pks))
    return pages


def _summary_text(page):
    for name in ("search_description", "summary", "intro", "challenge", "approach", "aim"):
        value = getattr(page, name, "")
        if value and isinstance(value, str):
            return strip_tags(value)
    return ""
