"""Blocks for figures: key figures, indicators of results, timelines."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from . import previews


class KeyFigureBlock(blocks.StructBlock):
    value = blocks.CharBlock(label=_("Value"), max_length=30, help_text=_("E.g. '14' or '99 000'."))
    unit = blocks.CharBlock(label=_("Unit"), required=False, max_length=30)
    label = blocks.CharBlock(label=_("What it counts"), max_length=120)


class KeyFiguresBlock(previews.PreviewableBlock, blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=200)
    figures = blocks.ListBlock(KeyFigureBlock(), label=_("Figures"), min_num=1, max_num=8)

    class Meta:
        icon = "order"
        template = "cities_cms/blocks/key_figures.html"
        label = _("Key figures")
        description = _("A few large numbers that sum something up, each with its meaning.")
        preview_value = staticmethod(previews.key_figures_preview)


class IndicatorBlock(blocks.StructBlock):
    """A measured result: the evidence good-practice databases ask for."""

    name = blocks.CharBlock(label=_("Indicator"), max_length=200)
    baseline = blocks.DecimalBlock(label=_("Baseline"), required=False, decimal_places=2)
    value = blocks.DecimalBlock(label=_("Value reached"), decimal_places=2)
    unit = blocks.CharBlock(label=_("Unit"), required=False, max_length=40)
    year = blocks.IntegerBlock(label=_("Year"), required=False, min_value=1900, max_value=2100)
    source = blocks.CharBlock(
        label=_("Source"),
        required=False,
        max_length=300,
        help_text=_("Where the figure comes from: a survey, statistics office, evaluation."),
    )


class IndicatorsBlock(previews.PreviewableBlock, blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=200)
    indicators = blocks.ListBlock(IndicatorBlock(), label=_("Indicators"), min_num=1)

    class Meta:
        icon = "table"
        template = "cities_cms/blocks/indicators.html"
        label = _("Results with indicators")
        description = _("Measured results: baseline, value reached, unit, year and source.")
        preview_value = staticmethod(previews.indicators_preview)


class TimelineEntryBlock(blocks.StructBlock):
    date = blocks.CharBlock(
        label=_("When"),
        max_length=60,
        help_text=_("A date or period, e.g. 'June 2013'."),
    )
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    text = blocks.TextBlock(label=_("Text"), required=False, max_length=1000)


class TimelineBlock(previews.PreviewableBlock, blocks.StructBlock):
    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=200)
    entries = blocks.ListBlock(TimelineEntryBlock(), label=_("Entries"), min_num=1)

    class Meta:
        icon = "history"
        template = "cities_cms/blocks/timeline.html"
        label = _("Timeline")
        description = _("Milestones in order, e.g. the phases of a project.")
        preview_value = staticmethod(previews.timeline_preview)
