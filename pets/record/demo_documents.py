"""Demo lab results attached to the demo pets (pets/record/demo.py): small
PDFs drawn on the spot, attached through the same checks as an upload."""

from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF

from .certificate_pdf import FONT, FONT_REGULAR
from .document_models import DocumentKind
from .documents import document_attach, document_clean

# pet name -> [(title, lines of the report)]
DEMO_DOCUMENTS = {
    "Biscuit": [
        (
            "Blood panel (CBC and chemistry)",
            [
                "WBC 9.8 x10^9/L (6.0-17.0)",
                "RBC 6.9 x10^12/L (5.5-8.5)",
                "ALT 48 U/L (10-100)",
                "Creatinine 98 umol/L (40-130)",
                "All values within the reference ranges.",
            ],
        ),
    ],
    "花卷": [
        (
            "血常规与生化检查",
            [
                "白细胞 12.1 ×10^9/L（5.5-19.5）",
                "血糖 5.9 mmol/L（3.9-8.3）",
                "结果正常。",
            ],
        ),
    ],
}


def _report_pdf(title: str, lines: list[str]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_font(FONT, "", str(FONT_REGULAR))
    pdf.add_page()
    pdf.set_font(FONT, size=16)
    pdf.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def seed_documents(*, pet, doctor) -> int:
    entries = DEMO_DOCUMENTS.get(pet.name, [])
    for title, lines in entries:
        upload = SimpleUploadedFile("report.pdf", _report_pdf(title, lines))
        document_attach(
            pet=pet,
            by=doctor,
            title=title,
            kind=DocumentKind.LAB,
            clean=document_clean(upload),
        )
    return len(entries)
