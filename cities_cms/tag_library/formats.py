"""Filters for values in templates: block values and choices, dates, files, form fields, and
the query string of listing links.
"""

from django import template

from .. import dates

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs):
    """The current query string with some parameters replaced (e.g. for pagination links)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.filter
def filesize(document):
    """A document's size in bytes, or 0 if the file is missing."""
    try:
        return document.file.size
    except (OSError, ValueError):
        return 0


@register.filter
def choice_label(struct_value, name):
    """The human label of a choice field of a struct block value (e.g. a session's kind)."""
    value = struct_value.get(name)
    block = getattr(struct_value, "block", None)
    child = block.child_blocks.get(name) if block is not None else None
    choices = getattr(getattr(child, "field", None), "choices", None) or []
    for key, label in choices:
        if str(key) == str(value):
            return label
    return value


@register.filter(expects_localtime=True, is_safe=False)
def local_date(value, format_name="DATE_FORMAT"):
    """Like Django's ``date`` filter with a format name, with month and weekday names in lower
    case where the language writes them so inside a sentence (see ``cities_cms.dates``)."""
    return dates.format_date(value, format_name)


@register.filter
def isoformat(value):
    """An ISO 8601 date or time for ``<time datetime>``, to the second (no microseconds)."""
    if value in (None, ""):
        return ""
    try:
        return value.isoformat(timespec="seconds")
    except TypeError:  # dates take no timespec
        return value.isoformat()


@register.filter
def block_values(stream):
    """The values of a stream's blocks, e.g. the indicators of a practice model."""
    return [child.value for child in stream or []]


@register.filter
def field_widget(bound_field):
    """A form field's widget with ``aria-describedby`` pointing at its error and help text."""
    described_by = []
    if bound_field.errors:
        described_by.append(f"{bound_field.auto_id}-error")
    if bound_field.help_text:
        described_by.append(f"{bound_field.auto_id}-help")
    attrs = {"aria-describedby": " ".join(described_by)} if described_by else {}
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)
