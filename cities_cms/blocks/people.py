"""Contact blocks."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock

from . import previews


class ContactCardBlock(previews.PreviewableBlock, blocks.StructBlock):
    person = SnippetChooserBlock("cities_cms.Person", label=_("Person"))
    show_email = blocks.BooleanBlock(label=_("Show email"), required=False, default=True)
    show_phone = blocks.BooleanBlock(label=_("Show phone"), required=False, default=False)
    note = blocks.CharBlock(
        label=_("Note"),
        required=False,
        max_length=200,
        help_text=_("E.g. 'Contact for study visits'."),
    )

    class Meta:
        icon = "user"
        template = "cities_cms/blocks/contact_card.html"
        label = _("Contact card")
        description = _("A person to contact, with only the details you choose to show.")
        preview_value = staticmethod(previews.contact_card_preview)
