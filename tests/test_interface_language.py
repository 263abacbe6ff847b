"""The interface reads as a native speaker writes it: whole sentences, plural forms, no fragments.

The scans read the package's source (``ast`` for Python, Django's template lexer for
templates) and fail on the ways of building text that no translator can fix in a catalogue:

- a gettext call (under any name the module gives it: ``_``, ``gettext_lazy as _``,
  ``translation.pgettext`` ...) whose message is not a literal: concatenated, formatted with
  ``%`` or ``.format`` before translation, an f-string, a variable;
- code that pastes a translated fragment into an untranslated sentence (``f"{_('Seminars')}
  of {city}"``, ``"%s of %s" % (label, city)``, ``_("Seminars") + " of " + city``);
- templates that join ``{% translate %}`` pieces to each other or to a variable with nothing
  but spaces between (``{% translate "Hosted by" %} {{ city }}``), unless the piece is a label
  ending in a colon;
- a number shown without plural forms: a placeholder followed by an English plural noun in a
  message that is not plural (``"%(count)s registrations erased."``, ``{% blocktranslate with
  n=x %}{{ n }} people{% endblocktranslate %}``);
- dates formatted with a hard-coded textual month or weekday (``|date:"j F Y"``), which gives
  Polish the nominative "5 Grudzień" instead of Django's localised formats.

Each scan is checked against planted examples, so that it can fail. The last tests check the
defects that native speakers reported, in the languages where they were reported.
"""

import ast
import datetime
import re
import types
from pathlib import Path

import pytest
from django.template import Engine
from django.template.base import Lexer, TokenType
from django.template.loader import render_to_string
from django.utils import translation

import cities_cms

# It never uses the test database: run once, in the SQLite pass (Makefile).
pytestmark = pytest.mark.database_independent

PACKAGE_DIR = Path(cities_cms.__file__).resolve().parent

# Django's gettext functions, as (singular, plural, context) argument positions.
GETTEXT_FUNCTIONS = {
    "gettext": (0, None, None),
    "gettext_lazy": (0, None, None),
    "gettext_noop": (0, None, None),
    "ngettext": (0, 1, None),
    "ngettext_lazy": (0, 1, None),
    "pgettext": (1, None, 0),
    "pgettext_lazy": (1, None, 0),
    "npgettext": (1, 2, 0),
    "npgettext_lazy": (1, 2, 0),
}
TRANSLATION_MODULE = "django.utils.translation"

# A number followed by an English plural noun: "%(count)s registrations", "{{ days }} days".
# A placeholder is a number when it is converted with %d or named as numbers are in this
# package (a name is not: "%(file)s translates" is a verb).
NUMBER_NAMES = {
    "count", "counter", "number", "n", "total", "limit", "size", "max", "min", "people",
    "places", "days", "retention", "received", "imported", "unchanged", "tombstones",
    "refused", "requests", "registrations", "confirmed", "waiting", "capacity", "pages",
    "items", "results", "words", "segments", "seconds", "minutes", "hours", "copies",
}  # fmt: skip
# Words ending in "s" that may follow a number without being a plural noun.
NOT_PLURAL_NOUNS = {"is", "was", "has", "does", "as", "plus", "less"}
IRREGULAR_PLURALS = {"people", "children", "men", "women"}
# The noun may come second: "%(count)s practice models".
_NOUN = r"\s+(?P<word>[a-z]+)\b(?:\s+(?P<word2>[a-z]+)\b)?"
PYTHON_NUMBER = re.compile(r"%\((?P<name>\w+)\)[-#0 +]*\d*(?:\.\d+)?(?P<conversion>[sd])" + _NOUN)
TEMPLATE_NUMBER = re.compile(r"%\((?P<name>\w+)\)(?P<conversion>s)" + _NOUN)

# Format characters that write a month or weekday as a word (Django's dateformat).
TEXTUAL_DATE_CHARACTERS = set("DEFlMNbS")


def _is_plural_noun(word):
    if not word or word in NOT_PLURAL_NOUNS:
        return False
    return word.endswith("s") or word in IRREGULAR_PLURALS


