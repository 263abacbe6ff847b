"""Template tags of the extension points (cities_cms.extensions), part of ``cities_cms_tags``.

``{% extension_fragments "slot" %}`` renders the templates that optional apps registered for
that place, with the page's context; ``{% extension_value "name" page as value %}`` gives the
first answer of the providers of ``name`` (empty when none is installed).
"""

from django import template
from django.utils.safestring import mark_safe

from .. import extensions

register = template.Library()


@register.simple_tag(takes_context=True)
def extension_fragments(context, slot):
    engine = context.template.engine
    return mark_safe(  # noqa: S308 - templates of installed apps, rendered by Django
        "".join(engine.get_template(name).render(context) for name in extensions.fragments(slot))
    )


@register.simple_tag
def extension_value(name, *args):
    return extensions.first_value(name, *args, default="")
