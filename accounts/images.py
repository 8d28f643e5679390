"""
The one safe way into the system for an image, used by avatars, pet photos and
consultation attachments.

An upload is accepted only if Pillow, restricted to JPEG, PNG and WebP, can
decode it whole within the byte and pixel limits. What is stored is never the
upload itself: the pixels are re-encoded into a fresh WebP file under a random
name, which drops EXIF (GPS included), colour-profile tricks and anything
appended after the image data.
"""

import io
import uuid
import warnings
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
ALLOWED_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp")
OUTPUT_FORMAT = "WEBP"
OUTPUT_EXTENSION = "webp"
OUTPUT_QUALITY = 85

IMAGE_TOO_LARGE_ERROR = _("The image is %(size)s; the limit is %(limit)s.")
IMAGE_TOO_MANY_PIXELS_ERROR = _(
    "The image has too many pixels; the limit is %(limit)s megapixels."
)
IMAGE_FORMAT_ERROR = _("Upload a JPEG, PNG or WebP image.")
IMAGE_BROKEN_ERROR = _("The image could not be read; it may be damaged.")
IMAGE_EMPTY_ERROR = _("The file is empty.")


@dataclass(frozen=True)
class ProcessedImage:
    """Re-encoded renditions of one upload, ready to save on an ImageField."""

    original: ContentFile
    thumbnail: ContentFile
    medium: ContentFile | None = None


def _open_header(upload):
    """Open an upload lazily, checking what its header tells: format, size, pixels.

    Cheap (no pixel is decoded), so forms can run it on every upload.
    """
    max_bytes = settings.IMAGE_UPLOAD_MAX_BYTES
    max_pixels = settings.IMAGE_UPLOAD_MAX_PIXELS
    size = getattr(upload, "size", None)
    if size == 0:
        raise ValidationError(IMAGE_EMPTY_ERROR, code="empty")
    if size is not None and size > max_bytes:
        raise ValidationError(
            IMAGE_TOO_LARGE_ERROR,
            code="too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
        )
    too_many_pixels = ValidationError(
        IMAGE_TOO_MANY_PIXELS_ERROR,
        code="too_many_pixels",
        params={"limit": f"{max_pixels / 1_000_000:g}"},
    )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb warning is superseded by our stricter check.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=ALLOWED_FORMATS)
    except UnidentifiedImageError:
        raise ValidationError(IMAGE_FORMAT_ERROR, code="format") from None
    except Image.DecompressionBombError:
        raise too_many_pixels from None
    except (OSError, ValueError, SyntaxError):
        raise ValidationError(IMAGE_BROKEN_ERROR, code="broken") from None
    width, height = image.size
    # Checked on the header, before any pixel is decoded: a small file can
    # declare a huge canvas (a decompression bomb).
    if width * height > max_pixels:
        raise too_many_pixels
    return image


def _decode(upload):
    """Decode a checked upload whole into an upright RGB(A) image."""
    image = _open_header(upload)
    try:
        image.load()
        # Turn the picture the way the camera meant before EXIF is dropped.
        image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(IMAGE_BROKEN_ERROR, code="broken") from None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    return image.convert("RGBA" if has_alpha else "RGB")


def _encode(image):
    buffer = io.BytesIO()
    # A new image with the pixels only: no EXIF, ICC or text chunks carried over.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    clean.save(buffer, OUTPUT_FORMAT, quality=OUTPUT_QUALITY, method=4)
    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.{OUTPUT_EXTENSION}")


def _fit_within(image, box):
    copy = image.copy()
    copy.thumbnail((box, box), Image.Resampling.LANCZOS)
    return copy


def _square(image, side):
    return ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)


def validate_image(upload, *, decode=False):
    """Raise ValidationError unless the upload's header is acceptable.

    A file damaged past its header is caught when process_image decodes it,
    or here already with `decode=True`, where a late error would be awkward
    (the admin, which has saved the row by then).
    """
    if decode:
        _decode(upload)
    else:
        _open_header(upload)
    upload.seek(0)


def process_image(upload, *, max_side=2048, thumbnail_side=256, medium_side=None):
    """Check an upload and return its re-encoded renditions.

    The original is kept at most `max_side` pixels on its longer side; the
    thumbnail is a centred square; the medium size is made only when asked.
    """
    image = _decode(upload)
    return ProcessedImage(
        original=_encode(_fit_within(image, max_side)),
        thumbnail=_encode(_square(image, thumbnail_side)),
        medium=_encode(_fit_within(image, medium_side)) if medium_side else None,
    )


def replace_images(instance, files):
    """Point an instance's image fields at new files (None clears one) and save.

    `files` maps field names to ContentFile or None. The files they replace
    are deleted only once the row no longer points at them, after commit.
    """
    # Names, not FieldFile objects: FieldFile.save() renames the object in place.
    old_names = [
        (getattr(instance, name).storage, getattr(instance, name).name)
        for name in files
        if getattr(instance, name)
    ]
    with transaction.atomic():
        for name, content in files.items():
            if content is None:
                setattr(instance, name, "")
            else:
                getattr(instance, name).save(content.name, content, save=False)
        instance.save(update_fields=list(files))
        transaction.on_commit(partial(_delete_files, old_names))
    return instance


def _delete_files(stored):
    for storage, name in stored:
        storage.delete(name)


def image_version(image):
    """A short tag for URLs that changes with every new file (its random name)."""
    return image.name.rsplit("/", 1)[-1][:8]


def image_response(image):
    """An HTTP response with a stored rendition, for views that checked access.

    Read into memory rather than streamed: daphne warns about FileResponse's
    sync iterator, and renditions are WebP files of at most 2048 px.
    """
    with image.open("rb") as stored:
        content = stored.read()
    response = HttpResponse(content, content_type=f"image/{OUTPUT_EXTENSION}")
    # URLs carry the file's random name as a version, so browsers may keep it.
    response["Cache-Control"] = "private, max-age=86400"
    return response
