"""Template tags of cities_cms: ``{% load cities_cms_tags %}``.

The one library that templates load. Its tags are written by subject in
``cities_cms.tag_library`` (themes, translations, site structure, content, formats, shared
fragments) and registered here together, with those of the extension points
(``extension_tags``: where optional apps plug in).
"""

from django import template

from ..tag_library import content, formats, fragments, images, structure, themes, translations
from . import extension_tags

register = template.Library()
for _part in (themes, translations, structure, content, formats, fragments, images, extension_tags):
    register.tags.update(_part.register.tags)
    register.filters.update(_part.register.filters)
