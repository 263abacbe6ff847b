"""The search evaluation set: pages written in each of the network's ten languages, and what
visitors type to find them (see README.md). ``tests/test_search_eval.py`` measures recall."""

import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
LANGUAGES = ("en", "pl", "lv", "it", "nl", "lt", "es", "fr", "de", "ro")


def load(code):
    """``{"page": [{key, title, summary, approach}], "query": [{q, find}]}`` of a language."""
    return tomllib.loads((HERE / f"{code}.toml").read_text(encoding="utf-8"))
