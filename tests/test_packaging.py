"""The wheel ships what a partner site needs: templates, static files, catalogues, migrations."""

import os
import re
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

# It never uses the test database: run once, in the SQLite pass (Makefile).
pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("cities_cms-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel_names(wheel):
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_contains_package_data(wheel_names):
    expected = [
        "cities_cms/migrations/0001_initial.py",
        "cities_cms/templates/cities_cms/base.html",
        "cities_cms/templates/cities_cms/pages/practice_model_page.html",
        "cities_cms/static/cities_cms/css/cities_cms.css",
        "cities_cms/templatetags/cities_cms_tags.py",
        "cities_cms/management/commands/cities_cms_setup.py",
    ]
    missing = [name for name in expected if name not in wheel_names]
    assert not missing, f"missing from the wheel: {missing}"


def test_wheel_ships_every_template_and_catalogue(wheel_names):
    """Templates, static files and migrations of the package and of its sub-apps
    (registration, federation), and the compiled catalogues."""
    package = ROOT / "cities_cms"
    folders = [
        *package.rglob("templates"),
        *package.rglob("static"),
        *package.rglob("migrations"),
        package / "locale",
    ]
    assert package / "registration" / "templates" in folders
    checked = 0
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix in (".po", ".md"):
                continue
            name = path.relative_to(ROOT).as_posix()
            assert name in wheel_names, f"{name} is not in the wheel"
            checked += 1
    assert checked > 50


def test_wheel_leaves_out_the_reference_site_and_tests(wheel_names):
    assert not [n for n in wheel_names if n.startswith(("site_project/", "tests/", "bench/"))]


# --- The README's installation steps, followed as a new user would ---------------------------

README = ROOT / "README.md"
INSTALL_HEADING = "## Install into an existing Wagtail site"


def readme_install_steps():
    """The fenced code blocks and the prose of the README's installation section, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split(INSTALL_HEADING, 1)[1].split("\n## ", 1)[0]
    blocks = [
        (language, textwrap.dedent(body))
        for language, body in re.findall(r"```(\w+)\n(.*?)\n\s*```", section, re.S)
    ]
    return section, blocks


def run_in(venv_python, args, cwd, timeout=600):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CITIES_CMS_", "WAGTAIL"))
        and key not in {"DATABASE_URL", "ELASTICSEARCH_URL", "REDIS_URL", "DEEPL_AUTH_KEY"}
    }
    result = subprocess.run(
        [str(venv_python), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{args}:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    return result.stdout


# What `pip check` says for the wheel: each requirement it declares (no extras) is installed
# in a version it accepts.
REQUIREMENTS_CHECK = """
from importlib import metadata
from packaging.requirements import Requirement
for line in metadata.requires("cities-cms") or []:
    requirement = Requirement(line)
    if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
        continue
    try:
        version = metadata.version(requirement.name)
    except metadata.PackageNotFoundError:
        print(requirement, "missing")
        continue
    if not requirement.specifier.contains(version, prereleases=True):
        print(requirement, version)
"""

HOME_PAGE_CHECK = """
from django.test import Client
client = Client()
for url in ("/", "/cities/", "/lv/", "/seminars/", "/practice-models/", "/sitemap.xml"):
    response = client.get(url, follow=True)
    print(url, response.status_code)
"""


def test_readme_installation_in_a_fresh_wagtail_project(wheel, tmp_path):
    """The README's steps, applied as written to a brand-new ``wagtail start`` project in a
    fresh virtualenv with the built wheel, give a site that migrates, sets up and serves pages.

    The wheel is installed with ``--no-deps`` and the virtualenv sees this environment's
    packages through a ``.pth`` file (no download: no test reaches the internet); a check in the
    manner of ``pip check`` then shows that every requirement the wheel declares is met.
    """
    section, blocks = readme_install_steps()
    (lang1, install), (lang2, settings_block), (lang3, urls_block) = blocks[:3]
    assert (lang1, install.strip()) == ("sh", "pip install cities-cms")
    assert (lang2, lang3) == ("python", "python")
    commands = [body.strip() for language, body in blocks[3:] if language == "sh"]
    assert commands[:2] == [
        "python manage.py migrate",
        "python manage.py cities_cms_setup --parent /",
    ]

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = Path(
        run_in(
            python, ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path
        ).strip()
    )
    (purelib / "dependencies-of-the-test-environment.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    location = run_in(python, ["-c", "import cities_cms; print(cities_cms.__file__)"], tmp_path)
    unmet = run_in(python, ["-c", REQUIREMENTS_CHECK], tmp_path).strip()
    assert not unmet, f"requirements of the wheel not met: {unmet}"
    assert location.startswith(str(purelib)), "cities_cms must come from the installed wheel"

    # 1. A brand-new Wagtail project.
    project = tmp_path / "site"
    project.mkdir()
    run_in(
        python,
        ["-c", "from wagtail.bin.wagtail import main; main()", "start", "mysite", str(project)],
        tmp_path,
    )

    # 2. The settings: the README's apps first in INSTALLED_APPS (before Wagtail's own, which
    # stay), then its other settings as written, and the context processor it names.
    base = project / "mysite" / "settings" / "base.py"
    text = base.read_text(encoding="utf-8")
    apps_source, rest = settings_block.split("]\n", 1)
    namespace = {}
    exec(apps_source + "]\n", namespace)  # noqa: S102 - the README's own list of apps
    readme_apps = namespace["INSTALLED_APPS"]
    text = text.replace(
        "INSTALLED_APPS = [\n",
        "INSTALLED_APPS = [\n" + "".join(f"    {app!r},\n" for app in readme_apps),
        1,
    )
    processor = re.search(
        r'`"?(wagtail\.contrib\.settings\.context_processors\.settings)"?`', section
    )
    text = text.replace(
        '"django.contrib.messages.context_processors.messages",\n',
        '"django.contrib.messages.context_processors.messages",\n'
        f'                "{processor.group(1)}",\n',
        1,
    )
    middleware = re.search(r'`"?(django\.middleware\.locale\.LocaleMiddleware)"?`', section)
    text = text.replace(
        '"django.contrib.sessions.middleware.SessionMiddleware",\n',
        f'"django.contrib.sessions.middleware.SessionMiddleware",\n    "{middleware.group(1)}",\n',
        1,
    )
    base.write_text(text + "\n" + rest, encoding="utf-8")

    # The URLs: Wagtail's catch-all moves into i18n_patterns, as the README says.
    urls = project / "mysite" / "urls.py"
    text = urls.read_text(encoding="utf-8")
    assert text.count('    path("", include(wagtail_urls)),\n') == 1
    text = text.replace('    path("", include(wagtail_urls)),\n', "", 1)
    urls.write_text(text + "\n" + urls_block, encoding="utf-8")

    # 3. and 4. As written.
    for command in commands[:2]:
        run_in(python, command.split()[1:], project)
    statuses = dict(
        line.split()
        for line in run_in(
            python, ["manage.py", "shell", "-c", HOME_PAGE_CHECK], project
        ).splitlines()
        if line.startswith("/")
    )
    assert statuses == dict.fromkeys(statuses, "200"), statuses
    run_in(python, ["manage.py", "check"], project)
