"""PostgreSQL: every object indexed and queried with its own language's configuration.

modelsearch indexes everything with one configuration (``SEARCH_CONFIG``). Here an object of
a translatable model is indexed with the configuration of its locale's language
(``CITIES_CMS_SEARCH_POSTGRES_CONFIGS``: the Snowball stemmers PostgreSQL has, ``simple`` for
Latvian and Polish, which have none), and ``backend.for_language(code)`` returns a backend
that queries with that language's configuration. Text indexed with ``simple`` (and the
autocomplete field, always ``simple``) is folded to lower case without diacritics, and long
query words also match by prefix, as on SQLite; stemmed languages keep their diacritics,
which their stemmers need. Only words reach ``to_tsquery``.
"""

import copy

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
)
from modelsearch.backends.database.postgres.query import CombinedLexeme, Lexeme
from modelsearch.query import PlainText
from modelsearch.utils import get_content_type_pk

from ..languages import LocaleCodes, language_code, postgres_config
from ..text import fold, query_terms, stem_prefix

FOLDED_CONFIGS = {"simple"}


class LanguageObjectIndexer(ObjectIndexer):
    def __init__(self, obj, backend, config):
        super().__init__(obj, backend)
        self.config = config

    def as_vector(self, texts, for_autocomplete=False):
        config = self.autocomplete_config if for_autocomplete else self.config
        if config in FOLDED_CONFIGS:
            texts = [(fold(text), weight) for text, weight in texts]
        return super().as_vector(texts, for_autocomplete=for_autocomplete)


class LanguagePostgresIndex(PostgresIndex):
    def add_items(self, model, objs):
        # modelsearch's add_items, with a configuration per object (its indexer takes none).
        if not model.get_search_fields():
            return
        codes = LocaleCodes()
        indexers = [
            LanguageObjectIndexer(obj, self.backend, postgres_config(codes.for_object(obj)))
            for obj in objs
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
    def build_tsquery_content(self, query, config=None, invert=False):
        if not isinstance(query, PlainText):
            return super().build_tsquery_content(query, config=config, invert=invert)
        folded = config in FOLDED_CONFIGS
        words = query_terms(query.query_string, folded=folded)
        if not words:
            return None
        groups = self._word_groups(words, folded, invert)
        combined = groups[0]
        and_ = (query.operator == "and") != invert
        for group in groups[1:]:
            combined = combined & group if and_ else combined | group
        return SearchQuery(combined, search_type="raw", config=config)

    def _word_groups(self, words, folded, invert=False):
        """One lexeme group per word: the word, or "word or prefix*" for long folded words."""
        groups = []
        for position, word in enumerate(words):
            last = position == len(words) - 1
            lexeme = Lexeme(word, invert=invert, prefix=last and self.LAST_TERM_IS_PREFIX)
            prefix = stem_prefix(word) if folded else None
            if prefix and not (last and self.LAST_TERM_IS_PREFIX):
                # "word or prefix*"; inverted (NOT) it is "not word and not prefix*".
                connector = "&" if invert else "|"
                lexeme = CombinedLexeme(
                    lexeme, connector, Lexeme(prefix, invert=invert, prefix=True)
                )
            groups.append(lexeme)
        return groups

    def search(self, config, start, stop, score_field=None, backend=None):
        if isinstance(self.query, PlainText) and not query_terms(self.query.query_string):
            return self.queryset.none()
        return super().search(config, start, stop, score_field=score_field, backend=backend)


class LanguagePostgresSearchQueryCompiler(LanguageQueryMixin, PostgresSearchQueryCompiler):
    def matches(self, config, restrict=None):
        """SQL and parameters of the matching pages: ``id, ct, score, published`` per page.

        For ``cities_cms.search.service``, which computes the results page and every facet
        from this set in one statement: modelsearch's query (the scope, narrowed further by
        the ``restrict`` condition, joined to its index entries, filtered by the ``tsquery``)
        with the rank as a column (higher is better).

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
            and isinstance(self.query, PlainText)
            and self.query.operator == "and"
        ):
            folded = config in FOLDED_CONFIGS
            words = query_terms(self.query.query_string, folded=folded)
            condition = Q()
            for group in self._word_groups(words, folded):
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


class LanguagePostgresAutocompleteQueryCompiler(
    LanguageQueryMixin, PostgresAutocompleteQueryCompiler
):
    pass


class LanguagePostgresSearchBackend(PostgresSearchBackend):
    query_compiler_class = LanguagePostgresSearchQueryCompiler
    autocomplete_query_compiler_class = LanguagePostgresAutocompleteQueryCompiler
    index_class = LanguagePostgresIndex

    def __init__(self, params):
        super().__init__(params)
        # Queries without a language (Wagtail's admin search) use the default language's.
        self.config = params.get("SEARCH_CONFIG") or postgres_config(language_code(None))

    def for_language(self, code):
        """A copy of this backend that queries with the configuration of language ``code``."""
        backend = copy.copy(self)
        backend.config = postgres_config(code)
        return backend


SearchBackend = LanguagePostgresSearchBackend
