import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.tests.factories import UserFactory
from consultation.models import Message, Thread


class ThreadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Thread

    customer = factory.SubFactory(UserFactory)
    subject = factory.Sequence(lambda n: f"Question {n}")


class MessageFactory(factory.django.DjangoModelFactory):
    """A stored message, written straight to the database (no rules checked)."""

    class Meta:
        model = Message

    thread = factory.SubFactory(ThreadFactory)
    sender = factory.LazyAttribute(lambda message: message.thread.customer)
    text = factory.Sequence(lambda n: f"Message {n}")


def png_upload(name="photo.png", side=64):
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (200, 80, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
