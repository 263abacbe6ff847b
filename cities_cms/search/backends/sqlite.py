"""SQLite (FTS5): each page's words indexed as folded stems of its language.

modelsearch creates the FTS5 table with the default ``unicode61`` tokenizer, whose
``remove_diacritics`` (1 or 2) folds ``ī``, ``ą``, ``ș`` but leaves letters such as ``ł``, ``ß``
or ``ø`` alone, and FTS5 has no stemmer for our languages (its ``porter`` tokenizer is English
only). This backend indexes, instead of the text, its tokens as ``cities_cms.search.analysis``
makes them (the stems of the page's language, without diacritics, and the words themselves),
and turns each query word into the same tokens and prefixes: diacritics never matter,
whatever the tokenizer, inflected forms meet, and the table needs no migration (an existing
index is rebuilt with ``update_index``). The autocomplete column holds the folded words (its
matches are prefixes). Only words reach FTS5's query parser, each quoted.
"""

from django.db.models import Case, F, FloatField, IntegerField, TextField, Value, When
from django.db.models.functions import Cast
from django.utils.functional import cached_property
from modelsearch.backends.database.sqlite.query import (
    BM25,
    CombinedLexeme,
    Lexeme,
    MatchExpression,
    SearchQueryExpression,
)
from modelsearch.backends.database.sqlite.sqlite import (
    IndexEntry,
    ObjectIndexer,
    SQLiteAutocompleteQueryCompiler,
    SQLiteFTSIndexEntry,
    SQLiteIndex,
    SQLiteSearchBackend,
    SQLiteSearchQueryCompiler,
    SQLiteSearchResults,
)
from modelsearch.index import AutocompleteField, SearchField
from modelsearch.query import Phrase, PlainText
from modelsearch.utils import get_content_type_pk, get_descendants_content_types_pks

from .. import analysis
from ..languages import TextLanguages, content_languages
from ..text import fold, query_terms
from .common import LanguageResultsMixin, LanguagesMixin


class LexemeGroup(CombinedLexeme):
    """Two lexemes combined inside parentheses (FTS5's AND binds more tightly than OR)."""

    def as_sql(self, compiler, connection):
        sql, params = super().as_sql(compiler, connection)
        return sql, [f"({params[0]})"]


class FoldingObjectIndexer(ObjectIndexer):
    """Title and body as the tokens of the text's language; autocomplete as folded words."""

    def __init__(self, obj, backend, language):
        super().__init__(obj, backend)
        self.language = language

    @cached_property
    def texts(self):
        """modelsearch's ``title``, ``body`` and ``autocomplete`` texts, read in one pass over
        the search fields: each of its properties walks them all and reads every value (rich
        text stripped, related objects loaded), three times per object in all."""
        title, body, autocomplete = [], [], []
        for field in self.search_fields:
            for current, value in self.prepare_field(self.obj, field):
                if isinstance(current, SearchField):
                    (title if current.field_name == "title" else body).append(value)
                elif isinstance(current, AutocompleteField):
                    autocomplete.append(value)
        return " ".join(title), " ".join(body), " ".join(autocomplete)

    @property
    def title(self):
        return analysis.index_text(self.texts[0], self.language)

    @property
    def body(self):
        return analysis.index_text(self.texts[1], self.language)

    @property
    def autocomplete(self):
        return fold(self.texts[2])


class FoldingSQLiteIndex(SQLiteIndex):
    indexer_class = FoldingObjectIndexer

    def add_items(self, model, objs):
        # modelsearch's add_items with the folding indexer (its indexer class is not a hook).
        if not model.get_search_fields():
            return
        languages = TextLanguages()
        languages.prepare(objs)
        indexers = [
            self.indexer_class(obj, self.backend, languages.for_object(obj)) for obj in objs
        ]
        if not indexers:
            return
        content_type_pk = get_content_type_pk(model)
        data = {
            indexer.id: (indexer.title, indexer.autocomplete, indexer.body) for indexer in indexers
        }
        entries = self.entries.filter(content_type_id=content_type_pk)
        indexed = set(entries.filter(object_id__in=data).values_list("object_id", flat=True))
        for object_id in indexed:
            title, autocomplete, body = data[object_id]
            entries.filter(object_id=object_id).update(
                title=title, autocomplete=autocomplete, body=body
            )
        self.entries.bulk_create(
            IndexEntry(
                content_type_id=content_type_pk,
                object_id=object_id,
                title=title,
                autocomplete=autocomplete,
                body=body,
            )
            for object_id, (title, autocomplete, body) in data.items()
            if object_id not in indexed
        )
        self._refresh_title_norms()


