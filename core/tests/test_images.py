import collections
import errno
import html
import io
import os
import random
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts import services
from consultation.models import Message, Thread
from consultation.tests.factories import ThreadFactory
from core import images
from core.tests import images as samples
from pets.models import Pet
from pets.tests.factories import PetFactory
from pets.tests.test_admin import inline_management
from pets.tests.test_admin import pet_fields as admin_pet_fields


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


# A crafted EXIF block and a fuzz of mutated files -------------------------


@pytest.mark.parametrize("mistyped", [samples.X_RESOLUTION_TAG, samples.ARTIST_TAG])
def test_a_rotated_jpeg_with_a_mistyped_exif_tag_is_a_broken_image(mistyped):
    upload = samples.jpeg_with_crafted_exif(mistyped=mistyped)
    with pytest.raises(ValidationError) as error:
        images.process_image(upload)
    assert error.value.code == "broken"
    assert error.value.messages == [str(images.IMAGE_BROKEN_ERROR)]


def test_a_bomb_past_pillows_own_limit_is_the_pixel_limit_error_too():
    # 196 megapixels: Image.open() itself raises DecompressionBombError.
    with pytest.raises(ValidationError) as error:
        images.process_image(samples.huge_png_bomb(side=14_000))
    assert error.value.code == "too_many_pixels"


def test_running_out_of_memory_is_not_blamed_on_the_image():
    """MemoryError is the server's state, not the file's: it is not a form
    error (see images._pillow_guard)."""
    with (
        mock.patch.object(images.ImageOps, "exif_transpose", side_effect=MemoryError),
        pytest.raises(MemoryError),
    ):
        images.process_image(samples.png())


FUZZ_SEED = 20261127
FUZZ_ROUNDS = 3000
# Small on purpose: a mutated header may declare a bigger canvas, and the
# test must stay fast; the refusal path is the same at any limit.
FUZZ_MAX_PIXELS = 200_000


def _random_exif(rng):
    """A raw EXIF block: a random Orientation and a few tags of random type,
    count and value, most of them wrong for their tag."""
    entries = [(samples.ORIENTATION_TAG, 3, 1, bytes([rng.randint(0, 9), 0, 0, 0]))]
    for _ in range(rng.randint(1, 4)):
        tag = rng.choice([0x010F, 0x011A, 0x011B, 0x0128, 0x0131, 0x013B, 0x8769])
        entries.append((tag, rng.randint(1, 12), rng.randint(0, 5), rng.randbytes(4)))
    return samples.exif_block(entries)


def _seed_files(rng):
    """Valid small JPEG, PNG and WebP files, some with a random EXIF block."""
    files = []
    for size in ((12, 9), (5, 17)):
        for mode, fmt in (
            ("RGB", "JPEG"),
            ("RGBA", "PNG"),
            ("P", "PNG"),
            ("L", "PNG"),
            ("RGB", "WEBP"),
            ("RGBA", "WEBP"),
        ):
            image = Image.new(mode, size, 40)
            for exif in (None, _random_exif(rng)):
                buffer = io.BytesIO()
                try:
                    image.save(buffer, fmt, **({"exif": exif} if exif else {}))
                except Exception:  # noqa: S112 (a block Pillow will not even write)
                    continue
                files.append(buffer.getvalue())
    return files


def _mutate(rng, data):
    data = bytearray(data)
    how = rng.randrange(4)
    if how == 0:  # flip a few bytes anywhere
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif how == 1:  # cut it short
        del data[rng.randrange(1, len(data)) :]
    elif how == 2:  # flip bytes in the header, where the sizes and tags are
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(min(len(data), 64))] = rng.randrange(256)
    else:  # a chunk of itself pasted somewhere else
        start = rng.randrange(len(data))
        chunk = data[start : start + rng.randint(1, 32)]
        at = rng.randrange(len(data))
        data[at:at] = chunk
    return bytes(data)


