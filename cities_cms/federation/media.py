"""Images of received documents: fetched once per SHA-256, checked, then stored.

:func:`download` fetches one announced image through ``fetch.py`` (size limit, private
addresses refused unless the peer is local) and checks, before anything is stored, that

- its SHA-256 is the announced one (so a relay or a CDN cannot swap it),
- Pillow opens it within ``CITIES_CMS_FEDERATION_MAX_IMAGE_PIXELS`` (decompression bombs are
  refused), ``verify()`` passes and the image decodes fully,
- its real format is the announced content type and one of JPEG, PNG, WebP, GIF.

:func:`store` creates the Wagtail image (in the "Shared by partners" collection) and the
``FederatedMedia`` row; :func:`existing` finds the images already received, by hash.

A document with an image that fails any check is refused as a whole (``image-refused``):
importing it without the image would publish a page that differs from what its author signed.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.files.images import ImageFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Collection

from ..conf import settings
from .fetch import fetch
from .schema.errors import ProtocolError

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}
COLLECTION_NAME = "Shared by partners"


@dataclass
class Downloaded:
    item: dict
    data: bytes
    width: int
    height: int


def existing(hashes) -> dict:
    """{sha256: Image} of the images already received."""
    from .models import FederatedMedia

    return {
        row.sha256: row.image
        for row in FederatedMedia.objects.filter(sha256__in=list(hashes)).select_related("image")
    }


def check_image(data: bytes, content_type: str) -> tuple[int, int]:
    """(width, height) of a harmless image of the announced type; else ProtocolError."""
    limit = int(settings.CITIES_CMS_FEDERATION_MAX_IMAGE_PIXELS)
    previous = PILImage.MAX_IMAGE_PIXELS
    PILImage.MAX_IMAGE_PIXELS = limit
    try:
        with warnings.catch_warnings():
            # Pillow warns between the limit and twice it, and raises above: refuse both.
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            try:
                with PILImage.open(io.BytesIO(data)) as image:
                    image.verify()
                with PILImage.open(io.BytesIO(data)) as image:
                    real = image.format
                    width, height = image.size
                    if width * height > limit:
                        raise PILImage.DecompressionBombError("too many pixels")
                    image.load()
            except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
                raise ProtocolError(
                    "image-refused",
                    ngettext(
                        "The image has more than %(limit)s pixel (a decompression bomb?).",
                        "The image has more than %(limit)s pixels (a decompression bomb?).",
                        limit,
                    )
                    % {"limit": limit},
                ) from None
            except (OSError, SyntaxError, ValueError, TypeError, EOFError, MemoryError) as exc:
                raise ProtocolError(
                    "image-refused",
                    _("The file is not a readable image: %(error)s") % {"error": exc},
                ) from None
    finally:
        PILImage.MAX_IMAGE_PIXELS = previous
    if FORMATS.get(real) != content_type:
        raise ProtocolError(
            "image-refused",
            _("The file is %(real)s, not the %(announced)s it claims to be.")
            % {"real": real or "unknown", "announced": content_type},
        )
    return width, height


def download(item: dict, *, allow_private: bool) -> Downloaded:
    """Fetch and check one media item of a validated document (``validate._media``)."""
    max_bytes = int(settings.CITIES_CMS_FEDERATION_MAX_IMAGE_BYTES)
    try:
        response = fetch(item["url"], allow_private=allow_private, max_bytes=max_bytes)
    except ProtocolError as exc:
        raise ProtocolError(
            exc.code,
            _("Image %(url)s: %(error)s")
            % {
                "url": item["url"][:200],
                "error": exc.message,
            },
        ) from None
    if response.status != 200:
        raise ProtocolError(
            "image-refused",
            _("Image %(url)s: the peer answered %(status)s.")
            % {"url": item["url"][:200], "status": response.status},
        )
    digest = hashlib.sha256(response.body).hexdigest()
    if digest != item["sha256"]:
        raise ProtocolError(
            "image-refused",
            _("Image %(url)s: its SHA-256 is not the one the signed document announces.")
            % {"url": item["url"][:200]},
        )
    width, height = check_image(response.body, item["content_type"])
    return Downloaded(item, response.body, width, height)


def collection() -> Collection:
    root = Collection.get_first_root_node()
    found = root.get_children().filter(name=COLLECTION_NAME).first()
    if found is None:
        found = root.add_child(name=COLLECTION_NAME)
    return found


def store(downloaded: Downloaded, *, title: str, target_collection=None):
    """Create the Wagtail image and its ``FederatedMedia`` row (inside the caller's atomic)."""
    from .models import FederatedMedia

    item = downloaded.item
    name = f"shared-{item['sha256'][:16]}.{EXTENSIONS[item['content_type']]}"
    image_model = get_image_model()
    image = image_model(
        title=(title or name)[:255],
        file=ImageFile(io.BytesIO(downloaded.data), name=name),
        collection=target_collection or collection(),
        width=downloaded.width,
        height=downloaded.height,
        file_size=len(downloaded.data),
    )
    if hasattr(image, "description"):
        image.description = title[:255] if title else ""
    # Wagtail's own duplicate detection (its hash_filelike: SHA-1 of the content).
    image.file_hash = hashlib.sha1(downloaded.data).hexdigest()  # noqa: S324
    image.save()
    FederatedMedia.objects.create(sha256=item["sha256"], image=image, source_url=item["url"])
    return image
