"""Signals of the federation app.

``outbound_changed`` is sent (after the transaction commits) when documents in this
instance's outbound feed changed: new versions or tombstones. ``global_ids`` lists them and
``sequence`` is the feed's newest sequence. Push notifications to peers listen to it.
"""

from django.dispatch import Signal

outbound_changed = Signal()  # kwargs: global_ids (list[str]), sequence (int)
