"""Incoming block JSON → Wagtail's stored JSON for this site's block definitions."""

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock, ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

# --- blocks ---------------------------------------------------------------------------------


class _Drop(Exception):
    """This block cannot be represented here."""


class BlockImporter:
    """Incoming block JSON (docs §4) → Wagtail's stored JSON for this site's block definitions.

    Images become local image ids, rich text is sanitised, snippets, documents and page links
    (which point at the origin) become empty; a link's page moves to its URL field. Unknown
    block types are dropped with a warning; so is a block that does not pass its definition's
    ``clean()`` afterwards.
    """

    def __init__(self, images: dict, warnings: list, where: str):
        self.images = images  # ref -> Image
        self.warnings = warnings
        self.where = where

    def warn(self, code, message):
        self.warnings.append((code, f"{self.where}: {message}"))

    def stream(self, stream_block, raw, *, top=False):
        if not isinstance(raw, list):
            return []
        result = []
        for item in raw:
            if not isinstance(item, dict):
                continue
            kind = item.get("type")
            child = stream_block.child_blocks.get(kind) if isinstance(kind, str) else None
            if child is None:
                self.warn(
                    "unknown-block",
                    _("dropped unknown block type %(type)r.") % {"type": str(kind)[:50]},
                )
                continue
            try:
                value = self.value(child, item.get("value"))
                if top:
                    child.clean(child.to_python(value))
            except _Drop:
                self.warn(
                    "dropped-block", _("dropped a %(type)s block it cannot show.") % {"type": kind}
                )
                continue
            except (DjangoValidationError, TypeError, ValueError, KeyError, AttributeError) as exc:
                self.warn(
                    "invalid-block",
                    _("dropped an invalid %(type)s block (%(error)s).")
                    % {"type": kind, "error": str(exc)[:200]},
                )
                continue
            result.append({"type": kind, "value": value, "id": self.block_id(item.get("id"))})
        return result

    @staticmethod
    def block_id(value):
        if isinstance(value, str):
            try:
                return str(uuid.UUID(value))
            except ValueError:
                pass
        return str(uuid.uuid4())

    def image_id(self, value):
        if isinstance(value, dict):
            image = self.images.get(value.get("media"))
            if image is not None:
                return image.pk
        return None

    def value(self, block, value):
        if isinstance(block, ImageBlock):
            image_id = self.image_id(value)
            if image_id is None:
                if block.required:
                    raise _Drop
                return None
            alt = value.get("alt_text") if isinstance(value, dict) else ""
            return {
                "image": image_id,
                "alt_text": alt if isinstance(alt, str) else "",
                "decorative": bool(isinstance(value, dict) and value.get("decorative") is True),
            }
        if isinstance(block, ImageChooserBlock):
            image_id = self.image_id(value)
            if image_id is None and block.required:
                raise _Drop
            return image_id
        if isinstance(block, DocumentChooserBlock | SnippetChooserBlock | blocks.PageChooserBlock):
            if block.required:
                raise _Drop
            return None
        if isinstance(block, blocks.RichTextBlock):
            from ..sanitise import clean_html

            return clean_html(value)
        if isinstance(block, blocks.StreamBlock):
            return self.stream(block, value)
        if isinstance(block, blocks.ListBlock):
            if not isinstance(value, list):
                return []
            items = []
            for item in value:
                child_value = (
                    item.get("value") if isinstance(item, dict) and "type" in item else item
                )
                try:
                    converted = self.value(block.child_block, child_value)
                except _Drop:
                    continue
                item_id = item.get("id") if isinstance(item, dict) else None
                items.append({"type": "item", "value": converted, "id": self.block_id(item_id)})
            return items
        if isinstance(block, blocks.StructBlock):
            data = value if isinstance(value, dict) else {}
            result = {}
            for name, child in block.child_blocks.items():
                incoming = data.get(name)
                if isinstance(child, blocks.PageChooserBlock) and isinstance(incoming, str):
                    # A page link of the origin: keep it as an address where there is room.
                    url_child = block.child_blocks.get("url")
                    if isinstance(url_child, blocks.URLBlock) and not data.get("url"):
                        data = {**data, "url": incoming}
                result[name] = self.value(child, incoming)
            return result
        # Leaf blocks: JSON values only; the block's clean() decides the rest.
        if isinstance(value, dict | list):
            from wagtail.contrib.table_block.blocks import TableBlock

            if isinstance(block, TableBlock):
                return value
            raise _Drop
        return value
