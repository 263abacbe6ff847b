"""Agenda blocks for seminars: sessions with times and speakers."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class SpeakerBlock(blocks.StructBlock):
    name = blocks.CharBlock(label=_("Name"), max_length=200)
    role = blocks.CharBlock(label=_("Role"), required=False, max_length=200)
    organisation = blocks.CharBlock(label=_("Organisation"), required=False, max_length=200)


class AgendaSessionBlock(blocks.StructBlock):
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
        preview_value = {
            "start_time": "09:30",
            "end_time": "10:15",
            "title": "How Poznań monitors change in its districts",
            "kind": "talk",
            "description": "",
            "location": "Main hall",
            "speakers": [{"name": "Anna Example", "role": "Urban planner", "organisation": ""}],
        }


class AgendaDayBlock(blocks.StructBlock):
    date = blocks.DateBlock(label=_("Day"))
    title = blocks.CharBlock(label=_("Title"), required=False, max_length=200)
    sessions = blocks.ListBlock(AgendaSessionBlock(), label=_("Sessions"), min_num=1)

    class Meta:
        icon = "date"
        template = "cities_cms/blocks/agenda_day.html"
        label = _("Agenda day")
        description = _("A day of the programme and its sessions in order.")
        preview_value = {
            "date": "2014-10-16",
            "title": "Day one: monitoring change",
            "sessions": [
                {
                    "start_time": "09:30",
                    "end_time": "10:00",
                    "title": "Welcome",
                    "kind": "talk",
                    "description": "",
                    "location": "",
                    "speakers": [],
                },
                {
                    "start_time": "10:00",
                    "end_time": "12:00",
                    "title": "Walk through the district",
                    "kind": "visit",
                    "description": "",
                    "location": "Old town",
                    "speakers": [],
                },
            ],
        }
