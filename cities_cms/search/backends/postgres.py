"""PostgreSQL: every object indexed as the tokens of its own language, queried alike.

modelsearch indexes everything with one text search configuration (``SEARCH_CONFIG``), and
PostgreSQL has no stemmer for Latvian or Polish nor a way to fold diacritics after stemming
without the ``unaccent`` extension (which folds before the stemmer, losing its work). Here an
object's title and body are indexed as the tokens that ``cities_cms.search.analysis`` makes
in its text's language (folded stems, and the folded words), with the ``simple``
configuration, which keeps them as they are; the autocomplete column holds the folded words.
Queries go through the same analysis in the languages of ``backend.for_language(code,
others)``: the same tokens and prefixes as on SQLite. Only words reach ``to_tsquery``.
Switching an existing index to this backend, or changing the stemmers, needs
``manage.py update_index``.
"""

from django.contrib.postgres.search import SearchQuery
from django.db.models import F, Q
from django.db.models.sql.subqueries import InsertQuery
from modelsearch.backends.database.postgres.postgres import (
    IndexEntry,
    ObjectIndexer,
    PostgresAutocompleteQueryCompiler,
    PostgresIndex,
    PostgresSearchBackend,
    PostgresSearchQueryCompiler,
    PostgresSearchResults,
)
from modelsearch.backends.database.postgres.query import CombinedLexeme, Lexeme
from modelsearch.query import Phrase, PlainText
from modelsearch.utils import get_content_type_pk

from .. import analysis
from ..languages import TextLanguages, content_languages
from ..text import fold, query_terms
from .common import LanguageResultsMixin, LanguagesMixin

# The configuration that keeps analysed tokens as they are (lower case, split on non-letters).
CONFIG = "simple"


class LanguageObjectIndexer(ObjectIndexer):
    def __init__(self, obj, backend, language):
        super().__init__(obj, backend)
        self.language = language

    def as_vector(self, texts, for_autocomplete=False):
        if for_autocomplete:
            texts = [(fold(text), weight) for text, weight in texts]
        else:
            texts = [(analysis.index_text(text, self.language), weight) for text, weight in texts]
        return super().as_vector(texts, for_autocomplete=for_autocomplete)