# Pillow warns about each corrupt EXIF block it skips: thousands of lines.
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_thousands_of_mutated_images_are_either_accepted_or_refused_cleanly(
    settings,
):
    """No exception but ValidationError ever leaves the gate."""
    settings.IMAGE_UPLOAD_MAX_PIXELS = FUZZ_MAX_PIXELS
    rng = random.Random(FUZZ_SEED)  # noqa: S311 (repeatable, not secret)
    seeds = _seed_files(rng)
    outcomes = collections.Counter()
    for round_ in range(FUZZ_ROUNDS):
        data = _mutate(rng, rng.choice(seeds))
        upload = SimpleUploadedFile(f"fuzz{round_}.bin", data, "image/jpeg")
        try:
            processed = images.process_image(
                upload, max_side=24, thumbnail_side=8, medium_side=16
            )
        except ValidationError as error:
            outcomes[error.code] += 1
        else:
            assert _decode(processed.original).format == "WEBP"
            outcomes["accepted"] += 1
    assert set(outcomes) <= {"accepted", "broken", "format", "too_many_pixels"}
    # Both ways were taken often: the mutations reach past the header.
    assert outcomes["accepted"] > 100
    assert outcomes["broken"] > 100


# Every upload point: a crafted file and a full disk -----------------------
#
# Eight ways an image enters: the pet form (add, edit), the same form posted
# by the photo uploader (JSON), the avatar, a new consultation, a reply on the
# thread page, a doctor's reply and a doctor's pet photo in the dashboard.

XHR = {"X-Requested-With": "XMLHttpRequest"}


@dataclass
class World:
    client: object
    customer: object
    doctor: object
    pet: object
    thread: object

    def as_customer(self):
        self.client.force_login(self.customer)
        return self.client

    def as_doctor(self):
        self.client.force_login(self.doctor)
        return self.client


@pytest.fixture
def world(client, customer, doctor):
    pet = PetFactory(owner=customer, name="Rex", birth_date=None)
    return World(client, customer, doctor, pet, ThreadFactory(customer=customer))


def _pet_form(upload, name="Rex"):
    return {"name": name, "species": "dog", "sex": "unknown", "photo": upload}


def _dashboard_pet_form(world, upload):
    return {
        **admin_pet_fields(world.pet, name="Rex the Second"),
        **inline_management(total=0),
        "new_photo": upload,
    }


UPLOAD_POINTS = {
    "pet-add": lambda w, f: w.as_customer().post(
        reverse("pets:new"), _pet_form(f, name="Mimi")
    ),
    "pet-edit": lambda w, f: w.as_customer().post(
        reverse("pets:edit", args=[w.pet.pk]), _pet_form(f, name="Rex the Second")
    ),
    "uploader-add": lambda w, f: w.as_customer().post(
        reverse("pets:new"), _pet_form(f, name="Mimi"), headers=XHR
    ),
    "uploader-edit": lambda w, f: w.as_customer().post(
        reverse("pets:edit", args=[w.pet.pk]),
        _pet_form(f, name="Rex the Second"),
        headers=XHR,
    ),
    "avatar": lambda w, f: w.as_customer().post(
        reverse("accounts:avatar-upload"), {"avatar": f}
    ),
    "consultation-new": lambda w, f: w.as_customer().post(
        reverse("consultation:new"), {"subject": "Limping", "text": "", "photo": f}
    ),
    "consultation-reply": lambda w, f: w.as_customer().post(
        w.thread.get_absolute_url(), {"text": "", "photo": f}
    ),
    "dashboard-reply": lambda w, f: w.as_doctor().post(
        reverse("admin:consultation_thread_change", args=[w.thread.pk]),
        {"_reply": "1", "text": "", "photo": f},
        follow=True,
    ),
    "dashboard-pet": lambda w, f: w.as_doctor().post(
        reverse("admin:pets_pet_change", args=[w.pet.pk]),
        _dashboard_pet_form(w, f),
        follow=True,
    ),
}


def _shown(response):
    """What the user reads: the uploader's JSON errors, or the page's text."""
    if response["Content-Type"] == "application/json":
        return " ".join(
            message
            for errors in response.json()["errors"].values()
            for message in errors
        )
    return html.unescape(response.content.decode())


