"""The SQL of a search on cities_cms's database backends (SQLite, PostgreSQL).

``SiteSearch.run`` (``service.py``) answers a page of results, the number of results per type
and every facet's counts with one statement: the matching pages are a materialized ``WITH``
query named ``MATCHES``, and each facet is a ``UNION ALL`` part compiled here once per
database and time zone (``facet_parts``).

The SQL assembled here (noqa: S608) joins constants and SQL compiled by Django; every value,
the visitor's words included, is a parameter.
"""

import re

from django.db import connection
from django.db.models import CharField, Count, F, IntegerField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate, ExtractYear
from django.utils import timezone
from wagtail.models import Page

from ..pages import CityPage, PracticeModelPage, SeminarPage

MATCHES = "cities_cms_search_matches"
_FACET_SQL = {}

# Result types: key -> model. Every other page type is "other".
TYPES = {"city": CityPage, "seminar": SeminarPage, "practice_model": PracticeModelPage}


def content_types():
    """``{type key: content type id}`` of the result types (cached by Django)."""
    from django.contrib.contenttypes.models import ContentType

    types = ContentType.objects.get_for_models(*TYPES.values())
    return {key: types[model].pk for key, model in TYPES.items()}


def text_cast(column):
    return f"CAST({column} AS text)"


def supports_materialized():
    """``WITH ... AS MATERIALIZED``: PostgreSQL 12+, SQLite 3.35+ (both also by default)."""
    if connection.vendor == "sqlite":
        return connection.Database.sqlite_version_info >= (3, 35)
    return connection.vendor == "postgresql"


_MATCHING_IDS = 'SELECT "id" FROM {} WHERE "ct" = %s'


def any_of_array(sql):
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


_FILTERED_BY_MATCHES = re.compile(
    r'FROM (?P<table>"\w+") WHERE (?P<column>(?P=table)\."\w+") IN \('
    + re.escape(_MATCHING_IDS.format(MATCHES))
    + r"\)"
)


def join_matches(sql):
    """``FROM table WHERE column IN (SELECT id FROM matches ...)`` as a join from the matches.

    Same rows: a page is one row of the matches (its index entry of its own type), so each
    row of ``table`` whose ``column`` is a matching id is joined once. SQLite would first
    copy the matching ids of the type into a temporary index, then look each one up; here
    it reads the materialized matches once and looks each one of the type up directly
    (``CROSS JOIN`` keeps that order). About a millisecond less per part over thousands of
    matches.
    """
    replaced, count = _FILTERED_BY_MATCHES.subn(
        lambda m: (
            f'FROM {MATCHES} cc_m CROSS JOIN {m["table"]} ON {m["column"]} = cc_m."id" '
            'WHERE cc_m."ct" = %s'
        ),
        sql,
    )
    if count != 1:
        raise ValueError("unexpected facet SQL")
    return replaced


def facet_parts():
    """The ``UNION ALL`` parts that count facet values over the matching pages.

    Each is Django's own aggregate query (so that expressions such as the year of a
    date in the site's time zone are the database's), filtered by the matching ids.
    They depend on nothing but the database and the time zone: compiled once for each.
    """
    types = content_types()
    key = (connection.vendor, timezone.get_current_timezone_name(), *types.values())
    if key not in _FACET_SQL:
        _FACET_SQL[key] = _compile_facet_parts(types)
    return _FACET_SQL[key]


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
    text = text_cast
    city_columns = f"{text('c.translation_key')}, {text('cp.country')}"
    city_join = (
        f"LEFT JOIN {page_table} c ON c.id = g._c LEFT JOIN {city_table} cp ON cp.{city_ptr} = g._c"
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
            sql = any_of_array(sql)
        elif connection.vendor == "sqlite":
            sql = join_matches(sql)
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
