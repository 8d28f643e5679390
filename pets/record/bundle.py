"""The owner's record in one ZIP: each document shown to them and the
vaccination certificate.

Built on request, in memory: a pet's documents are a handful of files of at
most the upload limit each. Above BUNDLE_MAX_BYTES the owner is asked to
download them one by one rather than holding a request (and a daphne
worker's memory) for a large archive.
"""

import io
import zipfile

from ..models import Pet

BUNDLE_MAX_BYTES = 50 * 1024 * 1024


class TooLarge(Exception):
    pass


def documents_zip(*, pet: Pet, certificate_pdf: bytes) -> bytes:
    documents = list(pet.documents.visible_to_owner())
    if sum(document.size for document in documents) > BUNDLE_MAX_BYTES:
        raise TooLarge
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("vaccination-certificate.pdf", certificate_pdf)
        for document in documents:
            with document.file.open("rb") as stored:
                archive.writestr(f"documents/{document.download_name}", stored.read())
    return buffer.getvalue()