def _plural_nouns(message, pattern):
    return [
        f"{m.group(0)!r}"
        for m in pattern.finditer(message)
        if (m.group("conversion") == "d" or m.group("name").split("_")[-1] in NUMBER_NAMES)
        and (_is_plural_noun(m.group("word")) or _is_plural_noun(m.group("word2")))
    ]


# Python ----------------------------------------------------------------------------------------


class _GettextNames(ast.NodeVisitor):
    """Which names in a module are Django's gettext functions, and under which alias."""

    def __init__(self):
        self.functions = {}  # local name -> Django function name
        self.modules = set()  # local names of django.utils.translation

    def visit_ImportFrom(self, node):
        if node.module == TRANSLATION_MODULE:
            for alias in node.names:
                if alias.name in GETTEXT_FUNCTIONS:
                    self.functions[alias.asname or alias.name] = alias.name
        elif node.module == "django.utils":
            for alias in node.names:
                if alias.name == "translation":
                    self.modules.add(alias.asname or alias.name)

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name == TRANSLATION_MODULE and alias.asname:
                self.modules.add(alias.asname)


def _gettext_function(call, names):
    """The Django function a call calls (``_(...)``, ``translation.ngettext(...)``), or None."""
    func = call.func
    if isinstance(func, ast.Name):
        return names.functions.get(func.id)
    if (
        isinstance(func, ast.Attribute)
        and func.attr in GETTEXT_FUNCTIONS
        and isinstance(func.value, ast.Name)
        and func.value.id in names.modules
    ):
        return func.attr
    return None


def _is_literal(node):
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _has_letters(node):
    return _is_literal(node) and re.search(r"[^\W\d_]", node.value)


def python_problems(source, filename):
    """What a translator could not fix in the gettext calls of one Python module."""
    tree = ast.parse(source, filename)
    names = _GettextNames()
    names.visit(tree)
    translated = set()  # ids of the gettext calls, to find them inside other expressions
    problems = []

    def where(node):
        return f"{filename}:{node.lineno}: {ast.unparse(node)[:120]}"

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = _gettext_function(node, names)
        if function is None:
            continue
        translated.add(id(node))
        positions = [p for p in GETTEXT_FUNCTIONS[function] if p is not None]
        for position in positions:
            if position < len(node.args) and not _is_literal(node.args[position]):
                kind = type(node.args[position]).__name__
                problems.append(f"{where(node)}: the message is built in code ({kind})")
        singular, plural, _context = GETTEXT_FUNCTIONS[function]
        if plural is None and singular < len(node.args) and _is_literal(node.args[singular]):
            for noun in _plural_nouns(node.args[singular].value, PYTHON_NUMBER):
                problems.append(f"{where(node)}: a number without plural forms ({noun})")

    def is_translated(node):
        # A gettext call, "a gettext call % {...}" (its placeholders filled in), or a name
        # that the module set to one of these ("label = _('Seminars')").
        if isinstance(node, ast.Call) and id(node) in translated:
            return True
        if isinstance(node, ast.Name):
            return node.id in translated_names
        if isinstance(node, ast.IfExp):
            return is_translated(node.body) or is_translated(node.orelse)
        return (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.Call)
            and id(node.left) in translated
        )

    translated_names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and is_translated(node.value):
            translated_names.update(t.id for t in node.targets if isinstance(t, ast.Name))

    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("capitalize", "title")
            and ("verbose_name" in ast.unparse(node.func.value) or is_translated(node.func.value))
        ):
            problems.append(
                f"{where(node)}: str.{node.func.attr}() lowercases the other letters of a "
                "translated name (German nouns): use django.utils.text.capfirst"
            )
        if isinstance(node, ast.JoinedStr):
            pieces = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
            words = any(_has_letters(v) for v in node.values)
            if words and any(is_translated(piece) for piece in pieces):
                problems.append(f"{where(node)}: a translated fragment in an f-string")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
            if isinstance(node.right, ast.Dict):
                values = node.right.values
            if not any(is_translated(value) for value in values):
                continue
            if _has_letters(node.left):
                problems.append(f"{where(node)}: a translated fragment in a % template")
            elif is_translated(node.left):
                problems.append(
                    f"{where(node)}: a translated fragment pasted into a translated sentence "
                    "(translate the whole sentence, e.g. one message per kind)"
                )
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            sides = (node.left, node.right)
            if any(is_translated(side) for side in sides) and any(map(_has_letters, sides)):
                problems.append(f"{where(node)}: a translated fragment joined to words")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and _has_letters(node.func.value)
            and any(is_translated(arg) for arg in [*node.args, *(k.value for k in node.keywords)])
        ):
            problems.append(f"{where(node)}: a translated fragment in a .format template")
    return problems


