"""Words as the database backends index and query them, per language.

The index and the queries go through the same steps, so that what a visitor types meets what
an editor wrote, with or without diacritics:

1. ``normalize``: Unicode NFC and lower case; the Romanian letters with a cedilla (ş, ţ), which
   older keyboards and documents still produce, become the comma-below letters (ș, ț) of the
   standard, so that both spellings are one word.
2. Each word of a page is indexed as up to three tokens, all folded (``text.fold``: lower case,
   no diacritics):

   - the stem that the language's stemmer gives for the word as written: the stemmers need
     the diacritics ("žinių" -> "žin"), so properly accented text keeps their work;
   - the stem of the word without its diacritics, as a visitor who types without them gets it
     (Romanian "orașele" -> "oraș", but "orasele" -> "ora");
   - the word itself, so that the start of a word also finds it ("upe" finds "upes").

3. A query word matches any of its own tokens in any language of the query (the visitor's,
   and the languages of the untranslated pages shown in it), an indexed token that starts
   with the word (three letters or more), or one that starts with the word less its last two
   letters (``CITIES_CMS_SEARCH_PREFIX_MIN_LENGTH`` letters or more: "balsot" finds "balso").

Stemmers (``CITIES_CMS_SEARCH_STEMMERS``) are Snowball's (the ``snowballstemmer`` package, the
same algorithms as PostgreSQL's and Elasticsearch's), and for Latvian, which Snowball lacks,
the light stemmer of Lucene and Elasticsearch (``LatvianStemmer``). A language without one
is folded only.
"""

import functools
import re
import threading
import unicodedata

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from ..conf import settings
from .languages import language_code
from .text import fold, stem_prefix

WORD = re.compile(r"[^\W_]+")
# Older Romanian keyboards and fonts have the cedilla letters only.
_CEDILLA = str.maketrans({"ş": "ș", "Ş": "ș", "ţ": "ț", "Ţ": "ț"})
# Shortest query word that also matches as the start of longer words.
PREFIX_MIN_LENGTH = 3

# Inflected forms whose stem the stemmer cannot relate to the other forms of the word: Polish
# changes consonants and vowels in the locative ("miasto", "w mieście"). The forms of words
# that the network's pages use often, mapped to a form that the stemmer does relate.
IRREGULAR = {
    "pl": {
        "mieście": "miasto",
        "polsce": "polska",
        "rzece": "rzeka",
        "drodze": "droga",
        "praktyce": "praktyka",
        "niemczech": "niemcy",
        "włoszech": "włochy",
        "wsi": "wieś",
    },
}


def normalize(text):
    """``text`` in NFC, lower case, with the Romanian comma-below letters for the cedilla ones."""
    return unicodedata.normalize("NFC", str(text)).lower().translate(_CEDILLA)


def words(text):
    """The normalised words of ``text``: letters and digits only (no ``_``, no punctuation)."""
    return WORD.findall(normalize(text))


# Stemmers ------------------------------------------------------------------------------------

_local = threading.local()
_specs = {}


def stemmer_spec(code):
    """The configured stemmer of a language: a Snowball name, a dotted path, or None."""
    return _language(code)[1]


def _language(code):
    """``(base language, stemmer setting)`` of a code, remembered until the settings change
    (a lookup in Django's settings for each word of each page would cost more than the rest)."""
    if code not in _specs:
        base = language_code(code)
        _specs[code] = (base, settings.CITIES_CMS_SEARCH_STEMMERS.get(base))
    return _specs[code]


@receiver(setting_changed)
def _forget_specs(setting, **kwargs):
    if setting in ("CITIES_CMS_SEARCH_STEMMERS", "LANGUAGE_CODE"):
        _specs.clear()


def load_stemmer(spec):
    """A function ``word -> stem`` for a stemmer setting (ImportError, KeyError if unknown).

    A name without a dot is a Snowball algorithm; anything else the dotted path of a function.
    """
    if "." in spec:
        return import_string(spec)
    import snowballstemmer

    return snowballstemmer.stemmer(spec).stemWord