def _stored(world, media_root):
    """Everything an upload may change: rows, image names, files on disk."""
    world.customer.refresh_from_db()
    return {
        "pets": list(
            Pet.objects.order_by("pk").values_list(
                "pk", "name", "photo", "photo_medium", "photo_thumbnail"
            )
        ),
        "avatar": (world.customer.avatar.name, world.customer.avatar_thumbnail.name),
        "threads": list(Thread.objects.values_list("pk", "last_message_at")),
        "messages": list(Message.objects.values_list("pk", "text", "photo")),
        "files": sorted(
            str(path) for path in Path(media_root).rglob("*") if path.is_file()
        ),
    }


@pytest.mark.parametrize("point", UPLOAD_POINTS)
def test_a_crafted_exif_block_is_a_form_error_at_every_upload_point(
    world, point, settings
):
    before = _stored(world, settings.MEDIA_ROOT)

    response = UPLOAD_POINTS[point](world, samples.jpeg_with_crafted_exif())

    assert response.status_code in (200, 400)
    assert str(images.IMAGE_BROKEN_ERROR) in _shown(response)
    assert _stored(world, settings.MEDIA_ROOT) == before


@pytest.fixture
def disk_full_on_the_second_file(monkeypatch):
    """The storage fails on the second file of a request, as a full disk
    does: the file is created and partly written, then ENOSPC."""
    real_save = FileSystemStorage._save
    names = []

    def save(storage, name, content):
        names.append(name)
        if len(names) == 2:
            path = Path(storage.path(name))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"RIFF\x00\x00")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_save(storage, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", save)
    return names


@pytest.mark.parametrize("point", UPLOAD_POINTS)
def test_a_full_disk_is_a_clear_error_and_leaves_nothing_behind_at_every_upload_point(
    world, point, settings, disk_full_on_the_second_file
):
    before = _stored(world, settings.MEDIA_ROOT)

    response = UPLOAD_POINTS[point](world, samples.png())

    assert len(disk_full_on_the_second_file) == 2  # the failure did happen
    assert response.status_code in (200, 400)
    assert str(images.IMAGE_STORAGE_ERROR) in _shown(response)
    assert _stored(world, settings.MEDIA_ROOT) == before


def test_the_photo_uploader_gets_json_when_the_disk_is_full(
    world, disk_full_on_the_second_file
):
    response = UPLOAD_POINTS["uploader-edit"](world, samples.png())

    assert response.status_code == 400
    assert response.json() == {"errors": {"photo": [str(images.IMAGE_STORAGE_ERROR)]}}


def test_a_full_disk_keeps_the_current_avatar_on_the_page(world, request):
    """The page re-rendered after the failure shows the avatar the user
    still has, not a name of a file that was deleted."""
    services.user_set_avatar(user=world.customer, upload=samples.png())
    kept = world.customer.avatar.name
    request.getfixturevalue("disk_full_on_the_second_file")

    response = UPLOAD_POINTS["avatar"](world, samples.webp())

    assert response.status_code == 400
    assert response.wsgi_request.user.avatar.name == kept
    world.customer.refresh_from_db()
    assert world.customer.avatar.storage.exists(kept)


def test_a_full_disk_while_django_spools_the_upload_gives_the_503_page(world, settings):
    """Before any view: a large upload goes to a temporary file as the form
    is parsed (the CSRF check reads it), and that write can fail too."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10  # spooled to disk at once
    client = Client(raise_request_exception=False)
    client.force_login(world.customer)
    before = _stored(world, settings.MEDIA_ROOT)
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with mock.patch.object(
        TemporaryFileUploadHandler, "receive_data_chunk", side_effect=full
    ):
        response = client.post(
            reverse("accounts:avatar-upload"), {"avatar": samples.png()}
        )

    assert response.status_code == 503
    assert response["Retry-After"]
    assert _stored(world, settings.MEDIA_ROOT) == before