# Templates -------------------------------------------------------------------------------------

_TRANSLATE = re.compile(r"^(?:translate|trans)\s+(?P<quote>[\"'])(?P<text>.*?)(?P=quote)")
_BLOCK_START = re.compile(r"^(?:blocktranslate|blocktrans)\b")
_BLOCK_END = re.compile(r"^(?:endblocktranslate|endblocktrans)\b")
_ENDS_SENTENCE = re.compile(r"[.:!?…)]\s*$")
_STARTS_SENTENCE = re.compile(r"^[(“\"]?(?:[A-Z]|%\()")


def template_problems(source, filename):
    """Translated pieces that a template joins into a sentence, and numbers without plurals."""
    problems = []
    tokens = Lexer(source).tokenize()
    # The template as a sequence of pieces: ("translate", text), ("var", ...), ("text", ...),
    # ("tag", ...); blocktranslate bodies are checked on their own.
    pieces = []
    block = None
    in_comment = False
    for token in tokens:
        # {# ... #} and {% comment %} ... {% endcomment %} (the lexer leaves the latter's
        # inside as ordinary tokens).
        if token.token_type == TokenType.BLOCK and token.contents.split()[:1] == ["comment"]:
            in_comment = True
        if in_comment or token.token_type == TokenType.COMMENT:
            in_comment = in_comment and token.contents != "endcomment"
            continue
        if block is not None:
            if token.token_type == TokenType.BLOCK and _BLOCK_END.match(token.contents):
                problems.extend(_blocktranslate_problems(block, filename))
                pieces.append(("translate", _block_message(block).strip(), block["line"]))
                block = None
            else:
                block["body"].append(token)
            continue
        if token.token_type == TokenType.BLOCK:
            if _BLOCK_START.match(token.contents):
                block = {"tag": token.contents, "body": [], "line": token.lineno}
                continue
            match = _TRANSLATE.match(token.contents)
            if match and " as " not in token.contents[match.end() :]:
                pieces.append(("translate", match.group("text"), token.lineno))
            else:
                pieces.append(("tag", token.contents, token.lineno))
        elif token.token_type == TokenType.VAR:
            pieces.append(("var", token.contents, token.lineno))
        else:
            pieces.append(("text", token.contents, token.lineno))

    # Two neighbours with only white space between them (or nothing); a blank line (a new
    # paragraph of an email) separates them.
    def neighbours():
        previous = None
        for piece in pieces:
            if piece[0] == "text" and not piece[1].strip():
                if "\n\n" in piece[1]:
                    previous = None
                continue
            if previous is not None:
                yield previous, piece
            previous = piece

    # A piece that ends a sentence (or a label, with a colon) stands alone; a piece that does
    # not is the start of a sentence that code finishes.
    for left, right in neighbours():
        if left[0] == "translate" and right[0] in ("translate", "var"):
            if left[1] and not _ENDS_SENTENCE.search(left[1]):
                problems.append(
                    f"{filename}:{left[2]}: a translated piece joined to what follows: "
                    f"{left[1]!r} + {right[1]!r}"
                )
        elif (
            left[0] == "var"
            and right[0] == "translate"
            and right[1]
            and not _STARTS_SENTENCE.match(right[1])
        ):
            problems.append(
                f"{filename}:{right[2]}: a variable joined to a translated piece: "
                f"{{{{ {left[1]} }}}} + {right[1]!r}"
            )
    return problems