def _stemmer(spec):
    # Snowball's stemmer objects keep their state while they work: one per thread.
    cache = getattr(_local, "stemmers", None)
    if cache is None:
        cache = _local.stemmers = {}
    if spec not in cache:
        cache[spec] = load_stemmer(spec)
    return cache[spec]


@functools.cache
def _irregular(code):
    forms = {}
    for form, lemma in IRREGULAR.get(code, {}).items():
        forms[form] = forms[fold(form)] = lemma
    return forms


@functools.lru_cache(maxsize=100_000)
def _tokens(word, code, spec):
    bare = fold(word)
    if not spec or any(c.isdigit() for c in word):
        return (bare,)  # numbers and codes ("2024", "b2b") have no inflected forms
    stem = _stemmer(spec)
    base = _irregular(code).get(word, word)
    tokens = dict.fromkeys((fold(stem(base)), fold(stem(fold(base))), bare))
    return tuple(token for token in tokens if token)


def tokens(word, code):
    """The index tokens of one normalised word in language ``code`` (see the module doc)."""
    return _tokens(word, *_language(code))


@functools.lru_cache(maxsize=100_000)
def _text_word_tokens(word, code, spec):
    return _tokens(normalize(word), code, spec)


def text_word_tokens(word, code):
    """``tokens`` of a word as it stands in a text (not yet normalised), for highlighting."""
    return _text_word_tokens(word, *_language(code))


def index_text(text, code):
    """``text`` as the space-separated tokens that the database backends index."""
    code, spec = _language(code)
    return " ".join(token for word in words(text) for token in _tokens(word, code, spec))


# Queries -------------------------------------------------------------------------------------


def query_words(query):
    """The normalised words of a query, at most ``CITIES_CMS_SEARCH_MAX_TERMS`` of them."""
    return words(query)[: settings.CITIES_CMS_SEARCH_MAX_TERMS]


def word_prefixes(word):
    """The starts of words that a query word also matches (see ``alternatives``)."""
    bare = fold(word)
    if len(bare) < PREFIX_MIN_LENGTH or any(c.isdigit() for c in bare):
        return ()
    shorter = stem_prefix(bare)
    return (bare, shorter) if shorter else (bare,)


def alternatives(word, codes):
    """What one query word matches: ``(exact tokens, prefixes)``, each a sorted tuple.

    Exact: the word's tokens in each language of ``codes``. Prefixes: the word (folded) when
    it has ``PREFIX_MIN_LENGTH`` letters or more, and the word less its last two letters when
    it is long (``text.stem_prefix``); a prefix that an exact token repeats is left out.
    """
    exact = set()
    for code in codes:
        exact.update(tokens(word, code))
    # "housi*" already matches what "housing*" and the token "housing" match: fewer
    # conditions for the database, the same pages.
    prefixes = set(word_prefixes(word))
    prefixes = {p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)}
    exact = {token for token in exact if not token.startswith(tuple(prefixes))}
    return tuple(sorted(exact)), tuple(sorted(prefixes))


def matches_word(word, code, exact, prefixes):
    """Whether a word of a text in language ``code`` matches query alternatives."""
    return any(
        token in exact or token.startswith(prefixes) for token in text_word_tokens(word, code)
    )


def query_groups(query, codes, *, autocomplete=False):
    """One ``(exact tokens, prefixes)`` group per word of ``query``, for a backend to match
    (a word matches when one of its group's alternatives does; every word must match).

    ``autocomplete``: the autocomplete column holds folded words, not stems: each word is
    itself (or, when long, the start it shares with its inflected forms), and the last one,
    which the visitor is still typing, a prefix.
    """
    if not autocomplete:
        return [alternatives(word, codes) for word in query_words(query)]
    folded = [fold(word) for word in query_words(query)]
    groups = []
    for position, word in enumerate(folded):
        if position == len(folded) - 1:
            groups.append(((), (word,)))
        else:
            shorter = stem_prefix(word)
            groups.append(((word,), (shorter,) if shorter else ()))
    return groups
