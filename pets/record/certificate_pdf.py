"""The vaccination certificate drawn as a PDF (fpdf2), in the language
active when it is called.

Drawing one costs about a second of CPU (two 10 MB fonts parsed and
subset), so each drawing is kept in the cache under a hash of everything it
prints and the language: a repeat download (or the ZIP's copy) is read back,
and a new dose, which makes a new certificate, or a changed pet or owner
name, is a new key (nothing to invalidate).
"""

import hashlib
import json
import logging
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf import FPDF
from fpdf.fonts import FontFace

from .certificates import entry_date, item_name
from .document_models import Certificate

FONT_DIR = Path(settings.BASE_DIR, "node_modules", "@expo-google-fonts", "noto-sans-sc")
FONT_REGULAR = FONT_DIR / "400Regular" / "NotoSansSC_400Regular.ttf"
FONT_BOLD = FONT_DIR / "700Bold" / "NotoSansSC_700Bold.ttf"
FONT = "NotoSansSC"
# fontTools logs every subsetting step at INFO: dozens of lines per PDF.
logging.getLogger("fontTools").setLevel(logging.WARNING)
FONT_MISSING_ERROR = (
    "The certificate font is missing: run `npm ci` (it comes from the "
    "@expo-google-fonts/noto-sans-sc package)."
)


def _check_font(path: Path) -> None:
    if not path.exists():
        raise RuntimeError(FONT_MISSING_ERROR)


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else "—"


class _CertificatePDF(FPDF):
    def footer(self):
        self.set_y(-14)
        self.set_font(FONT, size=8)
        self.set_text_color(110)
        self.cell(0, 5, _("Page %(page)s") % {"page": self.page_no()}, align="C")


# Raise it when the drawing changes, so no PDF of the old layout is served.
DRAWING_VERSION = 2
CACHE_SECONDS = 24 * 60 * 60  # a certificate is issued for the day


def render_certificate(certificate: Certificate) -> bytes:
    """The certificate's PDF in the active language, drawn once per content."""
    key = _cache_key(certificate)
    content = cache.get(key)
    if content is None:
        content = _draw(certificate)
        cache.set(key, content, CACHE_SECONDS)
    return content


def _cache_key(certificate: Certificate) -> str:
    pet = certificate.pet
    printed = [
        DRAWING_VERSION,
        translation.get_language(),
        settings.SITE_URL,
        settings.HOSPITAL_PHONE,
        certificate.pk,
        certificate.code,
        certificate.issued_on.isoformat(),
        certificate.items,
        pet.name,
        pet.species,
        pet.breed,
        pet.sex,
        pet.birth_date.isoformat() if pet.birth_date else None,
        pet.microchip_number,
        pet.owner.name,
    ]
    # Sorted keys: PostgreSQL's jsonb gives the doses' keys back in its own
    # order, not the order they were written in.
    digest = hashlib.sha256(
        json.dumps(printed, ensure_ascii=False, sort_keys=True, default=str).encode()
    ).hexdigest()
    return f"pets:certificate-pdf:{digest}"


def _draw(certificate: Certificate) -> bytes:
    pdf = _CertificatePDF(format="A4")
    pdf.set_title(_("Vaccination certificate"))
    pdf.set_author(_("Healing Paws"))
    pdf.set_creator("Healing Paws")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=20)
    for style, path in (("", FONT_REGULAR), ("B", FONT_BOLD)):
        _check_font(path)
        pdf.add_font(FONT, style, str(path))
    pdf.add_page()
    _header(pdf)
    pdf.set_font(FONT, "B", 18)
    pdf.cell(0, 12, _("Vaccination certificate"), new_x="LMARGIN", new_y="NEXT")
    _details(pdf, certificate)
    pdf.ln(4)
    _doses(pdf, certificate)
    pdf.ln(6)
    _verification(pdf, certificate)
    return bytes(pdf.output())


def _header(pdf):
    pdf.set_font(FONT, "B", 13)
    pdf.set_text_color(13, 110, 253)
    pdf.cell(0, 7, _("Healing Paws Veterinary Hospital"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(80)
    pdf.set_font(FONT, size=9)
    line = f"{settings.SITE_URL} · {_('Phone')}: {settings.HOSPITAL_PHONE}"
    pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(13, 110, 253)
    pdf.line(pdf.l_margin, pdf.get_y() + 2, pdf.w - pdf.r_margin, pdf.get_y() + 2)
    pdf.ln(6)
    pdf.set_text_color(0)


def _details(pdf, certificate):
    pet = certificate.pet
    rows = [
        (_("Pet"), pet.name),
        (_("Species"), pet.get_species_display()),
    ]
    if pet.breed:
        rows.append((_("Breed"), pet.breed))
    rows.append((_("Sex"), pet.get_sex_display()))
    if pet.birth_date:
        rows.append((_("Birth date"), _date(pet.birth_date)))
    if pet.microchip_number:
        rows.append((_("Microchip"), pet.microchip_number))
    rows.append((_("Owner"), pet.owner.name))
    pdf.set_font(FONT, size=10)
    for label, value in rows:
        pdf.set_text_color(90)
        pdf.cell(38, 6.5, label)
        pdf.set_text_color(0)
        pdf.cell(0, 6.5, str(value), new_x="LMARGIN", new_y="NEXT")


def _doses(pdf, certificate):
    if not certificate.items:
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 6, _("No vaccination or preventive care is recorded yet."))
        return
    pdf.set_font(FONT, size=9)
    headings = (
        _("Date"),
        _("Vaccination or care"),
        _("Batch/lot"),
        _("Vet"),
        _("Next due"),
    )
    with pdf.table(
        col_widths=(28, 50, 30, 36, 30),  # a Chinese date fits one line
        line_height=6,
        first_row_as_headings=True,
        headings_style=FontFace(emphasis="BOLD", fill_color=(232, 240, 254)),
    ) as table:
        table.row(headings)
        for entry in certificate.items:
            table.row(
                (
                    _date(entry_date(entry["given_on"])),
                    item_name(entry),
                    entry["batch"] or "—",
                    entry["vet"],
                    _date(entry_date(entry["next_due"])),
                )
            )


def _verification(pdf, certificate):
    pdf.set_font(FONT, size=10)
    issued = _("Issued on %(date)s.") % {"date": _date(certificate.issued_on)}
    pdf.cell(0, 6, issued, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    code = pgettext("certificate", "Verification code: %(code)s") % {
        "code": certificate.display_code
    }
    pdf.cell(0, 7, code, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    url = settings.SITE_URL + reverse("pets:verify")
    check = _("Anyone can check this certificate at %(url)s with its code.") % {
        "url": url
    }
    pdf.multi_cell(0, 5, check)
