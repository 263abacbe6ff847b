"""Elasticsearch 9 with an analyzer per language.

Wagtail's backend puts the text of all search fields into one ``_all_text`` field analysed
with the ``standard`` analyzer, whatever the language of the page. Elasticsearch cannot pick
an analyzer per document, so this backend adds one field per language, ``_all_text_<code>``
(``_all_text_lv``, ``_all_text_pl`` ...), analysed with that language's analyzer
(``CITIES_CMS_SEARCH_ELASTICSEARCH_ANALYZERS``: Elasticsearch's ``latvian``, ``lithuanian``,
``romanian`` ..., and ``polish`` from the analysis-stempel plugin). A document fills only the
field of its own locale's language; ``backend.for_language(code)`` returns a backend whose
queries search that field (and the title, boosted), so words are stemmed the same way on
both sides. Autocomplete uses Wagtail's edge n-grams (prefixes, diacritics folded) and
accepts one typing error per word (``fuzziness``) in longer words.

Use it in ``WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND":
"cities_cms.search.backends.elasticsearch9", "URLS": [...]}}``; see docs/search.md.
"""

import copy

from modelsearch.backends.elasticsearch9 import (
    Elasticsearch9AutocompleteQueryCompiler,
    Elasticsearch9Index,
    Elasticsearch9Mapping,
    Elasticsearch9SearchBackend,
    Elasticsearch9SearchQueryCompiler,
    Elasticsearch9SearchResults,
)
from modelsearch.backends.elasticsearchbase import Field
from modelsearch.index import RelatedFields, SearchField
from modelsearch.query import PlainText

from ...conf import settings
from ..languages import LocaleCodes, language_code
from ..text import query_terms

ALL_TEXT = "_all_text_{code}"
ANALYZER = "cities_cms_{code}"


def languages():
    """Language codes with an analyzer of their own."""
    return list(settings.CITIES_CMS_SEARCH_ELASTICSEARCH_ANALYZERS)


def analysis_settings():
    """``settings.analysis.analyzer`` entries: one analyzer per language.

    Each is an Elasticsearch language analyzer (``{"type": "latvian"}``); ``polish`` is
    provided by the analysis-stempel plugin, which must be installed on every node.
    """
    return {
        ANALYZER.format(code=code): {"type": analyzer}
        for code, analyzer in settings.CITIES_CMS_SEARCH_ELASTICSEARCH_ANALYZERS.items()
    }


def text_of(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(text_of(item) for item in value)
    if isinstance(value, dict):
        return " ".join(text_of(item) for item in value.values())
    return str(value)


class LanguageMapping(Elasticsearch9Mapping):
    _codes = None

    def get_mapping(self):
        mapping = super().get_mapping()
        for code in languages():
            mapping["properties"][ALL_TEXT.format(code=code)] = {
                "type": "text",
                "analyzer": ANALYZER.format(code=code),
            }
        return mapping

    def get_document(self, obj):
        doc = super().get_document(obj)
        code = language_code(LocaleCodes().for_object(obj))
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
    mapping_class = LanguageMapping
    language = None

    def set_language(self, code):
        """Search the language's field instead of the standard-analysed ``_all_text``."""
        if not code or self.fields:
            return
        self.language = language_code(code)
        if self.language in languages():
            self.remapped_fields = [
                Field(ALL_TEXT.format(code=self.language)),
                *[f for f in self.remapped_fields if f.field_name != "_all_text"],
            ]

    def get_inner_query(self):
        if isinstance(self.query, PlainText):
            # Only words: a match query does not parse syntax, but a long run of symbols
            # is still not worth sending.
            words = query_terms(self.query.query_string, folded=False)
            self.query = PlainText(" ".join(words), operator=self.query.operator)
        return super().get_inner_query()


class LanguageAutocompleteQueryCompiler(Elasticsearch9AutocompleteQueryCompiler):
    mapping_class = LanguageMapping

    def set_language(self, code):
        pass

    def _compile_plaintext_query(self, query, fields, boost=1.0):
        compiled = super()._compile_plaintext_query(query, fields, boost=boost)
        # One typing error per word of five letters or more ("AUTO:5,100": none below).
        inner = compiled.get("match", {})
        for value in inner.values():
            value["fuzziness"] = "AUTO:5,100"
        if "multi_match" in compiled:
            compiled["multi_match"]["fuzziness"] = "AUTO:5,100"
        return compiled


class LanguageSearchResults(Elasticsearch9SearchResults):
    def __init__(self, backend, query_compiler, prefetch_related=None):
        super().__init__(backend, query_compiler, prefetch_related=prefetch_related)
        query_compiler.set_language(getattr(backend, "language", None))


class LanguageElasticsearchBackend(Elasticsearch9SearchBackend):
    mapping_class = LanguageMapping
    index_class = LanguageIndex
    query_compiler_class = LanguageSearchQueryCompiler
    autocomplete_query_compiler_class = LanguageAutocompleteQueryCompiler
    results_class = LanguageSearchResults
    language = None

    def __init__(self, params):
        super().__init__(params)
        self.settings["settings"]["analysis"]["analyzer"].update(analysis_settings())

    def for_language(self, code):
        """A copy of this backend whose queries search in language ``code``."""
        backend = copy.copy(self)
        backend.language = language_code(code)
        return backend


SearchBackend = LanguageElasticsearchBackend
