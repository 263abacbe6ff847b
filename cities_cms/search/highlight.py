"""HTML-safe excerpts of results with the words that matched the query marked."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

from ..conf import settings
from . import analysis
from .languages import language_code


class Matcher:
    """Whether a word of a text matches a query, as the database search decides.

    A word of a text in language ``language`` matches when one of its tokens is a token of a
    query word in one of ``query_languages``, or starts with a query word's prefix
    (``analysis.alternatives``): "Stadtteil" marks "Stadtteilen", "mieście" marks "miasto".
    """

    def __init__(self, query, language=None, query_languages=None):
        self.language = language_code(language)
        codes = tuple(query_languages or ()) or (self.language,)
        exact, prefixes = set(), set()
        for word in analysis.query_words(query):
            word_exact, word_prefixes = analysis.alternatives(word, codes)
            exact.update(word_exact)
            prefixes.update(word_prefixes)
        self.exact = frozenset(exact)
        self.prefixes = tuple(sorted(prefixes))

    def __bool__(self):
        return bool(self.exact or self.prefixes)

    def __call__(self, word):
        return analysis.matches_word(word, self.language, self.exact, self.prefixes)


def highlight(text, query, *, length=None, language=None, query_languages=None, matcher=None):
    """An excerpt of plain ``text`` around its first matching word, escaped, with every
    matching word in ``<mark>``.

    Args:
        text: plain text (HTML is escaped, not interpreted).
        query: what the visitor typed.
        length: characters of the excerpt (``CITIES_CMS_SEARCH_SNIPPET_LENGTH``).
        language: the language of ``text`` (an alias's: its original's).
        query_languages: the languages the search read the query in (default: ``language``).
        matcher: a ``Matcher`` of the same query and languages, to build it once for many
            texts.
    """
    length = length or settings.CITIES_CMS_SEARCH_SNIPPET_LENGTH
    text = " ".join(str(text or "").split())
    if not text:
        return ""
    matcher = matcher or Matcher(query, language, query_languages)
    if not matcher:
        return escape(_clip(text, 0, length))
    words = analysis.WORD.finditer(text)
    first = next((word for word in words if matcher(word.group())), None)
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
    for word in analysis.WORD.finditer(text, start, end):
        if matcher(word.group()):
            pieces.append(escape(text[position : word.start()]))
            pieces.append(f"<mark>{escape(word.group())}</mark>")
            position = word.end()
    pieces.append(escape(text[position:end]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)  # noqa: S308 (every piece is escaped)


def _clip(text, start, length):
    if len(text) - start <= length:
        return text[start:]
    end = text.rfind(" ", start, start + length)
    return text[start : end if end > start else start + length] + " …"
