"""Elasticsearch 9 with an analyzer per language, folded as the database backends are.

Wagtail's backend puts the text of all search fields into one ``_all_text`` field analysed
with the ``standard`` analyzer, whatever the language of the page. Elasticsearch cannot pick
an analyzer per document, so this backend adds one field per language, ``_all_text_<code>``
(``_all_text_lv``, ``_all_text_pl`` ...), and a document fills only the field of its text's
language (an alias: its original's). Each field is analysed as ``cities_cms.search.analysis``
analyses text for the database backends:

- ``_all_text_<code>``: the Romanian cedilla letters as comma-below letters, lower case, the
  language's stemmer, then ``asciifolding`` (the stem of the word as written, folded);
- ``.folded``: the same with ``asciifolding`` before the stemmer (the stem of the word
  without its diacritics, as a visitor who types without them gets it);
- ``.words``: the words, folded, for prefixes.

``backend.for_language(code, others)`` returns a backend whose queries ask, for each word,
for any of these in the fields of ``code`` and ``others`` (the languages of the untranslated
pages shown in ``code``), and rank by the boosted fields (the title). Stemmers: the
``stemmer`` token filter in the language ``CITIES_CMS_SEARCH_ELASTICSEARCH_ANALYZERS`` names
(``latvian``, ``lithuanian``, ``romanian`` ...), and for ``polish`` the ``polish_stem`` filter
of the analysis-stempel plugin, which must be installed on every node. Autocomplete uses
Wagtail's edge n-grams (prefixes, diacritics folded) and accepts one typing error per word
(``fuzziness``) in longer words.

Use it in ``WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND":
"cities_cms.search.backends.elasticsearch9", "URLS": [...]}}``; see docs/search.md. Changing
the analyzers needs the index rebuilt: ``manage.py update_index``.
"""

from modelsearch.backends.elasticsearch9 import (
    Elasticsearch9AutocompleteQueryCompiler,
    Elasticsearch9Index,
    Elasticsearch9Mapping,
    Elasticsearch9SearchBackend,
    Elasticsearch9SearchQueryCompiler,
    Elasticsearch9SearchResults,
)
from modelsearch.index import RelatedFields, SearchField
from modelsearch.query import PlainText

from ...conf import settings
from .. import analysis
from ..languages import TextLanguages
from ..text import query_terms
from .common import LanguageResultsMixin, LanguagesMixin

ALL_TEXT = "_all_text_{code}"
ANALYZER = "cities_cms_{code}"
FOLDED_ANALYZER = "cities_cms_{code}_folded"
WORDS_ANALYZER = "cities_cms_words"
STEMMER = "cities_cms_stem_{code}"
COMMA_BELOW = "cities_cms_comma_below"


def languages():
    """Language codes with an analyzer of their own."""
    return list(settings.CITIES_CMS_SEARCH_ELASTICSEARCH_ANALYZERS)


def _stemmer_filter(name):
    if name == "polish":
        return {"type": "polish_stem"}  # the analysis-stempel plugin
    return {"type": "stemmer", "language": name}


def analysis_settings():
    """``settings.analysis`` entries: analyzers, token filters and a character filter.

    Per language: ``cities_cms_<code>`` (stem, then fold) and ``cities_cms_<code>_folded``
    (fold, then stem); shared: ``cities_cms_words`` (folded words). A language mapped to
    ``standard`` has no stemmer.
    """
    analyzers = {
        WORDS_ANALYZER: {
            "type": "custom",
            "tokenizer": "standard",
            "char_filter": [COMMA_BELOW],
            "filter": ["lowercase", "asciifolding"],
        }
    }
    filters = {}
    for code, name in settings.CITIES_CMS_SEARCH_ELASTICSEARCH_ANALYZERS.items():
        stem = []
        if name != "standard":
            filters[STEMMER.format(code=code)] = _stemmer_filter(name)
            stem = [STEMMER.format(code=code)]
        base = {"type": "custom", "tokenizer": "standard", "char_filter": [COMMA_BELOW]}
        analyzers[ANALYZER.format(code=code)] = {
            **base,
            "filter": ["lowercase", *stem, "asciifolding"],
        }
        analyzers[FOLDED_ANALYZER.format(code=code)] = {
            **base,
            "filter": ["lowercase", "asciifolding", *stem],
        }
    char_filters = {
        COMMA_BELOW: {
            "type": "mapping",
            # Romanian: the cedilla letters of older keyboards are the comma-below letters.
            "mappings": ["ş => ș", "Ş => Ș", "ţ => ț", "Ţ => Ț"],
        }
    }
    return {"analyzer": analyzers, "filter": filters, "char_filter": char_filters}


