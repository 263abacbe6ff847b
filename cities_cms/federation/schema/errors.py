"""The one error of the federation protocol: a short code and a message a person can read.

Every refusal, whoever finds it (the HTTP client, the signature check, the validator, the
importer, the inbox, the member list), is a :class:`ProtocolError`. Its ``code`` is what
travels: the ``code`` of a peer event in the admin, and of an HTTP error answer
(``{"error": {"code": …, "message": …}}``, docs/federation.md §2). The codes are listed in
:data:`CODES` (and in the spec's table, checked against it by the tests).
"""

from pydantic import ValidationError

# code -> when it is used. Peer events and HTTP answers use these and nothing else.
CODES = {
    # exchanges (fetch.py, sync.py)
    "bad-url": "an address that is not an http(s) URL of a site",
    "private-address": "an address that resolves to a private, loopback or reserved address",
    "too-large": "a body, document or image over its size limit",
    "timeout": "no complete answer before the deadline",
    "connection": "the peer cannot be reached",
    "redirect": "too many redirects, or one to an address that is not allowed",
    "http-error": "an answer with an unexpected HTTP status",
    "bad-json": "a body that is not strict JSON",
    "invalid": "a wire object that does not follow the schema",
    # signatures (signing.py)
    "bad-envelope": "not a signed envelope",
    "bad-signature": "a signature that does not verify",
    "bad-key": "a public key that is not 32 base64url bytes",
    "wrong-key": "signed with a key other than the one pinned",
    # documents (importer/)
    "unknown-author": "a document whose author is not an approved peer",
    "own-document": "a document written by this instance",
    "conflict": "a document reusing the id of a local page",
    "wrong-origin": "a document for a copy received from another author",
    "old-version": "a version older than the one already received",
    "image-refused": "an image that fails its checks (the whole document is refused)",
    "no-parent": "no practice model index (or, for a seminar, seminar index) to import into",
    "error": "a failure of this instance while importing (logged with its traceback)",
    # peers (peers.py, members.py)
    "not-cities-cms": "an address that does not answer with a valid descriptor",
    "base-url-mismatch": "a descriptor announcing another address",
    "exists": "a peer that is already known",
    "self": "this instance's own address",
    "no-key": "no key to approve, or no key file on this instance",
    "not-approved": "a peer that was never approved (or not approved now)",
    "not-pending": "approving a peer that is not waiting for approval",
    "not-paused": "resuming a peer that is not paused",
    # push (push.py)
    "length-required": "a notification without Content-Length",
    "unknown-key": "a notification signed by an unknown key",
    "unapproved": "a notification signed by a peer that is pending or paused",
    "replay": "a notification whose nonce was already seen",
    # feed (views.py)
    "bad-after": "a feed cursor that is not a decimal string of at most 19 digits",
    "bad-limit": "a feed limit outside 1 … 500",
    "method-not-allowed": "a method other than those the endpoint answers",
}

# Warnings: what a receiver ignored in a document it imported anyway.
WARNING_CODES = {
    "unknown-field": "a field this instance does not know",
    "unknown-value": "a value outside an enumeration (the default is used, or the item dropped)",
    "unknown-locale": "a locale this instance does not have",
    "unknown-media": "an image of a type other than JPEG, PNG, WebP or GIF",
    "unknown-block": "a block type this instance does not have",
    "invalid-block": "a block whose value does not fit this instance's definition",
    "dropped-block": "a block that needs something that cannot travel (a required page link ...)",
}


class ProtocolError(Exception):
    """A refusal with a ``code`` (see :data:`CODES`) and a ``message`` for people.

    ``status``: the HTTP status when it answers a request; ``global_id``: the document it is
    about, if any; ``peer``: the peer it is about, when the refusal can be tied to one.
    """

    def __init__(self, code, message, *, status=400, global_id="", peer=None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.status = status
        self.global_id = global_id
        self.peer = peer

    def __str__(self):
        return self.message

    def __repr__(self):
        return f"ProtocolError({self.code!r}, {self.message!r})"

    def as_json(self) -> dict:
        """The body of an HTTP error answer."""
        return {"error": {"code": self.code, "message": self.message}}

    def response(self, status=None):
        from django.http import JsonResponse
        from django.utils.cache import patch_cache_control

        response = JsonResponse(self.as_json(), status=status or self.status)
        patch_cache_control(response, no_store=True)
        return response


# --- readable validation errors ---------------------------------------------------------------

# Regular expressions of the schema (common.py) -> what they ask for, in words.
PATTERN_TEXT: dict[str, str] = {}


def _where(loc) -> str:
    parts = []
    for part in loc:
        if part == "[key]":
            parts[-1:] = [f"key {parts[-1]!r}" if parts else "a key"]
        elif isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(str(part)[:50])
    text = ""
    for part in parts:
        text += part if part.startswith("[") or not text else "." + part
    return text or "the document"


def describe(error: dict) -> str:
    """One pydantic error as a sentence: ``locales.en.title is longer than 255 characters.``"""
    where = _where(error.get("loc", ()))
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    texts = {
        "missing": "is missing",
        "string_type": "must be a string",
        "int_type": "must be an integer",
        "int_from_float": "must be an integer",
        "bool_type": "must be true or false",
        "dict_type": "must be a JSON object",
        "model_type": "must be a JSON object",
        "model_attributes_type": "must be a JSON object",
        "list_type": "must be a list",
        "none_required": "must be null",
        "extra_forbidden": "is not allowed here",
        "string_too_short": "must not be empty",
        "string_too_long": f"is longer than {ctx.get('max_length')} characters",
        "too_long": f"has more than {ctx.get('max_length')} items",
        "too_short": f"needs at least {ctx.get('min_length')} item(s)",
        "greater_than_equal": f"must be at least {ctx.get('ge')}",
        "less_than_equal": f"must be at most {ctx.get('le')}",
        "literal_error": f"must be one of {ctx.get('expected')}",
        "enum": f"must be one of {ctx.get('expected')}",
        "string_pattern_mismatch": "must be "
        + PATTERN_TEXT.get(ctx.get("pattern", ""), f"of the form {ctx.get('pattern')}"),
    }
    if kind in texts:
        return f"{where} {texts[kind]}."
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    return f"{where} {message.rstrip('.')}."


def from_validation_error(exc: ValidationError, *, prefix="") -> ProtocolError:
    """A pydantic ``ValidationError`` as ``ProtocolError("invalid", …)`` (first two errors)."""
    errors = exc.errors(include_url=False)
    message = " ".join(describe(error) for error in errors[:2])
    if len(errors) > 2:
        message += f" (and {len(errors) - 2} more)"
    return ProtocolError("invalid", (prefix + message)[:500])
