"""A file cache for the embedded set-up: Django's ``FileBasedCache`` with a cheaper, safer cull.

The reference site keeps its cache in files (``var/cache``) so that the web server and the
task worker share it without a server to run. Django's file cache has two habits that hurt a
page cache:

- before *every* ``set`` it lists the whole directory to see whether it is full: about 5 ms
  at 5,000 entries on the project's 2-core machine, paid by every page stored;
- when full it deletes a random third of the entries, which may be the content generation
  (``cities_cms.content_cache.GENERATION``): every cached page then becomes a miss at once.

This backend counts the directory at most once every ``CULL_INTERVAL`` seconds per process
(the limit is soft by that much) and, when full, deletes the expired entries and then the
least recently written ones, never the keys listed in ``KEEP``. Sites with Redis
(``REDIS_URL``, README "Production") do not use it.
"""

import os
import time

from django.core.cache.backends.filebased import FileBasedCache

from .content_cache import GENERATION


class FileCache(FileBasedCache):
    KEEP = (GENERATION,)

    def __init__(self, dir, params):
        options = params.get("OPTIONS", {})
        self.cull_interval = float(options.get("CULL_INTERVAL", 30))
        super().__init__(dir, params)
        self._next_cull = 0.0

    def _cull(self):
        now = time.monotonic()
        if now < self._next_cull:
            return
        self._next_cull = now + self.cull_interval
        files = self._list_cache_files()
        if len(files) < self._max_entries:
            return
        keep = {self._key_to_file(key) for key in self.KEEP}
        # Down to (1 - 1/CULL_FREQUENCY) of the limit, as Django's cull; 0 means "clear".
        target = self._max_entries - self._max_entries // (self._cull_frequency or 1)
        aged = []
        for name in files:
            if name in keep:
                continue
            try:
                with open(name, "rb") as f:
                    if self._is_expired(f):  # which deletes the file
                        continue
                aged.append((os.path.getmtime(name), name))
            except FileNotFoundError:
                continue  # another process removed it
        aged.sort()
        for _mtime, name in aged[: max(0, len(aged) + len(keep) - target)]:
            self._delete(name)
