"""What the federation keeps in the database.

- ``Peer``: another instance this one knows, with the key pinned on approval and the status
  of the last syncs (what editors see in the admin).
- ``PeerEvent``: a log of what happened with a peer (refusals, imports, errors), newest first.
- ``SeenNonce``: nonces of push notifications already accepted, so a replay is refused.
- ``OutboundRecord``: one row per practice model or seminar this instance has ever shared: its
  global id, its version (only grows), whether it is a tombstone, and its place in the feed.
- ``FederatedCopy``: one row per practice model or seminar received from elsewhere: where it
  came from, its kind, its version, whether an editor detached it.
- ``FederatedMedia``: images received, by SHA-256, so the same file is stored once.
- ``RelayRecord``: on a relaying hub, the latest envelope of each document a member sent the
  hub itself, exactly as its author signed it, with its place in the hub's relay feed.

The private key is never stored here (see ``identity.py``): database dumps must not carry it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PeerStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    PAUSED = "paused", _("Paused")


class Peer(models.Model):
    base_url = models.URLField(_("address"), max_length=300, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    city_name = models.CharField(_("city"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PeerStatus.choices, default=PeerStatus.PENDING
    )
    # The key the descriptor offered when the peer was added or last fetched (shown to the
    # editor, who compares its fingerprint with the one the other city gives them).
    offered_public_key = models.CharField(_("offered public key"), max_length=100, blank=True)
    # The key pinned on approval: everything from this peer must verify against it (or, for a
    # relayed document, against its author's pinned key).
    public_key = models.CharField(_("pinned public key"), max_length=100, blank=True)
    key_fingerprint = models.CharField(_("key fingerprint"), max_length=100, blank=True)
    # Loopback, private and link-local addresses are refused unless the peer is marked local
    # (tests and a demo's second instance on the same machine).
    is_local = models.BooleanField(
        _("local peer"),
        default=False,
        help_text=_("Allow private and loopback addresses (only for instances on this network)."),
    )
    # A coordinator whose signed member list this instance trusts.
    publishes_member_list = models.BooleanField(_("trust its member list"), default=False)
    # Version of the last member list applied from this peer: an older list (replayed by a
    # relay) must not bring back an instance that has left.
    member_list_version = models.PositiveBigIntegerField(_("member list version"), default=0)
    # The relay feed a trusted coordinator's member list announces (its "relay_url"): the
    # members approved through that list are pulled through it (relay.py).
    relay_url = models.URLField(_("relay feed"), max_length=500, blank=True)
    # Set when the peer was approved through a trusted member list rather than by hand.
    approved_via = models.ForeignKey(
        "self",
        verbose_name=_("approved through the member list of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    # Sync state.
    cursor = models.CharField(_("feed cursor"), max_length=200, blank=True)
    etag = models.CharField(_("ETag"), max_length=200, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful sync"), null=True, blank=True)
    items_received = models.PositiveIntegerField(_("items received"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    next_retry_at = models.DateTimeField(_("next retry"), null=True, blank=True)
    # Push notifications to this peer's inbox that have not gone through yet.
    push_pending = models.BooleanField(_("notification pending"), default=False)
    push_failures = models.PositiveIntegerField(_("failed notifications"), default=0)
    next_push_at = models.DateTimeField(_("next notification attempt"), null=True, blank=True)

    class Meta:
        verbose_name = _("peer")
        verbose_name_plural = _("peers")
        ordering = ["name", "base_url"]
        # Superusers and Network coordinators: the admin's "Federation" area (peers.py).
        permissions = [("manage_peers", _("Can manage federation peers"))]

    def __str__(self):
        return self.name or self.base_url


class PeerEvent(models.Model):
    class Level(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")
        ERROR = "error", _("Error")

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    # A short machine-readable reason: "bad-signature", "replay", "too-large", "imported" ...
    code = models.CharField(_("code"), max_length=50)
    message = models.TextField(_("message"))
    global_id = models.CharField(_("document"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("peer event")
        verbose_name_plural = _("peer events")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.peer}: {self.code}"


class SeenNonce(models.Model):
    """A push notification's nonce, kept until its signature would have expired anyway."""

    key_id = models.CharField(max_length=100)
    nonce = models.CharField(max_length=200)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "nonce"], name="cc_fed_nonce_once")
        ]

    def __str__(self):
        return self.nonce


