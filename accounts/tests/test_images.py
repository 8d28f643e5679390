import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts import images
from accounts.tests import images as samples


def _decode(content_file):
    content_file.seek(0)
    return Image.open(io.BytesIO(content_file.read()))


@pytest.mark.parametrize("make", [samples.png, samples.webp, samples.jpeg_with_gps])
def test_jpeg_png_and_webp_are_accepted_and_stored_as_webp(make):
    processed = images.process_image(make(), thumbnail_side=32, medium_side=48)
    for rendition in (processed.original, processed.thumbnail, processed.medium):
        assert rendition.name.endswith(".webp")
        assert _decode(rendition).format == "WEBP"
    assert _decode(processed.thumbnail).size == (32, 32)


def test_stored_names_are_random_and_never_the_uploaded_name():
    first = images.process_image(samples.png(name="../../etc/passwd.png"))
    second = images.process_image(samples.png(name="../../etc/passwd.png"))
    assert "passwd" not in first.original.name
    assert first.original.name != second.original.name
    assert "/" not in first.original.name


def test_exif_and_gps_are_removed():
    upload = samples.jpeg_with_gps()
    assert Image.open(upload).getexif().get(samples.GPS_TAG)  # the sample has GPS
    processed = images.process_image(upload)
    stored = _decode(processed.original)
    assert not stored.getexif()
    assert b"SpyCam" not in processed.original.read()


def test_bytes_appended_after_the_image_are_dropped():
    upload, payload = samples.png_with_html_appended()
    processed = images.process_image(upload)
    processed.original.seek(0)
    assert b"<script>" not in processed.original.read()


def test_a_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(ValidationError) as error:
        images.process_image(samples.huge_png_bomb())
    assert error.value.code == "too_many_pixels"
    assert "25 megapixels" in error.value.messages[0]


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (samples.svg, "format"),
        (samples.text_named_png, "format"),
        (samples.gif, "format"),
    ],
)
def test_other_formats_and_fakes_are_refused(make, code):
    with pytest.raises(ValidationError) as error:
        images.process_image(make())
    assert error.value.code == code
    assert error.value.messages == ["Upload a JPEG, PNG or WebP image."]


def test_a_file_over_the_byte_limit_is_refused(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError) as error:
        images.process_image(samples.png(size=(64, 64)))
    assert error.value.code == "too_large"


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as error:
        images.process_image(SimpleUploadedFile("empty.png", b"", "image/png"))
    assert error.value.code == "empty"


def test_a_truncated_image_is_refused():
    data = samples.png(size=(300, 300)).read()
    upload = SimpleUploadedFile("cut.png", data[: len(data) // 2], "image/png")
    with pytest.raises(ValidationError) as error:
        images.process_image(upload)
    assert error.value.code == "broken"


def test_transparency_survives_re_encoding():
    processed = images.process_image(samples.png(mode="RGBA", color=(0, 0, 0, 0)))
    assert _decode(processed.original).mode == "RGBA"


def test_large_images_are_scaled_down_to_the_maximum_side():
    processed = images.process_image(samples.png(size=(3000, 1000)), max_side=600)
    assert _decode(processed.original).size == (600, 200)
