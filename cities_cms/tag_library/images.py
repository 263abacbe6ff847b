"""``{% stored_image %}``: Wagtail's ``{% image %}`` without a cache write per image and request.

Wagtail's ``Image.get_rendition`` stores the rendition in the cache every time it is called,
even when it just read it from the renditions prefetched with the page or from that same
cache: one cache write per image on every request (with the reference site's file cache, a
file written and renamed; ten on a listing page). ``find_rendition`` reads the prefetched
renditions, else the cache, and only on a miss goes through ``get_rendition`` (the database,
or a new rendition, then stored in the cache as Wagtail does). The output is the same as
``{% image %}``'s: same arguments, same ``as`` form.
"""

from django import template
from django.template.base import Token
from wagtail.images.models import Filter
from wagtail.images.shortcuts import get_rendition_or_not_found
from wagtail.images.templatetags.wagtailimages_tags import ImageNode
from wagtail.images.templatetags.wagtailimages_tags import image as parse_image

register = template.Library()


def find_rendition(image, filter):
    """``image``'s rendition for ``filter`` (a ``Filter`` or spec): prefetched, cached, else
    Wagtail's ``get_rendition`` (the database or a new file; stored in the cache)."""
    if isinstance(filter, str):
        filter = Filter(spec=filter)
    filter = image.clean_filter_for_svg(filter)
    Rendition = image.get_rendition_model()
    prefetched = image._get_prefetched_renditions()
    if prefetched is not None:
        key = filter.get_cache_key(image)
        for rendition in prefetched:
            if rendition.filter_spec == filter.spec and rendition.focal_point_key == key:
                return rendition
    else:
        cache_key = Rendition.construct_cache_key(image, filter.get_cache_key(image), filter.spec)
        rendition = Rendition.cache_backend.get(cache_key)
        if rendition is not None:
            rendition.image = image  # as Wagtail does: the caller's alt text and the like
            return rendition
    return get_rendition_or_not_found(image, filter)


class StoredImageNode(ImageNode):
    def render(self, context):
        image = self.validate_image(context)
        if not image:
            return ""
        rendition = find_rendition(image, self.get_filter())
        if self.output_var_name:
            context[self.output_var_name] = rendition
            return ""
        attrs = {key: value.resolve(context) for key, value in self.attrs.items()}
        return rendition.img_tag(attrs)


@register.tag
def stored_image(parser, token):
    """``{% stored_image page.listing_image fill-480x270 alt="" %}``: as ``{% image %}``."""
    _name, _space, rest = token.contents.partition(" ")
    node = parse_image(
        parser, Token(token.token_type, f"image {rest}", token.position, token.lineno)
    )
    return StoredImageNode(
        node.image_expr, node.filter_specs, output_var_name=node.output_var_name, attrs=node.attrs
    )
