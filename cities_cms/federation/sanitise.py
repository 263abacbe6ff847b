"""Rich text that arrives from a peer, cleaned with nh3 whatever the sender claims.

The allow-list is the one of docs/federation.md §4: p, h2–h4, ul, ol, li, a, b, strong, i,
em, br. Links keep ``href`` (http, https, mailto only) and ``title``, and get
``rel="noopener nofollow"``; every other attribute (``style``, ``on*``, ``class`` …) and every
other element goes, and the content of ``script``, ``style`` and the like is dropped with it.
"""

import nh3

TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "a", "b", "strong", "i", "em", "br"}
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener nofollow"
# Elements whose content must not survive as text either.
DROP_CONTENT = {"script", "style", "template", "svg", "math", "iframe", "object", "noscript"}


def clean_html(html) -> str:
    """Harmless HTML from anything: a string of allowed markup (or "" for non-strings)."""
    if not isinstance(html, str) or not html:
        return ""
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=DROP_CONTENT,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        # Relative links mean nothing on this site: nh3 removes them.
        url_relative="deny",
    )


def clean_text(text, max_length=None) -> str:
    """Plain text: no markup at all (tags removed, text kept), control characters removed."""
    if not isinstance(text, str):
        return ""
    text = "".join(ch for ch in text if ch in "\n\t" or ch >= " ").strip()
    if max_length is not None:
        text = text[:max_length]
    return text