def _block_message(block):
    """A blocktranslate's singular text as a gettext message: {{ var }} becomes %(var)s."""
    body = []
    for token in block["body"]:
        if token.token_type == TokenType.BLOCK and token.contents == "plural":
            break
        body.append(
            f"%({token.contents})s" if token.token_type == TokenType.VAR else token.contents
        )
    return " ".join("".join(body).split())


def _blocktranslate_problems(block, filename):
    if re.search(r"\bcount\b", block["tag"]):
        return []
    return [
        f"{filename}:{block['line']}: a number without plural forms ({noun})"
        for noun in _plural_nouns(_block_message(block), TEMPLATE_NUMBER)
    ]


_DATE_FILTER = re.compile(r"\|(?:date|time):(?P<quote>[\"'])(?P<format>[^\"']*)(?P=quote)")


def date_format_problems(source, filename):
    """Hard-coded date formats that write months or weekdays as words."""
    problems = []
    for match in _DATE_FILTER.finditer(source):
        fmt = match.group("format")
        if fmt.endswith("_FORMAT"):
            continue
        unescaped = re.sub(r"\\.", "", fmt)
        if TEXTUAL_DATE_CHARACTERS & set(unescaped):
            line = source.count("\n", 0, match.start()) + 1
            problems.append(
                f"{filename}:{line}: date format {fmt!r} names a month or weekday: use "
                "Django's localised formats (DATE_FORMAT ...) with the local_date filter"
            )
    return problems


# The package, scanned ---------------------------------------------------------------------------


def package_files(suffixes):
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix in suffixes and "locale" not in path.parts and path.is_file():
            yield path, path.relative_to(PACKAGE_DIR).as_posix()


def test_python_gettext_messages_are_whole_literal_sentences():
    problems = []
    for path, name in package_files({".py"}):
        problems.extend(python_problems(path.read_text(encoding="utf-8"), name))
    assert not problems, "\n".join(problems)


def test_templates_translate_whole_sentences():
    problems = []
    for path, name in package_files({".html", ".txt"}):
        problems.extend(template_problems(path.read_text(encoding="utf-8"), name))
    assert not problems, "\n".join(problems)


def test_dates_use_localised_formats():
    problems = []
    for path, name in package_files({".html", ".txt", ".py"}):
        problems.extend(date_format_problems(path.read_text(encoding="utf-8"), name))
    assert not problems, "\n".join(problems)


# The scans fail on planted examples ----------------------------------------------------------

PLANTED_PYTHON = {
    "concatenation": 'from django.utils.translation import gettext as _\n_("Hello " + name)\n',
    "percent before translation": (
        'from django.utils.translation import gettext_lazy as _\n_("Seminars of %s" % city)\n'
    ),
    "format before translation": (
        'from django.utils.translation import gettext\ngettext("{} seminars".format(n))\n'
    ),
    "f-string": 'from django.utils.translation import pgettext\npgettext("x", f"Hi {name}")\n',
    "variable": "from django.utils.translation import ngettext\nngettext(one, many, n)\n",
    "module attribute": (
        'from django.utils import translation\ntranslation.gettext("a " + "b" + c)\n'
    ),
    "fragment in an f-string": (
        "from django.utils.translation import gettext as _\nf\"{_('Seminars')} of {city}\"\n"
    ),
    "fragment in a % template": (
        'from django.utils.translation import gettext as _\n"%s of %s" % (_("Seminars"), c)\n'
    ),
    "fragment joined to words": (
        'from django.utils.translation import gettext as _\n_("Seminars") + " of " + city\n'
    ),
    "fragment in a .format template": (
        'from django.utils.translation import gettext as _\n"{} of {}".format(_("Seminars"), c)\n'
    ),
    "number without plural forms": (
        "from django.utils.translation import gettext as _\n"
        '_("%(count)s registrations erased.") % {"count": n}\n'
    ),
    "number before a two-word plural": (
        "from django.utils.translation import gettext as _\n"
        '_("%(peer)s was removed with %(count)s practice models.")\n'
    ),
    "capitalize() of a translated name": ("str(model._meta.verbose_name).capitalize()\n"),
    "fragment pasted into a translated sentence": (
        "from django.utils.translation import gettext\n"
        'label = gettext("Practice models") if kind else gettext("Seminars")\n'
        'gettext("%(items)s of %(city)s") % {"items": label, "city": city}\n'
    ),
}