class FoldingQueryMixin:
    """FTS5 match expressions from the tokens of ``analysis.query_groups``.

    Each word becomes ``("token" OR "prefix"* ...)``; the words are combined with the query's
    operator. A phrase is searched as all its words (the index holds several tokens per word,
    so adjacency in it means nothing). ``languages``: the languages to read the query in, set
    by the results from their backend (``for_language``); without them (Wagtail's admin), every
    content language.
    """

    languages = None

    def build_search_query_content(self, query, config=None):
        if isinstance(query, PlainText | Phrase):
            groups = analysis.query_groups(
                query.query_string,
                self.languages or content_languages(),
                autocomplete=self.LAST_TERM_IS_PREFIX,
            )
            lexemes = [self._group(exact, prefixes) for exact, prefixes in groups]
            lexemes = [lexeme for lexeme in lexemes if lexeme is not None]
            if not lexemes:
                return None
            and_ = isinstance(query, Phrase) or query.operator.upper() == "AND"
            combined = lexemes[0]
            for lexeme in lexemes[1:]:
                combined = combined & lexeme if and_ else combined | lexeme
            return SearchQueryExpression(combined, config=config)
        return super().build_search_query_content(query, config=config)

    @staticmethod
    def _group(exact, prefixes):
        alternatives = [Lexeme(token) for token in exact]
        alternatives += [Lexeme(prefix, prefix=True) for prefix in prefixes]
        if not alternatives:
            return None
        group = alternatives[0]
        for alternative in alternatives[1:]:
            group = LexemeGroup(group, "OR", alternative)
        return group

    def search(self, config, start, stop, score_field=None):
        if not isinstance(self.query, PlainText | Phrase):
            return super().search(config, start, stop, score_field=score_field)
        if not query_terms(self.query.query_string):
            return self.queryset.none()
        return self._ranked_search(config, start, stop, score_field)

    def _ranked_search(self, config, start, stop, score_field):
        """modelsearch's search without its correlated score subquery.

        modelsearch orders by relevance with a subquery per candidate row that runs the FTS5
        match again (seconds over thousands of matches). Here the match runs once: without
        ordering (counts, facets) the pages are filtered by the matching ids; with ordering,
        one query ranks the matches of the scope with ``bm25`` inside FTS5 and returns only
        the slice asked for, and a second one loads those pages.
        """
        if stop is None or (not self.order_by_relevance and score_field is None):
            # Unsliced (a count, the ids for facets) or not ranked: modelsearch's queryset,
            # whose score subquery Django leaves out of counts and ``values("pk")``.
            return super().search(config, start, stop, score_field=score_field)
        match = MatchExpression(
            self.fields or self.FTS_TABLE_FIELDS,
            self.build_search_query(self.query, config=config),
        )
        entries = SQLiteFTSIndexEntry.objects.filter(match).filter(
            index_entry__content_type__in=get_descendants_content_types_pks(self.queryset.model)
        )
        scope = self.queryset.order_by().annotate(_object_id=Cast("pk", TextField()))
        ranked = (
            entries.filter(index_entry__object_id__in=scope.values("_object_id"))
            .annotate(
                _score=self._build_rank_expression(self.get_search_vectors(), config),
                _pk=Cast("index_entry__object_id", IntegerField()),
            )
            .order_by("_score", "-_pk")
            .values_list("_pk", "_score")
        )
        rows = list(ranked[start:stop])
        if not rows:
            return self.queryset.none()
        order = Case(*[When(pk=pk, then=Value(i)) for i, (pk, _s) in enumerate(rows)])
        queryset = self.queryset.filter(pk__in=[pk for pk, _s in rows])
        if score_field is not None:
            scores = Case(
                *[When(pk=pk, then=Value(score)) for pk, score in rows], output_field=FloatField()
            )
            queryset = queryset.annotate(**{score_field: scores})
        return queryset.order_by(order)

    def _match_rank(self, config):
        """The rank of an entry (lower is better, as FTS5's ``bm25``), as modelsearch's."""
        return self._build_rank_expression(self.get_search_vectors(), config)

    def matches(self, config, restrict=None):
        """SQL and parameters of the matching pages: ``id, ct, score, published`` per page.

        For ``cities_cms.search.service``, which computes the results page and every facet
        from this set in one statement (and the autocomplete's suggestions from it). The
        match runs once, joined to the scope (narrowed further by the ``restrict``
        condition, which SQLite flattens into the join); ``score`` is the negated rank
        (higher is better).
        """
        match = MatchExpression(
            self.fields or self.FTS_TABLE_FIELDS,
            self.build_search_query(self.query, config=config),
        )
        entries = (
            SQLiteFTSIndexEntry.objects.filter(match)
            .annotate(
                _m_score=self._match_rank(config),
                _m_object_id=F("index_entry__object_id"),
                _m_ct=F("index_entry__content_type_id"),
            )
            .values("_m_object_id", "_m_ct", "_m_score")
        )
        scope = self.queryset.order_by()
        if restrict is not None:
            scope = scope.filter(restrict)
        scope = scope.annotate(
            _m_id=F("pk"), _m_ct=F("content_type_id"), _m_published=F("first_published_at")
        ).values("_m_id", "_m_ct", "_m_published")
        entries_sql, entries_params = entries.query.sql_with_params()
        scope_sql, scope_params = scope.query.sql_with_params()
        sql = (
            "SELECT p._m_id AS id, p._m_ct AS ct, -e._m_score AS score, "  # noqa: S608
            f"p._m_published AS published FROM ({entries_sql}) e JOIN ({scope_sql}) p "
            "ON p._m_id = CAST(e._m_object_id AS integer) AND p._m_ct = e._m_ct"
        )
        return sql, (*entries_params, *scope_params)


class FoldingSQLiteSearchQueryCompiler(FoldingQueryMixin, SQLiteSearchQueryCompiler):
    def _match_rank(self, config):
        if self.fields is None and isinstance(self.query, PlainText | Phrase):
            # modelsearch's rank, bm25 * title_norm + bm25 * 1.0, with bm25 computed once.
            return BM25() * (F("index_entry__title_norm") + Value(1.0))
        return super()._match_rank(config)


class FoldingSQLiteAutocompleteQueryCompiler(FoldingQueryMixin, SQLiteAutocompleteQueryCompiler):
    pass


class LanguageSQLiteSearchResults(LanguageResultsMixin, SQLiteSearchResults):
    pass


class FoldingSQLiteSearchBackend(LanguagesMixin, SQLiteSearchBackend):
    query_compiler_class = FoldingSQLiteSearchQueryCompiler
    autocomplete_query_compiler_class = FoldingSQLiteAutocompleteQueryCompiler
    index_class = FoldingSQLiteIndex
    results_class = LanguageSQLiteSearchResults


SearchBackend = FoldingSQLiteSearchBackend
