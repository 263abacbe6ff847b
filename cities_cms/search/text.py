"""Text handling shared by the search backends and the search page.

- ``fold``: lower case without diacritics (SQLite's FTS5 tokenizer folds ``ī`` or ``ą`` but
  not letters such as ``ł``, ``ß`` or ``ø``).
- ``query_terms``: the words of what a visitor typed, and nothing else: no operator, quote,
  column filter or wildcard of any search engine's syntax reaches a backend.
- ``stem_prefix``: the start of a long word that its inflected forms share.

The language-aware steps (stemming, the tokens of the index) are in ``analysis``; the marked
excerpts of the results in ``highlight``.
"""

import re
import unicodedata

from ..conf import settings

# Letters that Unicode does not decompose into a base letter and a combining mark.
_LETTERS = str.maketrans(
    {
        "ł": "l",
        "Ł": "l",
        "ß": "ss",
        "ẞ": "ss",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "œ": "oe",
        "Œ": "oe",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
        "ħ": "h",
        "Ħ": "h",
    }
)
# Letters and digits; "_" separates words, as it does for FTS5 and PostgreSQL.
_WORD = re.compile(r"[^\W_]+")


def fold(text):
    """``text`` in lower case, without diacritics: "Łódź, Daugavpilī" -> "lodz, daugavpili"."""
    text = str(text).translate(_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def query_terms(query, *, folded=True, limit=None):
    """The words of ``query`` (folded unless ``folded=False``), at most ``limit`` of them.

    Everything that is not a letter or a digit separates words, so that quotes, parentheses,
    ``*``, ``^``, ``:`` and the like never reach a query parser.
    """
    text = fold(query) if folded else str(query).lower()
    words = _WORD.findall(text)
    if limit is None:
        limit = settings.CITIES_CMS_SEARCH_MAX_TERMS
    return words[:limit]


def stem_prefix(word):
    """A prefix that also matches the word's inflected forms, or None for short words.

    Daugavpils, Daugavpilī, Daugavpilij all start with "daugavpi". The prefix drops up to two
    letters and keeps at least ``CITIES_CMS_SEARCH_PREFIX_MIN_LENGTH - 2`` of them.
    """
    minimum = settings.CITIES_CMS_SEARCH_PREFIX_MIN_LENGTH
    if not minimum or len(word) < minimum or any(c.isdigit() for c in word):
        # Numbers and codes ("2024", "unikat77", "b2b") have no inflected forms.
        return None
    return word[:-2] if len(word) - 2 >= minimum - 2 else None
