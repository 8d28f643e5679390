"""Small files made on the spot for the document upload tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject


def _script():
    return DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hi');"),
        }
    )


def pdf_bytes(
    *, javascript=False, link_script=False, attachment=False, password=None, pages=1
):
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=200, height=200)
    if javascript:  # run when the file opens
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(_script())
    if link_script:  # run by a link on the page
        link = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject(),
                NameObject("/A"): _script(),
            }
        )
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    if attachment:
        writer.add_attachment("evil.exe", b"MZ\x90\x00")
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    return buffer.getvalue()


def upload(content, name="results.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)
