"""Image files for upload tests, honest and hostile, made in memory."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_TAG = 0x8825


def jpeg_with_gps(name="photo.jpg", size=(64, 48)):
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[GPS_TAG] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def png(name="photo.png", size=(64, 64), color=(0, 120, 200), mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def webp(name="photo.webp", size=(64, 64)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(buffer, "WEBP")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/webp")


def png_with_html_appended(name="innocent.png"):
    payload = b"<html><script>alert(document.cookie)</script></html>"
    return SimpleUploadedFile(
        name, png().read() + payload, content_type="image/png"
    ), payload


def _png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def huge_png_bomb(name="bomb.png", side=12_000):
    """A 144-megapixel, 1-bit PNG of a few KB: a decompression bomb."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    pixels = zlib.compress(row * side, 9)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )
    return SimpleUploadedFile(name, data, content_type="image/png")


def svg(name="logo.svg"):
    data = (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b'<rect width="10" height="10"/></svg>'
    )
    return SimpleUploadedFile(name, data, content_type="image/svg+xml")


def text_named_png(name="notes.png"):
    return SimpleUploadedFile(name, b"just some text, not an image", "image/png")


def gif(name="anim.gif"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "GIF")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/gif")


ORIENTATION_TAG = 0x0112
X_RESOLUTION_TAG = 0x011A  # a RATIONAL by the standard
ARTIST_TAG = 0x013B  # ASCII by the standard
EXIF_SHORT, EXIF_ASCII, EXIF_RATIONAL = 3, 2, 5


def exif_block(entries):
    """A raw little-endian EXIF block from (tag, type, count, 4 value bytes)."""
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        ifd += struct.pack("<HHI", tag, kind, count) + value
    ifd += struct.pack("<I", 0)  # no next IFD
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + ifd


def rotated_exif_with_a_mistyped_tag(mistyped=X_RESOLUTION_TAG):
    """Orientation 6 (turn the picture) and one tag of the wrong type: what
    made ImageOps.exif_transpose() raise TypeError (or AttributeError)."""
    if mistyped == ARTIST_TAG:
        wrong = (ARTIST_TAG, EXIF_RATIONAL, 1, struct.pack("<I", 8))
    else:
        wrong = (mistyped, EXIF_ASCII, 3, b"ab\x00\x00")
    return exif_block(
        [(ORIENTATION_TAG, EXIF_SHORT, 1, struct.pack("<HH", 6, 0)), wrong]
    )


def jpeg_with_crafted_exif(name="crafted.jpg", mistyped=X_RESOLUTION_TAG):
    buffer = io.BytesIO()
    Image.new("RGB", (16, 8), (90, 60, 30)).save(
        buffer, "JPEG", exif=rotated_exif_with_a_mistyped_tag(mistyped)
    )
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
