"""The wheel ships what a partner site needs: templates, static files, catalogues, migrations."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# It never uses the test database: run once, in the SQLite pass (Makefile).
pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = out.glob("cities_cms-*.whl")
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
