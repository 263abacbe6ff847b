"""The package's translation catalogues (cities_cms/locale/<lang>/LC_MESSAGES/django.po/.mo).

Checks, for each of the network's ten languages: the files exist, the compiled .mo says what
the .po says, the nine non-English catalogues are (nearly) fully translated with the right
placeholders and plural forms, and the catalogues cover every string marked in the package.

The coverage test extracts the strings with Python only (``ast`` for .py files, Django's own
``templatize`` for templates), so it runs without GNU gettext. When ``xgettext`` is installed,
a second test runs the real ``makemessages`` on a copy of the package and checks that both
extractions agree (skipped without xgettext, failing instead when CITIES_CMS_REQUIRE_GETTEXT
is set). To update the catalogues, see cities_cms/locale/README.md (``make messages``).
"""

import ast
import gettext as gettext_module
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation.template import templatize

import cities_cms
from cities_cms.conf import NETWORK_LANGUAGES

# It never uses the test database: run once, in the SQLite pass (Makefile).
pytestmark = pytest.mark.database_independent

PACKAGE_DIR = Path(cities_cms.__file__).resolve().parent
LOCALE_DIR = PACKAGE_DIR / "locale"
LANGUAGES = [code for code, _name in NETWORK_LANGUAGES]
SOURCE_LANGUAGE = "en"
TRANSLATED = [code for code in LANGUAGES if code != SOURCE_LANGUAGE]
MIN_TRANSLATED_PERCENT = 95

# printf-style conversions as Python's % operator reads them ("%%" is a literal percent sign).
PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]"
)


def po_path(lang):
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def mo_path(lang):
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.mo"


_catalogues = {}


def catalogue(lang):
    if lang not in _catalogues:
        _catalogues[lang] = polib.pofile(str(po_path(lang)))
    return _catalogues[lang]


def placeholders(text):
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(0) != "%%")


def nplurals(po):
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    assert match, "the catalogue has no Plural-Forms header"
    return int(match.group(1))


def entry_label(entry):
    return f"{entry.msgctxt}|{entry.msgid!r}" if entry.msgctxt else repr(entry.msgid)


# Extraction ------------------------------------------------------------------------------------