def text_of(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(text_of(item) for item in value)
    if isinstance(value, dict):
        return " ".join(text_of(item) for item in value.values())
    return str(value)


class LanguageMapping(Elasticsearch9Mapping):
    def get_mapping(self):
        mapping = super().get_mapping()
        for code in languages():
            mapping["properties"][ALL_TEXT.format(code=code)] = {
                "type": "text",
                "analyzer": ANALYZER.format(code=code),
                "fields": {
                    "folded": {"type": "text", "analyzer": FOLDED_ANALYZER.format(code=code)},
                    "words": {"type": "text", "analyzer": WORDS_ANALYZER},
                },
            }
        return mapping

    def get_document(self, obj):
        doc = super().get_document(obj)
        code = TextLanguages().for_object(obj)
        if code in languages():
            texts = []
            for field in self.model.get_search_fields():
                if isinstance(field, SearchField):
                    texts.append(text_of(field.get_value(obj)))
                elif isinstance(field, RelatedFields):
                    name = self.get_field_column_name(field)
                    texts.append(text_of(doc.get(name)))
            doc[ALL_TEXT.format(code=code)] = " ".join(t for t in texts if t)
        return doc


class LanguageIndex(Elasticsearch9Index):
    mapping_class = LanguageMapping


class LanguageSearchQueryCompiler(Elasticsearch9SearchQueryCompiler):
    """With ``languages`` (set by the results from their backend), plain text queries search
    the fields of those languages instead of the standard-analysed ``_all_text``."""

    mapping_class = LanguageMapping
    languages = None

    def get_inner_query(self):
        if isinstance(self.query, PlainText):
            if self._fields_languages():
                return self._language_query()
            # Only words: a match query does not parse syntax, but a long run of symbols
            # is still not worth sending.
            words = query_terms(self.query.query_string, folded=False)
            self.query = PlainText(" ".join(words), operator=self.query.operator)
        return super().get_inner_query()

    def _language_query(self):
        """Every word (or, with the "or" operator, any) in one of its forms, in one of the
        languages' fields; ranked also by the boosted fields (the title)."""
        words = analysis.query_words(self.query.query_string)
        if not words:
            return {"match_none": {}}
        clauses = [
            {"bool": {"should": self._word(word), "minimum_should_match": 1}} for word in words
        ]
        boosted = [f for f in self.remapped_fields if f.field_name != "_all_text"]
        ranking = []
        if boosted:
            ranking = [
                {
                    "multi_match": {
                        "query": " ".join(words),
                        "fields": [f.field_name_with_boost for f in boosted],
                    }
                }
            ]
        if self.query.operator == "or":
            return {"bool": {"should": clauses + ranking, "minimum_should_match": 1}}
        return {"bool": {"must": clauses, "should": ranking}}

    def _fields_languages(self):
        if self.fields:
            return ()
        return [code for code in self.languages or () if code in languages()]

    def _word(self, word):
        """The alternatives of one query word, as ``analysis.alternatives`` has them."""
        prefixes = analysis.word_prefixes(word)
        should = []
        for code in self._fields_languages():
            field = ALL_TEXT.format(code=code)
            should.append({"match": {field: {"query": word}}})
            should.append({"match": {f"{field}.folded": {"query": word}}})
            should.extend({"prefix": {f"{field}.words": prefix}} for prefix in prefixes)
        return should


class LanguageAutocompleteQueryCompiler(Elasticsearch9AutocompleteQueryCompiler):
    mapping_class = LanguageMapping

    def _compile_plaintext_query(self, query, fields, boost=1.0):
        compiled = super()._compile_plaintext_query(query, fields, boost=boost)
        # One typing error per word of five letters or more ("AUTO:5,100": none below).
        inner = compiled.get("match", {})
        for value in inner.values():
            value["fuzziness"] = "AUTO:5,100"
        if "multi_match" in compiled:
            compiled["multi_match"]["fuzziness"] = "AUTO:5,100"
        return compiled


class LanguageSearchResults(LanguageResultsMixin, Elasticsearch9SearchResults):
    pass


class LanguageElasticsearchBackend(LanguagesMixin, Elasticsearch9SearchBackend):
    mapping_class = LanguageMapping
    index_class = LanguageIndex
    query_compiler_class = LanguageSearchQueryCompiler
    autocomplete_query_compiler_class = LanguageAutocompleteQueryCompiler
    results_class = LanguageSearchResults

    def __init__(self, params):
        super().__init__(params)
        analysis_ = self.settings["settings"]["analysis"]
        for kind, entries in analysis_settings().items():
            analysis_.setdefault(kind, {}).update(entries)


SearchBackend = LanguageElasticsearchBackend