@pytest.mark.parametrize("kind", PLANTED_PYTHON)
def test_python_scan_fails_on_planted_examples(kind):
    assert python_problems(PLANTED_PYTHON[kind], "planted.py"), kind


def test_python_scan_accepts_whole_sentences():
    source = (
        "from django.utils.translation import gettext as _, ngettext, pgettext_lazy\n"
        '_("Seminars of %(city)s") % {"city": city}\n'
        '_("A long message " "in two literals.")\n'
        'ngettext("%(count)s registration erased.", "%(count)s registrations erased.", n)\n'
        'pgettext_lazy("event status", "Cancelled")\n'
        'summary + " " + _("Failed: %(error)s") % {"error": e}\n'
        'f"{label} (RSS)"\n'
        "gettext(message)  # not Django's: this module did not import it\n"
    )
    assert python_problems(source, "fine.py") == []


PLANTED_TEMPLATES = {
    "translated piece and variable": '{% load i18n %}{% translate "Hosted by" %} {{ city }}',
    "variable and translated piece": '{% load i18n %}<p>{{ count }} {% translate "results" %}',
    "two translated pieces": ('{% translate "Practice models of" %} {% translate "the network" %}'),
    "number without plural forms": (
        "{% blocktranslate with people=n %}{{ people }} people{% endblocktranslate %}"
    ),
    "number without plural forms, trimmed": (
        "{% blocktranslate trimmed with people=x capacity=y %}\n  {{ people }} of {{ capacity }}"
        " places\n"
        "{% endblocktranslate %}"
    ),
}


@pytest.mark.parametrize("kind", PLANTED_TEMPLATES)
def test_template_scan_fails_on_planted_examples(kind):
    assert template_problems(PLANTED_TEMPLATES[kind], "planted.html"), kind


def test_template_scan_accepts_labels_and_whole_sentences():
    source = (
        '{% load i18n %}<dt>{% translate "City" %}</dt><dd>{{ city }}</dd>'
        '<span>{% translate "Remove filter:" %} </span>{{ label }}'
        '{% translate "Filter" as heading %}{{ heading }}'
        '{% translate "Error:" %} {% translate "Search" %}'
        "<h2>{% blocktranslate count counter=n %}{{ counter }} city{% plural %}"
        "{{ counter }} cities{% endblocktranslate %}</h2>"
        "<p>{% blocktranslate with number=n total=t %}Page {{ number }} of {{ total }}"
        "{% endblocktranslate %}</p>"
        "{% blocktranslate with name=n %}Dear {{ name }},{% endblocktranslate %}\n\n"
        '{% translate "Your place is confirmed." %}'
        '{% comment %}{% translate "Hosted by" %} {{ city }}{% endcomment %}'
    )
    assert template_problems(source, "fine.html") == []


def test_date_scan_fails_on_a_hard_coded_month_name():
    assert date_format_problems('{{ day|date:"j F Y" }}', "planted.html")
    assert date_format_problems("{{ day|date:'l' }}", "planted.html")
    assert not date_format_problems(
        "{{ day|date:'Y-m-d' }} {{ day|date:\"DATE_FORMAT\" }} {{ t|date:'c' }}", "fine.html"
    )


