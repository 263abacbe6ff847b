"""Content for page templates: JSON-LD, feeds, a city in the page's language, and lists of
pages or objects with what their templates read prefetched (never a query per card).
"""

from collections import defaultdict

from django import template
from django.db.models import prefetch_related_objects

from .. import content_cache, jsonld
from . import context_locale

register = template.Library()


@register.simple_tag(takes_context=True)
def seminar_json_ld(context, seminar):
    return jsonld.dumps(jsonld.seminar_event(seminar, context["request"]))


@register.simple_tag(takes_context=True)
def city_json_ld(context, city):
    return jsonld.dumps(jsonld.city_page(city, context["request"]))


@register.simple_tag(takes_context=True)
def practice_model_json_ld(context, page, themes=None):
    return jsonld.dumps(jsonld.practice_model(page, context["request"], themes=themes))


@register.simple_tag
def page_feeds(page):
    """RSS and Atom feeds of a listing or city page: ``[{title, type, url, format, kind}]``."""
    from ..syndication.feeds import page_feeds as feeds_of

    return feeds_of(page) if page is not None else []


@register.simple_tag(takes_context=True)
def local_city(context, city):
    """``city`` (a city page of any language) as the page's language has it: its live, public
    translation there, else ``city`` itself. A page not yet translated (an alias) keeps its
    source's city, which would name and link the city in the source language.
    """
    if city is None:
        return None
    locale = context_locale(context)
    if locale is None or city.locale_id == locale.pk:
        return city
    return content_cache.cities(locale.pk).get(city.translation_key, city)


@register.simple_tag
def specific_pages(pages):
    """Live pages of a page chooser list as their specific types, in the chosen order.

    One query for the pages plus one per page type, plus listing images and renditions:
    never one per card.
    """
    from wagtail.models import Page

    ids = [p.pk for p in pages if p is not None]
    if not ids:
        return []
    found = {
        p.pk: p
        for p in Page.objects.filter(pk__in=ids).live().filter(content_cache.public_q()).specific()
    }
    by_class = defaultdict(list)
    for item in found.values():
        if hasattr(item, "listing_image_id"):
            by_class[type(item)].append(item)
    for items in by_class.values():
        prefetch_related_objects(items, "listing_image__renditions")
    return [found[pk] for pk in ids if pk in found]


@register.simple_tag
def prefetch_renditions(objects, attribute="image"):
    """Fetch the renditions of ``obj.<attribute>`` for all objects in one query; returns them.

    For lists of images in blocks (galleries, logos), so that ``{% image %}`` finds the
    renditions without one query per image.
    """
    objects = [o for o in objects if o is not None]
    images = []
    for obj in objects:
        image = obj.get(attribute) if isinstance(obj, dict) or hasattr(obj, "get") else None
        if image is None:
            image = getattr(obj, attribute, None)
        if image is not None and hasattr(image, "renditions"):
            images.append(image)
    if images:
        prefetch_related_objects(images, "renditions")
    return objects


@register.simple_tag
def prefetch(objects, *lookups):
    """``objects`` as a list with ``lookups`` prefetched, e.g. "person__photo__renditions".

    For lists that a view did not prefetch for a template (contacts with photos ...), so that
    the template costs a query per lookup instead of one per item. Objects may be None.
    """
    objects = list(objects or [])
    present = [o for o in objects if o is not None]
    if present and lookups:
        prefetch_related_objects(present, *lookups)
    return objects


@register.simple_tag
def prefetch_logos(organisations):
    """Organisations with their logos and the logos' renditions, in two queries."""
    organisations = [o for o in organisations if o is not None]
    prefetch_related_objects(organisations, "logo__renditions")
    return organisations
