"""Files doctors attach to a pet's record, through the same rules as photos:
the type is read from the content, never from the name or the browser's
word; what is stored is never the upload itself.

- An image (JPEG, PNG, WebP) goes through core.images: decoded whole within
  the pixel limit and re-encoded as WebP (no EXIF, nothing appended).
- A PDF must parse (pypdf), not be encrypted, and carry no JavaScript,
  embedded files, launch actions or automatic actions; it is then re-written
  page by page without annotations, so nothing a check missed survives.
- Anything else is refused, and so is a file over the upload limit.
"""

import io
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, IndirectObject

from accounts.models import User
from core.images import process_image

from ..models import Pet
from .document_models import PetDocument

PDF_MAGIC = b"%PDF-"
IMAGE_MAGICS = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")
MAX_PAGES = 200

DOCUMENT_TOO_LARGE_ERROR = _("The file is %(size)s; the limit is %(limit)s.")
DOCUMENT_EMPTY_ERROR = _("The file is empty.")
DOCUMENT_TYPE_ERROR = _("Attach a PDF or a JPEG, PNG or WebP image.")
PDF_BROKEN_ERROR = _("The PDF could not be read; it may be damaged.")
PDF_ENCRYPTED_ERROR = _("The PDF is password-protected; attach an unprotected copy.")
PDF_ACTIVE_ERROR = _(
    "The PDF contains scripts, attached files or automatic actions, which are "
    "not accepted; print it to a new PDF and attach that."
)
PDF_TOO_LONG_ERROR = _("The PDF has more than %(pages)d pages.")
# Keys in a PDF that run something or carry another file. (/OpenAction is
# often only "show page 1 at this zoom": what it holds is walked like the
# rest, and refused if it is an action below.)
ACTIVE_NAMES = {"/JavaScript", "/JS", "/EmbeddedFile", "/EmbeddedFiles", "/Launch"}
ACTIVE_NAMES |= {"/AA", "/RichMedia", "/XFA", "/SubmitForm"}
# Action types (/S) that run code, open or send something elsewhere.
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData"}
ACTIVE_ACTIONS |= {"/GoToE", "/GoToR", "/Rendition", "/RichMediaExecute"}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CleanDocument:
    content: ContentFile
    content_type: str


def document_clean(upload) -> CleanDocument:
    """Check an upload and return the file to store, or raise
    ValidationError with the form's message."""
    size = getattr(upload, "size", None)
    limit = settings.IMAGE_UPLOAD_MAX_BYTES
    if not size:
        raise ValidationError(DOCUMENT_EMPTY_ERROR, code="empty")
    if size > limit:
        params = {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        raise ValidationError(DOCUMENT_TOO_LARGE_ERROR, code="too_large", params=params)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(PDF_MAGIC):
        return CleanDocument(_clean_pdf(upload.read()), "application/pdf")
    if head.startswith(IMAGE_MAGICS):
        image = process_image(upload, max_side=4096)
        return CleanDocument(image.original, "image/webp")
    raise ValidationError(DOCUMENT_TYPE_ERROR, code="type")


def _clean_pdf(data: bytes) -> ContentFile:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(PDF_ENCRYPTED_ERROR, code="encrypted")
        pages = reader.pages
        if len(pages) > MAX_PAGES:
            raise ValidationError(
                PDF_TOO_LONG_ERROR, code="pages", params={"pages": MAX_PAGES}
            )
        if _has_active_content(reader.trailer["/Root"]):
            raise ValidationError(PDF_ACTIVE_ERROR, code="active")
        writer = PdfWriter()
        for page in pages:
            writer.add_page(page)
        writer.remove_annotations(subtypes=None)
        for page in writer.pages:
            page.pop("/AA", None)
        buffer = io.BytesIO()
        writer.write(buffer)
    except ValidationError:
        raise
    except MemoryError:
        raise
    except Exception as error:
        # pypdf raises many kinds on crafted files: each is a bad file.
        logger.info("PDF refused as unreadable: %s: %s", type(error).__name__, error)
        raise ValidationError(PDF_BROKEN_ERROR, code="broken") from None
    return ContentFile(buffer.getvalue(), name=f"{uuid.uuid4().hex}.pdf")


def _has_active_content(root, limit=100_000) -> bool:
    """Walk every object reachable from the catalogue (pages, names,
    annotations, forms) looking for a name that runs or embeds something."""
    seen, stack, steps = set(), [root], 0
    while stack:
        steps += 1
        if steps > limit:
            return True  # too tangled to trust
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            if ACTIVE_NAMES & set(node.keys()):
                return True
            if node.get("/S") in ACTIVE_ACTIONS:
                return True
            if node.get("/Subtype") == "/FileAttachment":
                return True
            # Content streams are drawing, not actions: not worth reading.
            stack.extend(v for k, v in node.items() if k not in ("/Parent",))
        elif isinstance(node, list):
            stack.extend(node)
    return False


@transaction.atomic
def document_attach(
    *,
    pet: Pet,
    by: User,
    title: str,
    kind: str,
    clean: CleanDocument,
    visible_to_owner: bool = True,
) -> PetDocument:
    """Store a checked file on the pet's record (document_clean first)."""
    document = PetDocument(
        pet=pet,
        title=title.strip(),
        kind=kind,
        content_type=clean.content_type,
        size=clean.content.size,
        visible_to_owner=visible_to_owner,
        uploaded_by=by,
    )
    document.full_clean(exclude=["file"])
    document.file.save(clean.content.name, clean.content, save=False)
    try:
        document.save()
    except BaseException:
        document.file.storage.delete(document.file.name)
        raise
    return document


def document_set_visibility(*, document: PetDocument, visible_to_owner: bool):
    document.visible_to_owner = visible_to_owner
    document.save(update_fields=["visible_to_owner"])
    return document