# What native speakers reported ------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["December 2024", "Dec. 5, 2024", "Thursday"]),
        ("de", ["Dezember 2024", "5. Dezember 2024", "Donnerstag"]),
        ("pl", ["grudzień 2024", "5 grudnia 2024", "czwartek"]),
        ("it", ["dicembre 2024", "05 dicembre 2024", "giovedì"]),
        ("ro", ["decembrie 2024", "5 decembrie 2024", "joi"]),
        ("lt", ["2024 m. gruodis", "2024 m. gruodžio 5 d.", "ketvirtadienis"]),
        ("lv", ["2024. g. decembris", "2024. gada 5. decembris", "ceturtdiena"]),
    ],
)
def test_dates_inside_sentences_keep_the_language_case(lang, expected):
    from cities_cms.dates import format_date

    day = datetime.date(2024, 12, 5)
    with translation.override(lang):
        formatted = [
            format_date(day, "YEAR_MONTH_FORMAT"),
            format_date(day, "DATE_FORMAT"),
            format_date(day, "l"),
        ]
    assert formatted == expected


def test_agenda_day_heading_starts_with_a_capital():
    with translation.override("pl"):
        html = render_to_string(
            "cities_cms/blocks/agenda_day.html",
            {"value": {"date": datetime.date(2024, 12, 5), "title": "", "sessions": []}},
        )
    assert "Czwartek, 5 grudnia 2024" in html


def test_registration_and_event_statuses_agree_with_their_nouns():
    from cities_cms.pages.seminar import EventStatus
    from cities_cms.registration.models import Registration

    expected = {
        # language: (registration confirmed, registration cancelled, event cancelled)
        "fr": ("Confirmée", "Annulée", "Annulé"),
        "es": ("Confirmada", "Cancelada", "Cancelado"),
        "it": ("Confermata", "Annullata", "Annullato"),
        "pl": ("Potwierdzone", "Anulowane", "Odwołane"),
    }
    for lang, forms in expected.items():
        with translation.override(lang):
            labels = (
                str(Registration.Status.CONFIRMED.label),
                str(Registration.Status.CANCELLED.label),
                str(EventStatus.CANCELLED.label),
            )
        assert labels == forms, lang


def test_required_marker_agrees_with_any_field_label():
    # "Nome (obbligatoria)": the marker agrees with the implied "campo" (field), not the label.
    with translation.override("it"):
        assert translation.pgettext("form field marker", "required") == "obbligatorio"


@pytest.mark.parametrize(
    ("lang", "days", "expected"),
    [
        ("ro", 90, "90 de zile"),
        ("ro", 19, "19 zile"),
        ("ro", 1, "1 zi"),
        ("pl", 90, "90 dni"),
        ("lv", 90, "90 dienas"),
        ("lv", 21, "21 dienu"),
        ("en", 1, "1 day after"),
    ],
)
def test_retention_days_take_the_plural_form_of_the_number(lang, days, expected):
    engine = Engine.get_default()
    template = engine.from_string(
        "{% load i18n %}{% blocktranslate trimmed count days=days %}It is not published, not "
        "shared with other sites, and it is erased {{ days }} day after the seminar ends."
        "{% plural %}It is not published, not shared with other sites, and it is erased "
        "{{ days }} days after the seminar ends.{% endblocktranslate %}"
    )
    from django.template import Context

    with translation.override(lang):
        text = template.render(Context({"days": days}))
    assert expected in text


def test_machine_translator_name_stands_alone():
    # "izmantojot Bezsaistes melnraksts": the name is a label after a colon, in every language.
    for lang in ("lv", "pl", "lt"):
        with translation.override(lang):
            sentence = translation.gettext("Machine translator: %(translator)s")
        assert sentence.rstrip().endswith(": %(translator)s"), (lang, sentence)


def test_german_nouns_keep_their_capitals_in_page_type_names():
    # "Startseite des netzwerks": str.capitalize() lowercased every letter but the first.
    from wagtail.models import Locale

    from cities_cms.translation.views import StatusFilterForm

    with translation.override("de"):
        # An unsaved locale: the form only builds (lazy) querysets from it.
        form = StatusFilterForm(source_locale=Locale(pk=1, language_code="en"))
        labels = [str(label) for _value, label in form.fields["page_type"].choices]
    assert "Startseite des Netzwerks" in labels
    assert "Startseite des netzwerks" not in labels