class OutboundRecord(models.Model):
    """A practice model of this instance as peers see it: live document or tombstone."""

    global_id = models.UUIDField(_("global id"), unique=True)  # the page's translation_key
    version = models.PositiveBigIntegerField(_("version"))
    # Position in the feed: strictly increasing across the whole instance, so a cursor is
    # "the last sequence I have seen".
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    deleted = models.BooleanField(_("tombstone"), default=False)
    # The signed document (or tombstone) exactly as served, so the feed is a read.
    envelope = models.JSONField(_("signed document"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # SHA-256 of the canonical JSON of the document without version and time: re-publishing
    # an unchanged page keeps the version.
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("shared document")
        verbose_name_plural = _("shared documents")
        ordering = ["sequence"]

    def __str__(self):
        return f"{self.global_id} v{self.version}"


class CopyKind(models.TextChoices):
    PRACTICE_MODEL = "practice_model", _("practice model")
    SEMINAR = "seminar", _("seminar")


class FederatedCopy(models.Model):
    """A practice model or seminar received from another instance (one row for all its
    locales)."""

    global_id = models.UUIDField(_("global id"), unique=True)  # = translation_key of the pages
    # Which page type the copy is (core code lists received seminars by it, pages/seminar.py).
    kind = models.CharField(
        _("kind"), max_length=20, choices=CopyKind.choices, default=CopyKind.PRACTICE_MODEL
    )
    peer = models.ForeignKey(
        Peer,
        verbose_name=_("received from"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="copies",
    )
    # The author: the instance whose key signed the document (may differ from ``peer`` when a
    # hub relays it).
    origin_url = models.URLField(_("origin instance"), max_length=300)
    origin_key_fingerprint = models.CharField(_("origin key fingerprint"), max_length=100)
    origin_city = models.CharField(_("shared by"), max_length=200)
    # {locale code: canonical URL on the origin}
    canonical_urls = models.JSONField(_("canonical addresses"), default=dict)
    version = models.PositiveBigIntegerField(_("version"))
    withdrawn = models.BooleanField(_("withdrawn by its origin"), default=False)
    detached = models.BooleanField(_("detached"), default=False)
    detached_at = models.DateTimeField(_("detached at"), null=True, blank=True)
    detached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("detached by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_imported_at = models.DateTimeField(_("first imported"), auto_now_add=True)
    last_imported_at = models.DateTimeField(_("last imported"), auto_now=True)

    class Meta:
        verbose_name = _("received practice model")
        verbose_name_plural = _("received practice models")

    def __str__(self):
        return f"{self.global_id} v{self.version} ({self.origin_city})"


class RelayRecord(models.Model):
    """A member's document as the hub relays it (docs/federation.md §7): the envelope its
    author served the hub itself, kept unchanged, one row per global id (its latest version).

    ``sequence`` comes from the same counter as ``OutboundRecord.sequence``, so the relay feed
    (the hub's own records and these, in one order) has the feed's cursor rules.
    """

    global_id = models.UUIDField(_("global id"), unique=True)
    author = models.ForeignKey(
        Peer, verbose_name=_("author"), on_delete=models.CASCADE, related_name="relayed"
    )
    version = models.PositiveBigIntegerField(_("version"))
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    deleted = models.BooleanField(_("tombstone"), default=False)
    envelope = models.JSONField(_("signed document"))
    received_at = models.DateTimeField(_("received at"), auto_now=True)

    class Meta:
        verbose_name = _("relayed document")
        verbose_name_plural = _("relayed documents")
        ordering = ["sequence"]

    def __str__(self):
        return f"{self.global_id} v{self.version}"


class FederatedMedia(models.Model):
    """An image received from a peer, stored once per content hash."""

    sha256 = models.CharField(max_length=64, unique=True)
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+")
    source_url = models.URLField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("received image")
        verbose_name_plural = _("received images")

    def __str__(self):
        return self.sha256


class SharedPage(models.Model):
    """Per practice model (all its locales): its editors' sharing choices and problems."""

    translation_key = models.UUIDField(_("practice model"), unique=True)
    share_contact = models.BooleanField(
        _("share contact details"),
        default=False,
        help_text=_("Send the contact person's name, job title and email to partner sites."),
    )
    # Why the current content is not served (e.g. too large); peers keep the last good version.
    problem = models.TextField(_("problem"), blank=True)
    problem_at = models.DateTimeField(_("problem noticed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shared practice model")
        verbose_name_plural = _("shared practice models")

    def __str__(self):
        return str(self.translation_key)


class OutboundCounter(models.Model):
    """One row: the last feed sequence handed out.

    Updating it takes a row lock (PostgreSQL) or the write lock (SQLite) until the transaction
    commits, so sequences are handed out and committed in the same order: a peer whose cursor
    passed a sequence never misses a smaller one that commits later.
    """

    value = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return str(self.value)
