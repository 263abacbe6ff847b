"""Agenda blocks for seminars: sessions with times and speakers."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from . import previews


class SpeakerBlock(blocks.StructBlock):
    name = blocks.CharBlock(label=_("Name"), max_length=200)
    role = blocks.CharBlock(label=_("Role"), required=False, max_length=200)
    organisation = blocks.CharBlock(label=_("Organisation"), required=False, max_length=200)


class AgendaSessionBlock(previews.PreviewableBlock, blocks.StructBlock):
    start_time = blocks.TimeBlock(label=_("Starts"))
    end_time = blocks.TimeBlock(label=_("Ends"), required=False)
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    kind = blocks.ChoiceBlock(
        label=_("Kind"),
        choices=[
            ("talk", _("Talk")),
            ("workshop", _("Workshop")),
            ("panel", _("Panel")),
            ("visit", _("Site visit")),
            ("break", _("Break")),
        ],
        default="talk",
    )
    description = blocks.TextBlock(label=_("Description"), required=False, max_length=2000)
    location = blocks.CharBlock(label=_("Room or place"), required=False, max_length=200)
    speakers = blocks.ListBlock(SpeakerBlock(), label=_("Speakers"), default=[])

    def clean(self, value):
        value = super().clean(value)
        if value.get("end_time") and value["end_time"] <= value["start_time"]:
            raise blocks.StructBlockValidationError(
                block_errors={"end_time": ValidationError(_("A session must end after it starts."))}
            )
        return value

    class Meta:
        icon = "time"
        template = "cities_cms/blocks/agenda_session.html"
        label = _("Agenda session")
        description = _("One session of a seminar's programme with its time and speakers.")
        preview_value = staticmethod(previews.agenda_session_preview)


class AgendaDayBlock(previews.PreviewableBlock, blocks.StructBlock):
    date = blocks.DateBlock(label=_("Day"))
    title = blocks.CharBlock(label=_("Title"), required=False, max_length=200)
    sessions = blocks.ListBlock(AgendaSessionBlock(), label=_("Sessions"), min_num=1)

    class Meta:
        icon = "date"
        template = "cities_cms/blocks/agenda_day.html"
        label = _("Agenda day")
        description = _("A day of the programme and its sessions in order.")
        preview_value = staticmethod(previews.agenda_day_preview)