def test_english_counts_in_the_registration_panel_are_singular_for_one():
    context = {
        "saved": True,
        "reg_settings": types.SimpleNamespace(capacity=1, seminar_id=1),
        "counts": {"confirmed": {"people": 1}, "waiting": {"people": 1}},
        "state_sentence": "Registration is open.",
    }
    with translation.override("en"):
        html = render_to_string("cities_cms_registration/admin/panel.html", context)
    assert "1 of 1 place is taken." in html
    assert "1 person is on the waiting list." in html
    assert "places" not in html and "people" not in html


# Plural forms in the catalogues --------------------------------------------------------------

LOCALE_DIR = PACKAGE_DIR / "locale"


def _catalogue(lang):
    import polib

    return polib.pofile(str(LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"))


def _plural_function(po):
    import gettext as gettext_module

    return gettext_module.c2py(po.metadata["Plural-Forms"].split("plural=", 1)[1].rstrip(";"))


def _placeholders(text):
    return set(re.findall(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdf]", text))


@pytest.mark.parametrize("lang", ["pl", "lv", "lt", "it", "nl", "es", "fr", "de", "ro"])
def test_plural_forms_for_several_numbers_show_the_number(lang):
    """ "One city" may stand for 1 alone: Latvian form 0 also serves 21, 31 ..., French 0."""
    po = _catalogue(lang)
    plural = _plural_function(po)
    numbers_of_form = {}
    for n in range(1001):
        numbers_of_form.setdefault(plural(n), set()).add(n)
    problems = []
    for entry in po:
        if not entry.msgid_plural or entry.obsolete or "fuzzy" in entry.flags:
            continue
        needed = _placeholders(entry.msgid_plural)
        for index, text in entry.msgstr_plural.items():
            if numbers_of_form.get(int(index)) != {1} and not needed <= _placeholders(text):
                problems.append(f"{entry.msgid_plural!r} [{index}]: {text!r}")
    assert not problems, f"{lang}: a form used for several numbers hides the number:\n" + (
        "\n".join(problems)
    )


def test_romanian_numbers_from_twenty_take_de():
    """ "90 de zile", "20 de orașe": form 2 (20, 21 ... 100, 120 ...) puts "de" before the noun."""
    po = _catalogue("ro")
    problems = []
    for entry in po:
        if not entry.msgid_plural or entry.obsolete or "fuzzy" in entry.flags:
            continue
        counts = {
            m.group("name")
            for m in PYTHON_NUMBER.finditer(entry.msgid_plural)
            if _is_plural_noun(m.group("word")) or _is_plural_noun(m.group("word2"))
        }
        text = entry.msgstr_plural.get(2, "")
        for name in counts:
            after = re.search(rf"%\({name}\)[sd]\s+(\S+)", text)
            if after and after.group(1) != "de":
                problems.append(f"{entry.msgid_plural!r}: {text!r}")
    assert not problems, "\n".join(problems)


def test_dates_given_as_iso_strings_are_formatted_too():
    # Block preview values and raw StreamField data hold dates as strings.
    from cities_cms.dates import format_date

    with translation.override("pl"):
        assert format_date("2024-12-05", "l") == "czwartek"
        assert format_date("not a date") == ""


@pytest.mark.parametrize(
    "prefix, sentence",
    [
        ("/lv/", "ir pakotnes cities_cms atsauces vietne."),
        ("/pl/", "to witryna referencyjna pakietu cities_cms."),
        ("/", "is the reference site of the cities_cms package."),
    ],
)
def test_the_reference_sites_own_footer_line_is_in_the_pages_language(
    client, site_tree, prefix, sentence
):
    """The site project's template override has its own catalogues (site_project/locale):
    the package's make messages does not collect it."""
    html = client.get(prefix).content.decode()
    line = re.search(r'class="cc-footer__site">([^<]*)<', html).group(1)
    assert line.endswith(sentence)
    if prefix != "/":
        assert "reference site" not in line