class LanguagePostgresIndex(PostgresIndex):
    def add_items(self, model, objs):
        # modelsearch's add_items, with a configuration per object (its indexer takes none).
        if not model.get_search_fields():
            return
        languages = TextLanguages()
        languages.prepare(objs)
        indexers = [
            LanguageObjectIndexer(obj, self.backend, languages.for_object(obj)) for obj in objs
        ]
        if not indexers:
            return
        content_type_pk = get_content_type_pk(model)
        compiler = InsertQuery(IndexEntry).get_compiler(connection=self.write_connection)
        rows = []
        params = []
        for indexer in indexers:
            params.extend((content_type_pk, indexer.id))
            row = []
            for name in ("title", "autocomplete", "body"):
                value = compiler.prepare_value(
                    IndexEntry._meta.get_field(name), getattr(indexer, name)
                )
                sql, value_params = value.as_sql(compiler, self.write_connection)
                row.append(sql)
                params.extend(value_params)
            params.extend((indexer.title_text, indexer.body_text))
            rows.append(f"(%s, %s, {row[0]}, {row[1]}, {row[2]}, 1.0, %s, %s)")
        with self.write_connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {IndexEntry._meta.db_table} (content_type_id, object_id, title,
                    autocomplete, body, title_norm, title_text, body_text)
                (VALUES {", ".join(rows)})
                ON CONFLICT (content_type_id, object_id)
                DO UPDATE SET title = EXCLUDED.title,
                              title_norm = 1.0,
                              autocomplete = EXCLUDED.autocomplete,
                              body = EXCLUDED.body,
                              title_text = EXCLUDED.title_text,
                              body_text = EXCLUDED.body_text
                """,
                params,
            )
        self._refresh_title_norms()


class LanguageQueryMixin:
    """``tsquery`` from the tokens of ``analysis.query_groups``, in ``languages``.

    Each word becomes ``('token' | 'prefix':* ...)``; the words are combined with the query's
    operator. A phrase is searched as all its words (the index holds several tokens per word,
    so adjacency in it means nothing). ``languages`` is set by the results from their backend
    (``for_language``); without it (Wagtail's admin), every content language.
    """

    languages = None

    def build_tsquery_content(self, query, config=None, invert=False):
        if not isinstance(query, PlainText | Phrase):
            return super().build_tsquery_content(query, config=config, invert=invert)
        groups = self._word_groups(query, invert)
        if not groups:
            return None
        and_ = (isinstance(query, Phrase) or query.operator == "and") != invert
        combined = groups[0]
        for group in groups[1:]:
            combined = combined & group if and_ else combined | group
        return SearchQuery(combined, search_type="raw", config=config)

    def _word_groups(self, query, invert=False):
        """One lexeme group per word: "token | prefix:* ..."; inverted (NOT), "!a & !b ..."."""
        groups = []
        for exact, prefixes in analysis.query_groups(
            query.query_string,
            self.languages or content_languages(),
            autocomplete=self.LAST_TERM_IS_PREFIX,
        ):
            lexemes = [Lexeme(token, invert=invert) for token in exact]
            lexemes += [Lexeme(prefix, invert=invert, prefix=True) for prefix in prefixes]
            if not lexemes:
                continue
            group = lexemes[0]
            for lexeme in lexemes[1:]:
                group = CombinedLexeme(group, "&" if invert else "|", lexeme)
            groups.append(group)
        return groups

    def search(self, config, start, stop, score_field=None, backend=None):
        if isinstance(self.query, PlainText | Phrase) and not query_terms(self.query.query_string):
            return self.queryset.none()
        return super().search(config, start, stop, score_field=score_field, backend=backend)

    def matches(self, config, restrict=None):
        """SQL and parameters of the matching pages: ``id, ct, score, published`` per page.

        For ``cities_cms.search.service``, which computes the results page and every facet
        from this set in one statement (and the autocomplete's suggestions from it):
        modelsearch's query (the scope, narrowed further by the ``restrict`` condition,
        joined to its index entries, filtered by the ``tsquery``) with the rank as a column
        (higher is better).

        modelsearch matches ``title || body``, which no index covers (its GIN indexes are on
        ``title`` and on ``body``): a sequential scan of every entry, and a row estimate so
        low that PostgreSQL then plans nested loops over thousands of matches. For an AND
        query of words the match is written as "each word (or its prefix) is in the title
        or in the body", which the GIN indexes answer and which is the same condition: a
        concatenation of two ``tsvector`` values holds a lexeme when one of them does, and
        these queries have no phrase operators or weights that the concatenation changes.
        """
        search_query = self.build_tsquery(self.query, config=config)
        vectors = self.get_search_vectors(search_query)
        combined = vectors[0][0]
        for vector, _boost in vectors[1:]:
            combined = combined._combine(vector, "||", False)
        queryset = self.queryset.order_by()
        if restrict is not None:
            queryset = queryset.filter(restrict)
        condition = Q(_vector_=search_query)
        if (
            self.fields is None
            and not self.LAST_TERM_IS_PREFIX  # autocomplete: its own column
            and isinstance(self.query, PlainText)
            and self.query.operator == "and"
        ):
            condition = Q()
            for group in self._word_groups(self.query):
                word = SearchQuery(group, search_type="raw", config=config)
                condition &= Q(_title_=word) | Q(_body_=word)
        queryset = (
            queryset.annotate(
                _vector_=combined,
                _title_=F("index_entries__title"),
                _body_=F("index_entries__body"),
            )
            .filter(condition)
            .annotate(
                _m_id=F("pk"),
                _m_ct=F("content_type_id"),
                _m_score=self._build_rank_expression(vectors, config),
                _m_published=F("first_published_at"),
            )
            .values("_m_id", "_m_ct", "_m_score", "_m_published")
        )
        sql, params = queryset.query.sql_with_params()
        sql = (
            "SELECT q._m_id AS id, q._m_ct AS ct, q._m_score AS score, "  # noqa: S608
            f"q._m_published AS published FROM ({sql}) q"
        )
        return sql, params


class LanguagePostgresSearchQueryCompiler(LanguageQueryMixin, PostgresSearchQueryCompiler):
    pass


class LanguagePostgresAutocompleteQueryCompiler(
    LanguageQueryMixin, PostgresAutocompleteQueryCompiler
):
    pass


class LanguagePostgresSearchResults(LanguageResultsMixin, PostgresSearchResults):
    pass


class LanguagePostgresSearchBackend(LanguagesMixin, PostgresSearchBackend):
    query_compiler_class = LanguagePostgresSearchQueryCompiler
    autocomplete_query_compiler_class = LanguagePostgresAutocompleteQueryCompiler
    index_class = LanguagePostgresIndex
    results_class = LanguagePostgresSearchResults

    def __init__(self, params):
        super().__init__(params)
        # The tokens are analysed in Python (cities_cms.search.analysis): PostgreSQL only
        # stores and matches them.
        self.config = self.autocomplete_config = CONFIG


SearchBackend = LanguagePostgresSearchBackend
