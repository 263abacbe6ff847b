"""Text blocks: headings, rich text, quotes, notices, accordions, calls to action, page cards."""

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

from . import previews

# Rich text is limited to what the block templates render safely and accessibly: headings
# have their own block (so the outline stays valid), and no images or embeds hide in text.
RICH_TEXT_FEATURES = ["bold", "italic", "ol", "ul", "link", "document-link"]
# Short text: one paragraph of emphasis and links.
INLINE_RICH_TEXT_FEATURES = ["bold", "italic", "link"]


class HeadingBlock(previews.PreviewableBlock, blocks.StructBlock):
    text = blocks.CharBlock(label=_("Text"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("Level"),
        choices=[
            ("h2", _("Section heading (h2)")),
            ("h3", _("Sub-heading (h3)")),
            ("h4", _("Minor heading (h4)")),
        ],
        default="h2",
        help_text=_("Keep levels in order: an h3 belongs under an h2."),
    )
    anchor = blocks.CharBlock(
        label=_("Anchor"),
        required=False,
        max_length=80,
        help_text=_("Optional id for links to this heading, e.g. 'results'."),
    )

    def clean(self, value):
        value = super().clean(value)
        if value.get("anchor") and slugify(value["anchor"]) != value["anchor"]:
            raise StructBlockValidationError(
                block_errors={
                    "anchor": ValidationError(_("Use lower-case letters, digits and hyphens only."))
                }
            )
        return value

    class Meta:
        icon = "title"
        template = "cities_cms/blocks/heading.html"
        label = _("Heading")
        description = _("A section heading that also appears in the page outline.")
        preview_value = staticmethod(previews.heading_preview)


class ParagraphBlock(previews.PreviewableBlock, blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        template = "cities_cms/blocks/paragraph.html"
        label = _("Rich text")
        description = _("Paragraphs with bold, italic, lists and links.")
        preview_value = staticmethod(previews.paragraph_preview)


class QuoteBlock(previews.PreviewableBlock, blocks.StructBlock):
    quote = blocks.TextBlock(label=_("Quote"), max_length=1000)
    attribution = blocks.CharBlock(label=_("Who said it"), required=False, max_length=200)
    source = blocks.CharBlock(
        label=_("Role or source"),
        required=False,
        max_length=200,
        help_text=_("E.g. 'Deputy mayor of Daugavpils' or the title of a report."),
    )

    class Meta:
        icon = "openquote"
        template = "cities_cms/blocks/quote.html"
        label = _("Quote")
        description = _("A quotation with the person or source it comes from.")
        preview_value = staticmethod(previews.quote_preview)


class NoticeBlock(previews.PreviewableBlock, blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Kind"),
        choices=[
            ("info", _("Information")),
            ("important", _("Important")),
            ("success", _("Result")),
        ],
        default="info",
    )
    title = blocks.CharBlock(label=_("Title"), required=False, max_length=120)
    text = blocks.RichTextBlock(label=_("Text"), features=INLINE_RICH_TEXT_FEATURES)

    class Meta:
        icon = "info-circle"
        template = "cities_cms/blocks/notice.html"
        label = _("Notice")
        description = _("A highlighted box for a key message, a warning or a result.")
        preview_value = staticmethod(previews.notice_preview)


class AccordionItemBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    body = blocks.RichTextBlock(label=_("Content"), features=RICH_TEXT_FEATURES)


class AccordionBlock(previews.PreviewableBlock, blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=200)
    items = blocks.ListBlock(AccordionItemBlock(), label=_("Items"), min_num=1)

    class Meta:
        icon = "list-ul"
        template = "cities_cms/blocks/accordion.html"
        label = _("Accordion")
        description = _(
            "Questions and answers or long details that readers open one at a time; "
            "works without JavaScript."
        )
        preview_value = staticmethod(previews.accordion_preview)


class LinkBlock(blocks.StructBlock):
    """A link to a page of this site or to an address elsewhere."""

    page = blocks.PageChooserBlock(label=_("Page"), required=False)
    url = blocks.URLBlock(label=_("Or an address"), required=False)
    label = blocks.CharBlock(label=_("Link text"), max_length=80)

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("page")) == bool(value.get("url")):
            raise StructBlockValidationError(
                block_errors={"url": ValidationError(_("Choose either a page or an address."))}
            )
        return value

    class Meta:
        icon = "link"


class CallToActionBlock(previews.PreviewableBlock, blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=120)
    text = blocks.TextBlock(label=_("Text"), required=False, max_length=500)
    link = LinkBlock(label=_("Link"))

    class Meta:
        icon = "pick"
        template = "cities_cms/blocks/call_to_action.html"
        label = _("Call to action")
        description = _("A short invitation with one clear link, e.g. to register or download.")
        preview_value = staticmethod(previews.call_to_action_preview)


class PageCardsBlock(previews.PreviewableBlock, blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=200)
    pages = blocks.ListBlock(blocks.PageChooserBlock(), label=_("Pages"), min_num=1, max_num=12)

    class Meta:
        icon = "doc-full"
        template = "cities_cms/blocks/page_cards.html"
        label = _("Page cards")
        description = _("Cards linking to chosen pages, with their title and summary.")
        preview_value = staticmethod(previews.page_cards_preview)
