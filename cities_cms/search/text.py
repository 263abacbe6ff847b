"""Text handling shared by the search backends and the search page.

- ``fold``: lower case without diacritics, for the embedded backends (SQLite's FTS5 tokenizer
  folds ``ī`` or ``ą`` but not letters such as ``ł``, ``ß`` or ``ø``).
- ``query_terms``: the words of what a visitor typed, and nothing else: no operator, quote,
  column filter or wildcard of any search engine's syntax reaches a backend.
- ``expand``: light, language-independent stemming by prefix for backends without a stemmer.
- ``highlight``: an HTML-safe excerpt with the query's words marked.
"""

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import mark_safe

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
_WORD = re.compile(r"\w+")


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
    words = [word.strip("_") for word in _WORD.findall(text)]
    words = [word for word in words if word]
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


def _matcher(terms):
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words))


def highlight(text, query, *, length=None):
    """An excerpt of plain ``text`` around the first match, escaped, with matches in <mark>.

    Matching ignores case and diacritics (on a folded copy of the text, which has the same
    length character for character where folding does not change the length; otherwise the
    excerpt is taken from the start without marks).
    """
    length = length or settings.CITIES_CMS_SEARCH_SNIPPET_LENGTH
    text = " ".join(str(text or "").split())
    if not text:
        return ""
    terms = query_terms(query)
    prefixes = [stem_prefix(t) or t for t in terms]
    matcher = _matcher(prefixes)
    folded = _fold_same_length(text)
    if matcher is None or folded is None:
        return escape(_clip(text, 0, length))
    first = matcher.search(folded)
    start = 0
    if first and first.start() > length // 3:
        start = first.start() - length // 3
        space = text.rfind(" ", 0, start)
        start = space + 1 if space > 0 else start
    end = min(len(text), start + length)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    pieces = []
    position = start
    for match in matcher.finditer(folded, start, end):
        # Mark whole words that start with the term: "seminar" marks "seminars".
        word_end = match.end()
        while word_end < end and (text[word_end].isalnum()):
            word_end += 1
        if match.start() < position:
            continue
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(text[match.start() : word_end])}</mark>")
        position = word_end
    pieces.append(escape(text[position:end]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)  # noqa: S308 (every piece is escaped)


_FOLDED_CHARS = {}


def _fold_same_length(text):
    """``fold(text)`` with one character for each character of ``text``."""
    if text.isascii():
        return text.lower()
    out = []
    for char in text:
        folded = _FOLDED_CHARS.get(char)
        if folded is None:
            folded = fold(char)
            if len(folded) != 1:
                folded = folded[:1] or " "
            if len(_FOLDED_CHARS) < 10_000:  # bounded: texts may hold any character
                _FOLDED_CHARS[char] = folded
        out.append(folded)
    return "".join(out)


def _clip(text, start, length):
    if len(text) - start <= length:
        return text[start:]
    end = text.rfind(" ", start, start + length)
    return text[start : end if end > start else start + length] + " …"
