"""Block values on the wire, derived from this site's own block definitions.

The StreamField block library (``cities_cms/blocks``) is the one definition of the block
types; this module says how each kind of Wagtail block travels (``wire_type``): images as
``{"media": "m1"}`` (or, for Wagtail's ``ImageBlock``, with ``alt_text`` and
``decorative``), documents and page links as absolute URLs or null, snippets as null (a
contact card's person as a contact, when the editor allowed it), decimals and dates as
strings, list items as ``{"type": "item", "value": …, "id": …}``. From it follow a pydantic
model of each block type's value (``stream_types``), the published JSON Schema, and the
receiver's check of each block before it is converted (an invalid one is dropped with a
warning).
"""

from functools import cache
from typing import Annotated, Any, Literal

from pydantic import Field, create_model
from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock, ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from .common import WireModel, pattern, text
from .documents import Block, Contact, ImageUse, MediaRef

LinkUrl = Annotated[
    text(2000),
    Field(description="An absolute URL on the origin.", json_schema_extra={"format": "uri"}),
]
BlockDecimal = pattern(r"^-?[0-9]{1,20}(\.[0-9]{1,10})?$", "a decimal string such as -3.50")


def _title(block, path):
    name = type(block).__name__
    if type(block) in (blocks.StructBlock, blocks.StreamBlock, blocks.ListBlock):
        name = "".join(part.title().replace("_", "") for part in path) + name
    return name.removesuffix("Block") + "Value"


def _leaf(block):
    field = getattr(block, "field", None)
    required = block.required
    if isinstance(block, blocks.BooleanBlock):
        return bool, False
    if isinstance(block, blocks.ChoiceBlock):
        values = tuple(str(v) for v, _label in block.field.choices if v not in ("", None))
        kind = Literal[values] if values else str  # type: ignore[valid-type]
        return (kind, ...) if required else (kind | Literal[""] | None, "")
    if isinstance(block, blocks.IntegerBlock):
        limits = {"ge": field.min_value, "le": field.max_value}
        kind = Annotated[int, Field(**{k: v for k, v in limits.items() if v is not None})]
        return (kind, ...) if required else (kind | None, None)
    if isinstance(block, blocks.DecimalBlock):
        return (BlockDecimal, ...) if required else (BlockDecimal | None, None)
    if isinstance(block, blocks.FloatBlock):
        return (float, ...) if required else (float | None, None)
    if isinstance(block, blocks.DateBlock | blocks.DateTimeBlock | blocks.TimeBlock):
        fmt = (
            "date-time"
            if isinstance(block, blocks.DateTimeBlock)
            else "date"
            if isinstance(block, blocks.DateBlock)
            else "time"
        )
        kind = Annotated[str, Field(json_schema_extra={"format": fmt})]
        return (kind, ...) if required else (kind | None, None)
    if isinstance(block, blocks.RichTextBlock | blocks.FieldBlock):
        max_length = getattr(field, "max_length", None) or 200_000
        if required:
            return text(max_length, min_length=1), ...
        return text(max_length) | None, ""
    return Any, None


def wire_type(block, path=()):
    """(annotation, default) of ``block``'s value as it travels."""
    if isinstance(block, ImageBlock):
        return ImageUse | None, None
    if isinstance(block, ImageChooserBlock):
        return MediaRef | None, None
    if isinstance(block, DocumentChooserBlock | blocks.PageChooserBlock):
        return LinkUrl | None, None  # null: a draft, private or missing target
    if isinstance(block, SnippetChooserBlock):
        from ...snippets import Person

        if block.target_model is Person:
            return Contact | None, None
        return None, None  # snippets hold people's data: they never travel
    if isinstance(block, TableBlock):
        return dict[str, Any] | None, None
    if isinstance(block, blocks.StaticBlock):
        return None, None
    if isinstance(block, blocks.StreamBlock):
        return list[Block], []
    if isinstance(block, blocks.ListBlock):
        child, _default = wire_type(block.child_block, (*path, "item"))
        item = _list_item(child, _title(block.child_block, (*path, "item")))
        return list[item], []
    if isinstance(block, blocks.StructBlock):
        return struct_model(block, path), ...
    return _leaf(block)


def _list_item(child, name):
    return _model(
        name.removesuffix("Value") + "Item",
        type=(Literal["item"], "item"),
        value=(child, ...),
        id=(text(100) | None, None),
    )


_models: dict = {}


def _model(model_name, /, **fields):
    """One model per name: the same block class gives the same definition everywhere."""
    if model_name not in _models:
        _models[model_name] = create_model(model_name, __base__=WireModel, **fields)
    return _models[model_name]


def struct_model(block, path=()):
    fields = {name: wire_type(child, (*path, name)) for name, child in block.child_blocks.items()}
    return _model(_title(block, path), **fields)


def stream_types(stream_block) -> dict:
    """{block type name: value annotation} of a StreamBlock (e.g. a ``BodyBlock()``)."""
    return {name: wire_type(child, (name,))[0] for name, child in stream_block.child_blocks.items()}


@cache
def page_stream_types(page_class) -> dict:
    """{field name: {block type: value annotation}} of a page's StreamFields."""
    from wagtail.fields import StreamField

    return {
        field.name: stream_types(field.stream_block)
        for field in page_class._meta.get_fields()
        if isinstance(field, StreamField)
    }


@cache
def value_adapter(page_class, field_name, block_type):
    """A pydantic ``TypeAdapter`` checking one block type's value, or None if unknown."""
    from pydantic import TypeAdapter

    kind = page_stream_types(page_class).get(field_name, {}).get(block_type)
    return None if kind is None else TypeAdapter(kind)
