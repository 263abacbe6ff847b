"""A site that tests serve from real processes, built and edited from a process of its own.

    python -m tests.harness.served_site setup NAME...   # migrate, build the site, a page per NAME
    python -m tests.harness.served_site edit            # publish and unpublish, commands on stdin

Both run with the settings that ``DJANGO_SETTINGS_MODULE`` names and the database and cache
they configure (tests/test_page_cache_processes.py: the reference site's production settings,
a fresh SQLite file in a temporary ``CITIES_CMS_VAR_DIR``). ``setup`` migrates, builds the
network site with the suite's builders (tests/utils.py) and a published practice model per
NAME, and prints their ids and addresses. ``edit`` is an editor in a process of its own: it
reads one JSON command a line (``{"publish": id, "title": "..."}``, ``{"unpublish": id}``),
does it as the admin's publish and unpublish do, and answers one line when it is committed.

Answers are printed on stdout after ``PREFIX``; whatever Django logs goes to stderr.
"""

import json
import sys

PREFIX = "served_site: "


def answer(value):
    print(PREFIX + json.dumps(value), flush=True)


def setup(names):
    from django.core.management import call_command

    call_command("migrate", interactive=False, skip_checks=True, verbosity=0)

    from ..utils import build_site, make_practice_model

    tree = build_site()
    pages = {}
    for name in names:
        page = make_practice_model(tree.practices, title=f"{name} courtyards", slug=name)
        pages[name] = {"id": page.pk, "url": page.get_url(), "title": page.title}
    answer({"index_url": tree.practices.get_url(), "pages": pages})


def edit():
    from wagtail.models import Page

    for line in iter(sys.stdin.readline, ""):
        command = json.loads(line)
        if "publish" in command:
            page = Page.objects.get(pk=command["publish"]).specific
            page.title = command["title"]
            page.save_revision().publish()
        elif "unpublish" in command:
            Page.objects.get(pk=command["unpublish"]).specific.unpublish()
        else:
            raise ValueError(f"unknown command: {line!r}")
        # Autocommit: the change and content_cache's on-commit invalidation are done.
        answer({"done": command})


def main(argv):
    import django

    django.setup()
    if argv[:1] == ["setup"]:
        setup(argv[1:])
    elif argv == ["edit"]:
        answer({"ready": True})
        edit()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