# The keywords makemessages gives xgettext for Python (its defaults plus Django's own), as
# (singular, plural, context) argument positions.
KEYWORDS = {
    "_": (0, None, None),
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
EXTENSIONS = {".py", ".html", ".txt"}  # makemessages' defaults for the "django" domain


def _message(strings, spec):
    singular, plural, context = spec
    try:
        msgid = strings[singular]
        msgid_plural = strings[plural] if plural is not None else ""
        msgctxt = strings[context] if context is not None else None
    except IndexError:
        return None
    if msgid is None or (plural is not None and msgid_plural is None):
        return None
    if context is not None and msgctxt is None:
        return None
    if msgid == "":
        return None  # xgettext ignores empty msgids (they would be the header)
    return (msgctxt, msgid, msgid_plural)


def messages_in_python(source, filename):
    """Strings in gettext calls with literal arguments, matched by function name like xgettext."""
    found = set()
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in KEYWORDS:
            continue
        strings = [
            arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
            for arg in node.args
        ]
        message = _message(strings, KEYWORDS[name])
        if message:
            found.add(message)
    return found


_STRING = re.compile(r"""\s*(u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"))\s*,?""")
_CALL = re.compile(r"(?<![\w.])(n?p?gettext|_)\(")


def messages_in_template(source, filename):
    """Django's templatize turns a template into the gettext calls that xgettext reads."""
    code = templatize(source, origin=filename)
    found = set()
    for call in _CALL.finditer(code):
        strings, pos = [], call.end()
        while match := _STRING.match(code, pos):
            strings.append(ast.literal_eval(match.group(1)))
            pos = match.end()
        message = _message(strings, KEYWORDS[call.group(1)])
        if message:
            found.add(message)
    return found


def extract_messages(root=PACKAGE_DIR):
    """Every (msgctxt, msgid, msgid_plural) that makemessages would find under root."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if path.suffix not in EXTENSIONS or filename.startswith(".") or filename.endswith("~"):
                continue
            source = path.read_text(encoding="utf-8")
            relative = path.relative_to(root).as_posix()
            if path.suffix == ".py":
                messages = messages_in_python(source, relative)
            else:
                messages = messages_in_template(source, relative)
            for message in messages:
                found.setdefault(message, relative)
    return found


def catalogue_messages(po):
    return {(e.msgctxt, e.msgid, e.msgid_plural or "") for e in po if not e.obsolete}


# Files and headers -----------------------------------------------------------------------------


def test_the_ten_network_languages_have_catalogues():
    assert sorted(LANGUAGES) == sorted(["en", "pl", "lv", "it", "nl", "lt", "es", "fr", "de", "ro"])
    on_disk = sorted(p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())
    assert on_disk == sorted(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_po_and_mo_files_exist(lang):
    assert po_path(lang).is_file(), f"missing {po_path(lang)}"
    assert mo_path(lang).is_file(), f"missing {mo_path(lang)}: run `make messages`"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_headers(lang):
    po = catalogue(lang)
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"
    assert po.metadata.get("Language") == lang
    assert po.metadata.get("Content-Type") == "text/plain; charset=UTF-8"
    assert po.metadata.get("Content-Transfer-Encoding") == "8bit"
    # The plural expression gives a valid form for every count, and every form is used.
    n = nplurals(po)
    plural = gettext_module.c2py(po.metadata["Plural-Forms"].split("plural=", 1)[1].rstrip(";"))
    forms = {plural(count) for count in range(1001)}
    assert forms == set(range(n)), f"plural forms used {sorted(forms)}, nplurals={n}"


# The compiled catalogue ------------------------------------------------------------------------


def expected_mo_catalogue(po):
    """What Python's gettext (and so Django) should read from the .mo compiled from this .po."""
    catalog = {}
    for entry in po.translated_entries():
        msgid = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            for index, text in entry.msgstr_plural.items():
                catalog[(msgid, int(index))] = text
        else:
            catalog[msgid] = entry.msgstr
    return catalog


@pytest.mark.parametrize("lang", LANGUAGES)
def test_mo_is_compiled_from_the_current_po(lang):
    po = catalogue(lang)
    with open(mo_path(lang), "rb") as fp:
        compiled = gettext_module.GNUTranslations(fp)
    actual = {key: value for key, value in compiled._catalog.items() if key != ""}
    expected = expected_mo_catalogue(po)
    stale = sorted(
        repr(key) for key in expected.keys() | actual.keys() if expected.get(key) != actual.get(key)
    )
    assert not stale, (
        f"{mo_path(lang)} is out of date with its .po for {len(stale)} messages "
        f"(run `make messages`), e.g.: {stale[:5]}"
    )
    header = compiled._catalog.get("", "")
    assert f"Plural-Forms: {po.metadata['Plural-Forms']}" in header


# Translations ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_fuzzy_entries(lang):
    fuzzy = [entry_label(e) for e in catalogue(lang).fuzzy_entries()]
    assert not fuzzy, f"{lang}: fuzzy entries must be checked and unmarked: {fuzzy[:10]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translated_share(lang):
    po = catalogue(lang)
    if lang == SOURCE_LANGUAGE:
        # The source language: an empty msgstr falls back to the msgid, which is English.
        assert not [e for e in po if e.msgstr and e.msgstr != e.msgid and not e.msgid_plural]
        return
    entries = [e for e in po if not e.obsolete]
    done = [e for e in po.translated_entries() if not e.obsolete]
    percent = 100 * len(done) / len(entries)
    untranslated = [entry_label(e) for e in entries if e not in done]
    assert percent >= MIN_TRANSLATED_PERCENT, (
        f"{lang}: {percent:.1f}% translated, untranslated: {untranslated[:20]}"
    )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_are_kept(lang):
    problems = []
    for entry in catalogue(lang).translated_entries():
        if entry.msgid_plural:
            allowed = (placeholders(entry.msgid), placeholders(entry.msgid_plural))
            # A form may leave out the count (msgstr[0] "one city"), never add or drop a name.
            for index, text in sorted(entry.msgstr_plural.items()):
                if placeholders(text) not in allowed:
                    problems.append(f"{entry_label(entry)}[{index}]: {text!r}")
        elif placeholders(entry.msgstr) != placeholders(entry.msgid):
            problems.append(f"{entry_label(entry)}: {entry.msgstr!r}")
    assert not problems, f"{lang}: placeholders differ from the msgid:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_entries_have_every_form(lang):
    po = catalogue(lang)
    n = nplurals(po)
    problems = []
    for entry in po:
        if not entry.msgid_plural:
            continue
        indexes = sorted(int(i) for i in entry.msgstr_plural)
        if indexes != list(range(n)):
            problems.append(f"{entry_label(entry)}: forms {indexes}, expected {n}")
        elif lang != SOURCE_LANGUAGE and not all(entry.msgstr_plural.values()):
            problems.append(f"{entry_label(entry)}: an empty plural form")
    assert not problems, f"{lang}:\n" + "\n".join(problems)


# Coverage of the package's strings -------------------------------------------------------------


def test_catalogues_cover_every_string_of_the_package():
    source = extract_messages()
    assert len(source) > 100, "the extraction found almost nothing: is the package there?"
    for lang in LANGUAGES:
        missing = sorted(set(source) - catalogue_messages(catalogue(lang)), key=str)
        assert not missing, (
            f"{len(missing)} strings of the package are missing from the {lang} catalogue; "
            "run `make messages` and translate them:\n"
            + "\n".join(f"  {source[m]}: {m[0] + '|' if m[0] else ''}{m[1]!r}" for m in missing)
        )


def _gettext_required():
    return bool(os.environ.get("CITIES_CMS_REQUIRE_GETTEXT"))


def test_python_extraction_agrees_with_makemessages(tmp_path):
    """The pure-Python extraction above finds what Django's makemessages (xgettext) finds."""
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        if _gettext_required():
            pytest.fail("GNU gettext (xgettext, msgmerge) is not installed")
        pytest.skip("GNU gettext (xgettext) is not installed")
    copy = tmp_path / "cities_cms"
    shutil.copytree(
        PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("locale", "static", "__pycache__")
    )
    (copy / "locale").mkdir()
    # -P: the copy's own modules (calendar.py) must not shadow the standard library's.
    path = [str(PACKAGE_DIR.parent), *(entry for entry in sys.path if entry)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    env.setdefault("DJANGO_SETTINGS_MODULE", "site_project.settings.test")
    subprocess.run(
        [sys.executable, "-P", "-m", "django", "makemessages", "-l", "xx", "--no-obsolete", "-v0"],
        cwd=copy,
        env=env,
        check=True,
        timeout=120,
    )
    made = polib.pofile(str(copy / "locale" / "xx" / "LC_MESSAGES" / "django.po"))
    by_makemessages = catalogue_messages(made) - {(None, "", "")}
    by_python = set(extract_messages(copy))
    assert by_python == by_makemessages, (
        f"only Python found: {sorted(by_python - by_makemessages, key=str)}\n"
        f"only makemessages found: {sorted(by_makemessages - by_python, key=str)}"
    )


# The interface in use --------------------------------------------------------------------------


def test_latvian_interface_strings():
    with translation.override("lv"):
        assert translation.gettext("Translation status") == "Tulkojumu statuss"
        assert translation.pgettext("compass", "E") == "A"
        assert (
            translation.ngettext("%(counter)s city", "%(counter)s cities", 21) % {"counter": 21}
            == "21 pilsēta"
        )
        from cities_cms.pages import PracticeModelPage

        assert str(PracticeModelPage._meta.verbose_name) == "labās prakses modelis"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("lv", ["Rezultātu lapas", "Iepriekšējā", "Nākamā"]),
        ("pl", ["Strony wyników", "Poprzednia", "Następna"]),
    ],
)
def test_pagination_renders_in_the_page_language(lang, expected):
    paginator = Paginator(list(range(30)), 10)
    page_obj = paginator.page(2)
    with translation.override(lang):
        html = render_to_string(
            "cities_cms/includes/pagination.html",
            {"paginator": paginator, "page_obj": page_obj, "query_without_page": ""},
        )
    for text in expected:
        assert text in html
    assert "Previous" not in html and "Pages of results" not in html
