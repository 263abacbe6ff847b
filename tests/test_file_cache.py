"""The reference site's file cache (cities_cms.cache.FileCache): cheap, and the generation stays."""

import os
import time

import pytest

from cities_cms.cache import FileCache
from cities_cms.content_cache import GENERATION


def make_cache(tmp_path, **options):
    return FileCache(
        str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 30, "CULL_FREQUENCY": 3, **options}}
    )


def test_full_cache_drops_the_oldest_entries_but_never_the_generation(tmp_path):
    cache = make_cache(tmp_path, CULL_INTERVAL=0)
    cache.set(GENERATION, "g1", None)  # written first: the oldest entry of all
    for number in range(60):
        cache.set(f"page-{number}", number)
        # mtime resolution: make the order of writing visible to the cull
        os.utime(cache._key_to_file(f"page-{number}"), (time.time() + number, time.time() + number))
    assert cache.get(GENERATION) == "g1"
    assert len(cache._list_cache_files()) <= 30
    assert cache.get("page-59") == 59  # the newest stay
    assert cache.get("page-0") is None  # the oldest went


def test_expired_entries_go_first(tmp_path):
    cache = make_cache(tmp_path, CULL_INTERVAL=0)
    for number in range(29):
        cache.set(f"old-{number}", number, 1)
    time.sleep(1.1)
    cache.set("fresh", "x")
    cache.set("fresher", "y")  # the cull before this write finds 30 entries, 29 expired
    assert cache.get("fresh") == "x" and cache.get("fresher") == "y"
    assert len(cache._list_cache_files()) == 2


@pytest.mark.parametrize("interval, listings", [(0, 10), (3600, 1)])
def test_the_directory_is_listed_once_per_interval(tmp_path, monkeypatch, interval, listings):
    """Django's file cache lists the directory before every write (5 ms at 5,000 entries)."""
    cache = make_cache(tmp_path, CULL_INTERVAL=interval)
    calls = []
    original = cache._list_cache_files
    monkeypatch.setattr(cache, "_list_cache_files", lambda: calls.append(1) or original())
    for number in range(10):
        cache.set(f"page-{number}", number)
    assert len(calls) == listings
