"""The StreamField block library.

Blocks live in modules by purpose; the stream blocks below combine them for page bodies.
"""

from wagtail import blocks

from .agenda import AgendaDayBlock, AgendaSessionBlock, SpeakerBlock
from .content import (
    INLINE_RICH_TEXT_FEATURES,
    RICH_TEXT_FEATURES,
    AccordionBlock,
    CallToActionBlock,
    HeadingBlock,
    LinkBlock,
    NoticeBlock,
    PageCardsBlock,
    ParagraphBlock,
    QuoteBlock,
)
from .data import IndicatorBlock, IndicatorsBlock, KeyFiguresBlock, TimelineBlock
from .media import (
    DocumentListBlock,
    EmbedBlock,
    GalleryBlock,
    ImageBlock,
    PartnerLogosBlock,
    TableBlock,
    embed_player_url,
)
from .people import ContactCardBlock


class BodyBlock(blocks.StreamBlock):
    """Everything an editor can put in the body of a page."""

    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = ImageBlock()
    gallery = GalleryBlock()
    quote = QuoteBlock()
    notice = NoticeBlock()
    key_figures = KeyFiguresBlock()
    indicators = IndicatorsBlock()
    timeline = TimelineBlock()
    embed = EmbedBlock()
    document_list = DocumentListBlock()
    call_to_action = CallToActionBlock()
    accordion = AccordionBlock()
    table = TableBlock()
    contact_card = ContactCardBlock()
    page_cards = PageCardsBlock()
    partner_logos = PartnerLogosBlock()


class AgendaBlock(blocks.StreamBlock):
    """A seminar's programme: days of sessions, or sessions of a one-day event."""

    day = AgendaDayBlock()
    session = AgendaSessionBlock()
    notice = NoticeBlock()


class MaterialsBlock(blocks.StreamBlock):
    documents = DocumentListBlock()
    embed = EmbedBlock()
    call_to_action = CallToActionBlock()


__all__ = [
    "INLINE_RICH_TEXT_FEATURES",
    "RICH_TEXT_FEATURES",
    "AccordionBlock",
    "AgendaBlock",
    "AgendaDayBlock",
    "AgendaSessionBlock",
    "BodyBlock",
    "CallToActionBlock",
    "ContactCardBlock",
    "DocumentListBlock",
    "EmbedBlock",
    "GalleryBlock",
    "HeadingBlock",
    "ImageBlock",
    "IndicatorBlock",
    "IndicatorsBlock",
    "KeyFiguresBlock",
    "LinkBlock",
    "MaterialsBlock",
    "NoticeBlock",
    "PageCardsBlock",
    "ParagraphBlock",
    "PartnerLogosBlock",
    "QuoteBlock",
    "SpeakerBlock",
    "TableBlock",
    "TimelineBlock",
    "embed_player_url",
]
