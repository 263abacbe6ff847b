"""Media blocks: images, galleries, embeds, documents and partner logos."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock as WagtailTableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock as WagtailImageBlock
from wagtail.snippets.blocks import SnippetChooserBlock

from . import previews


class ImageBlock(previews.PreviewableBlock, blocks.StructBlock):
    image = WagtailImageBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=300)
    credit = blocks.CharBlock(
        label=_("Credit"),
        required=False,
        max_length=200,
        help_text=_("Photographer or source, e.g. 'Photo: Daugavpils City Council'."),
    )

    class Meta:
        icon = "image"
        template = "cities_cms/blocks/image.html"
        label = _("Image")
        description = _("An image with alternative text, an optional caption and a credit.")
        preview_value = staticmethod(previews.image_preview)


class GalleryImageBlock(blocks.StructBlock):
    image = WagtailImageBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=300)


class GalleryBlock(previews.PreviewableBlock, blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=200)
    images = blocks.ListBlock(GalleryImageBlock(), label=_("Images"), min_num=1, max_num=24)

    class Meta:
        icon = "image"
        template = "cities_cms/blocks/gallery.html"
        label = _("Gallery")
        description = _("A grid of images with captions.")
        preview_value = staticmethod(previews.gallery_preview)


# Providers whose players can be shown in place once a visitor asks for it. Nothing is loaded
# from them until then: public-sector pages must not make third-party requests on their own.
EMBED_PLAYERS = {
    "www.youtube.com": "https://www.youtube-nocookie.com/embed/{id}",
    "youtube.com": "https://www.youtube-nocookie.com/embed/{id}",
    "youtu.be": "https://www.youtube-nocookie.com/embed/{id}",
    "vimeo.com": "https://player.vimeo.com/video/{id}",
}


def embed_player_url(url):
    """Return the player address for a known video URL, or "" for any other address."""
    parts = urlsplit(url)
    host = parts.netloc.lower()
    if host not in EMBED_PLAYERS:
        return ""
    if host == "youtu.be":
        video_id = parts.path.strip("/")
    elif "youtube" in host:
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        video_id = query.get("v", "")
    else:
        video_id = parts.path.strip("/").split("/")[0]
    if not video_id or not video_id.replace("-", "").replace("_", "").isalnum():
        return ""
    return EMBED_PLAYERS[host].format(id=video_id)


class EmbedBlock(previews.PreviewableBlock, blocks.StructBlock):
    """A video or other media hosted elsewhere, shown as a link until the visitor opts in."""

    url = blocks.URLBlock(label=_("Address"), help_text=_("E.g. a YouTube or Vimeo link."))
    title = blocks.CharBlock(
        label=_("Title"),
        max_length=200,
        help_text=_("Describes the media for people who cannot see or play it."),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=300)
    transcript = blocks.RichTextBlock(
        label=_("Transcript"),
        required=False,
        features=["bold", "italic", "link"],
    )

    def clean(self, value):
        value = super().clean(value)
        if urlsplit(value["url"]).scheme != "https":
            raise blocks.StructBlockValidationError(
                block_errors={"url": ValidationError(_("Use an https:// address."))}
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["player_url"] = player = embed_player_url(value["url"])
        if player:
            # The page's Content-Security-Policy lets this one player in (once asked for).
            from ..csp import allow_frame

            parts = urlsplit(player)
            allow_frame((parent_context or {}).get("request"), f"{parts.scheme}://{parts.netloc}")
        context["provider"] = urlsplit(value["url"]).netloc.removeprefix("www.")
        return context

    class Meta:
        icon = "media"
        template = "cities_cms/blocks/embed.html"
        label = _("Embedded media")
        description = _(
            "A video from another site. Visitors see a link and load the player only if they "
            "choose to, so no data goes to the provider without consent."
        )
        preview_value = staticmethod(previews.embed_preview)


class DocumentItemBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to use the document's own title."),
    )
    description = blocks.CharBlock(label=_("Description"), required=False, max_length=300)


class DocumentListBlock(previews.PreviewableBlock, blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=200)
    documents = blocks.ListBlock(DocumentItemBlock(), label=_("Documents"), min_num=1)

    class Meta:
        icon = "doc-full-inverse"
        template = "cities_cms/blocks/document_list.html"
        label = _("Document list")
        description = _("Downloads with their file type and size, e.g. reports and slides.")
        preview_value = staticmethod(previews.document_list_preview)


class PartnerLogosBlock(previews.PreviewableBlock, blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=200)
    partners = blocks.ListBlock(
        SnippetChooserBlock("cities_cms.Organisation"), label=_("Organisations"), min_num=1
    )

    class Meta:
        icon = "group"
        template = "cities_cms/blocks/partner_logos.html"
        label = _("Partner logos")
        description = _("Logos of partner organisations, each linked to its website.")
        preview_value = staticmethod(previews.partner_logos_preview)


class TableBlock(previews.PreviewableBlock, WagtailTableBlock):
    """Wagtail's table editor, rendered as plain text cells in a scrollable region."""

    class Meta:
        icon = "table"
        template = "cities_cms/blocks/table.html"
        label = _("Table")
        description = _("A data table with a caption and header row or column.")
        preview_value = staticmethod(previews.table_preview)
