"""
The one safe way into the system for an image, used by avatars, pet photos and
consultation attachments.

An upload is accepted only if Pillow, restricted to JPEG, PNG and WebP, can
decode it whole within the byte and pixel limits. What is stored is never the
upload itself: the pixels are re-encoded into a fresh WebP file under a random
name, which drops EXIF (GPS included), colour-profile tricks and anything
appended after the image data.

Everything Pillow does with an upload (open, decode, transpose, resize,
encode) runs inside one guard: whatever it raises becomes the form's "could
not be read" error, because a crafted file can make Pillow fail in ways no
list of exception types foresees (a TypeError from exif_transpose on an EXIF
tag of the wrong type, for one). Storing the renditions is all or nothing: a
full disk leaves no file behind and gives the form a clear error.
"""

import io
import logging
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext
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
IMAGE_STORAGE_ERROR = _(
    "The image could not be stored because of a problem on our side. "
    "Nothing was changed; please try again later."
)


def _image_upload_help():
    megabytes = settings.IMAGE_UPLOAD_MAX_BYTES // (1024 * 1024)
    return gettext("JPEG, PNG or WebP, up to %(megabytes)s MB.") % {
        "megabytes": megabytes
    }


# What the upload forms and pages say of the limit: settings.IMAGE_UPLOAD_MAX_BYTES
# is the one source of the number, read when the text is shown.
IMAGE_UPLOAD_HELP = lazy(_image_upload_help, str)()

logger = logging.getLogger(__name__)


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
    upload.seek(0)
    with _pillow_guard():
        try:
            with warnings.catch_warnings():
                # Pillow's own bomb warning is superseded by our stricter check.
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                image = Image.open(upload, formats=ALLOWED_FORMATS)
        except UnidentifiedImageError:
            raise ValidationError(IMAGE_FORMAT_ERROR, code="format") from None
        width, height = image.size
    # Checked on the header, before any pixel is decoded: a small file can
    # declare a huge canvas (a decompression bomb).
    if width * height > max_pixels:
        raise _too_many_pixels()
    return image


def _too_many_pixels():
    return ValidationError(
        IMAGE_TOO_MANY_PIXELS_ERROR,
        code="too_many_pixels",
        params={"limit": f"{settings.IMAGE_UPLOAD_MAX_PIXELS / 1_000_000:g}"},
    )


@contextmanager
def _pillow_guard():
    """Turn anything Pillow raises on an upload into the form's errors.

    Not only OSError, ValueError and SyntaxError: crafted and mutated files
    make Pillow raise TypeError and AttributeError too (see the tests), and
    Pillow promises no complete list. Each of them is a bad file, not a bug
    of ours.
    MemoryError is the exception: the pixel limit bounds what one image may
    cost, so running out of memory is the server's state, not the file's, and
    is left to surface (logged, 500) rather than blamed on the customer.
    BaseException (SystemExit, KeyboardInterrupt, a cancelled task) is never
    caught either.
    """
    try:
        yield
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except MemoryError:
        raise
    except Exception as error:
        # Worth a line: a new Pillow failure mode shows up here first.
        logger.info("image refused as unreadable: %s: %s", type(error).__name__, error)
        raise ValidationError(IMAGE_BROKEN_ERROR, code="broken") from None


def _decode(upload):
    """Decode a checked upload whole into an upright RGB(A) image."""
    image = _open_header(upload)
    with _pillow_guard():
        image.load()
        # Turn the picture the way the camera meant before EXIF is dropped.
        image = ImageOps.exif_transpose(image)
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
    with _pillow_guard():
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
        written = store_images(instance, files)
        try:
            instance.save(update_fields=list(files))
        except BaseException:
            delete_files(written)
            raise
        transaction.on_commit(partial(delete_files, old_names))
    return instance


def store_images(instance, files):
    """Write new files for an instance's image fields (None clears one); the
    row itself is not saved. Returns the (storage, name) pairs written, for
    a caller that must delete them if its own save fails.

    All or nothing: when the storage fails (disk full, quota exceeded, any
    OSError), every file written so far, the half-written one included, is
    deleted, the instance's fields are put back as they were (a page
    re-rendered with it must not show a deleted file), and ValidationError
    with IMAGE_STORAGE_ERROR is raised for the form.
    """
    before = {name: getattr(instance, name).name for name in files}
    attempted = []
    try:
        for name, content in files.items():
            if content is None:
                setattr(instance, name, "")
                continue
            field_file = getattr(instance, name)
            # The name storage.save() will use: FieldFile.save() sets it only
            # on success, and FileSystemStorage leaves a partial file behind
            # when a write fails. Random names never collide with another file.
            target = field_file.field.generate_filename(instance, content.name)
            attempted.append((field_file.storage, target))
            field_file.save(content.name, content, save=False)
    except OSError as error:
        logger.error("could not store %s images: %s", type(instance).__name__, error)
        delete_files(attempted)
        for name, old_name in before.items():
            setattr(instance, name, old_name)
        raise ValidationError(IMAGE_STORAGE_ERROR, code="storage") from None
    return attempted


def delete_files(stored):
    """Delete (storage, name) pairs, best effort; after a commit too."""
    for storage, name in stored:
        try:
            storage.delete(name)
        except OSError:
            # Deleting is best effort (the disk may be the thing failing): a
            # leftover file is logged for the operator, never an error page.
            logger.exception("could not delete %s", name)


def wants_json(request) -> bool:
    """Whether an upload came from the page scripts (pet-photo.js,
    upload-progress.js): they post the form with XMLHttpRequest, to show its
    progress, and read JSON back (upload_answer)."""
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def upload_answer(*, redirect_to: str = "", form=None) -> JsonResponse:
    """The answer to an upload script: where to go next, or the form's
    errors by field name ("__all__" for the form's own), as text."""
    if form is not None and form.errors:
        errors = {name: list(messages) for name, messages in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    return JsonResponse({"redirect": redirect_to})


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
