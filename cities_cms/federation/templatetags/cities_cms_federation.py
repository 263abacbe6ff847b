"""Template tags of the federation: what a practice model received from a partner shows.

``{% federated_copy page as copy %}`` gives the page's ``FederatedCopy`` (or None) with
``copy.original_url``: the canonical address of the page's language on the origin (else of any
language). The answer is kept on the page object, so the canonical link in the head and the
attribution in the body cost one query together.
"""

from django import template

register = template.Library()

_MISSING = object()


@register.simple_tag
def federated_copy(page):
    if page is None or not getattr(page, "pk", None):
        return None
    cached = getattr(page, "_cities_cms_federated_copy", _MISSING)
    if cached is not _MISSING:
        return cached
    from ..models import FederatedCopy

    copy = FederatedCopy.objects.filter(global_id=page.translation_key).first()
    if copy is not None:
        urls = copy.canonical_urls if isinstance(copy.canonical_urls, dict) else {}
        language = getattr(getattr(page, "locale", None), "language_code", None)
        copy.original_url = urls.get(language) or next(iter(urls.values()), "") or ""
    page._cities_cms_federated_copy = copy
    return copy
