"""Every change to a consultation goes through here.

Views, the admin, the demo and the WebSocket consumer call these functions; nothing
else writes threads, messages or read marks. A consumer calls `message_post` for
each incoming message (it checks membership, closed and muted threads and limits
every time, since the socket's user was fixed at connect) and broadcasts only
what it returns, after the transaction has committed.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.notifications import (
    notification_send,
    notifications_mark_read_for_url,
)
from accounts.roles import is_doctor
from core import presence
from core.generations import changes_told_together
from core.images import process_image, store_images
from pets.models import Pet
from reservations.realtime import CONSULTATION_REASON, dashboard_changed
from reservations.slots import next_opening

from .models import (
    MESSAGE_MAX_LENGTH,
    MUTE_REASON_MAX_LENGTH,
    PET_NOT_OWN_ERROR,
    Message,
    MessageKind,
    ReadMark,
    SystemEvent,
    Thread,
    ThreadState,
)
from .notifications import CONSULTATION_REPLY
from .realtime import message_broadcast, read_broadcast
from .webhooks import message_emit

NOT_MEMBER_ERROR = _("You are not part of this consultation.")
DOCTORS_ONLY_ERROR = _("Only a doctor can do this.")
THREAD_CLOSED_ERROR = _("This consultation is closed: no new messages can be added.")
MUTED_ERROR = _(
    "A doctor has paused your messages in this consultation (until %(until)s). "
    "Reason: %(reason)s"
)
MESSAGE_EMPTY_ERROR = _("Write a message or attach a photo.")
MESSAGE_TOO_LONG_ERROR = _(
    "Keep the message to %(limit)d characters or fewer (it has %(length)d)."
)
MESSAGE_UNSTORABLE_ERROR = _(
    "The message contains a character that cannot be sent. Remove it and try again."
)
MUTE_REASON_REQUIRED_ERROR = _("Give the reason: the customer will read it.")
MUTE_REASON_TOO_LONG_ERROR = _("Keep the reason to %(limit)d characters or fewer.")
MUTE_UNTIL_PAST_ERROR = _("Choose a time in the future.")

# A customer writing with no doctor online is told so, once until a doctor
# writes, and again after this long.
NO_DOCTOR_NOTICE_EVERY = datetime.timedelta(hours=12)


def thread_open(
    *,
    customer: User,
    subject: str,
    text: str,
    pet: Pet | None = None,
    photo=None,
    urgent: bool = False,
) -> Thread:
    """Start a thread with its first message, both or neither."""
    if pet is not None and pet.owner_id != customer.pk:
        raise ValidationError({"pet": PET_NOT_OWN_ERROR}, code="not_own_pet")
    with transaction.atomic():
        thread = Thread(customer=customer, subject=(subject or "").strip(), pet=pet)
        thread.full_clean()
        thread.save()
        message_post(
            thread=thread, sender=customer, text=text, photo=photo, urgent=urgent
        )
    return thread


def message_post(
    *, thread: Thread, sender: User, text: str, photo=None, urgent: bool = False
) -> Message:
    """Store a message from the thread's customer or a doctor and return it.

    Refused (PermissionDenied) for anybody else; refused (ValidationError) when
    the thread is closed, the customer is muted, or the text is empty (without a
    photo) or too long. The thread's last message time and the sender's read
    mark move with it, in the same transaction.
    """
    _check_member(thread, sender)
    text = (text or "").strip()
    if not text and not photo:
        raise ValidationError(MESSAGE_EMPTY_ERROR, code="empty")
    if len(text) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            MESSAGE_TOO_LONG_ERROR,
            code="too_long",
            params={"limit": MESSAGE_MAX_LENGTH, "length": len(text)},
        )
    if not _storable(text):
        raise ValidationError(MESSAGE_UNSTORABLE_ERROR, code="unstorable")
    processed = None
    if photo:
        _check_can_write(thread, sender)  # before decoding a photo for nothing
        processed = process_image(photo)
    # The generations the message changes (the thread's parts, the unread
    # counts) are marked in one round trip before the commit.
    with transaction.atomic(), changes_told_together():
        # Read again under a lock: a doctor may have closed the thread or muted
        # the customer since the caller loaded it (a socket keeps it from its
        # connect, and this is where a text message is checked).
        # With its customer, whom a doctor's reply notifies (the thread's row
        # only is locked).
        locked = (
            Thread.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=thread.pk)
        )
        _check_can_write(locked, sender)
        message = Message(thread=locked, sender=sender, text=text, urgent=bool(urgent))
        if processed:
            # Both files or neither (a full disk is a form error, no orphan).
            store_images(
                message,
                {"photo": processed.original, "photo_thumbnail": processed.thumbnail},
            )
        try:
            _store(locked, message, reader=sender)
            if sender.pk != locked.customer_id:
                notification_send(
                    recipient=locked.customer,
                    kind=CONSULTATION_REPLY,
                    url=locked.get_absolute_url(),
                    sender=sender.name,
                    subject=locked.subject,
                    message=message.pk,  # read with it (thread_mark_read)
                )
            else:
                _notice_if_no_doctor(locked)
        except BaseException:
            _delete_files(message)
            raise
        message_emit(message)  # webhooks, in the message's transaction
    thread.last_message_at = locked.last_message_at
    return message


def _storable(text):
    """Whether a database can hold the text: not a NUL (PostgreSQL refuses
    it), nor a lone surrogate (no UTF-8 form). Forms refuse both on their
    own; the chat socket's JSON can carry them ("\\u0000", "\\ud800")."""
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def thread_mark_read(
    *, thread: Thread, user: User, up_to: Message | int | None = None
) -> ReadMark | None:
    """Record that the user has read the thread up to a message (its latest by
    default). Marks only move forward; None when there is nothing to read."""
    _check_member(thread, user)
    if isinstance(up_to, Message) and up_to.thread_id == thread.pk:
        target = up_to  # the pages pass the last message they showed
    else:
        messages = thread.messages.order_by("-pk")
        if up_to is not None:
            messages = messages.filter(pk__lte=getattr(up_to, "pk", up_to))
        target = messages.first()
    if target is None:
        return None
    mark = _mark_read(thread, user, target)
    # Reading the replies reads their notifications (and the bell follows).
    notifications_mark_read_for_url(
        user=user, url=thread.get_absolute_url(), up_to_message=target.pk
    )
    return mark


def thread_mute(
    *, thread: Thread, by: User, until: datetime.datetime, reason: str
) -> Thread:
    """Stop the customer writing in the thread until a time; they are told why."""
    _check_doctor(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(MUTE_REASON_REQUIRED_ERROR, code="reason_required")
    if len(reason) > MUTE_REASON_MAX_LENGTH:
        raise ValidationError(
            MUTE_REASON_TOO_LONG_ERROR,
            code="reason_too_long",
            params={"limit": MUTE_REASON_MAX_LENGTH},
        )
    if until <= timezone.now():
        raise ValidationError(MUTE_UNTIL_PAST_ERROR, code="until_past")
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        if locked.is_closed:
            raise ValidationError(THREAD_CLOSED_ERROR, code="closed")
        locked.muted_until = until
        locked.mute_reason = reason
        locked.save(update_fields=["muted_until", "mute_reason", "updated_at"])
        _store(
            locked,
            Message(
                thread=locked,
                sender=by,
                kind=MessageKind.SYSTEM,
                event=SystemEvent.MUTED,
                params={"until": until.isoformat(), "reason": reason},
            ),
            reader=by,
        )
    return _refreshed(thread, locked)


def thread_close(*, thread: Thread, by: User) -> Thread:
    """Close the thread for good: it stays readable, nobody can write in it."""
    _check_doctor(by)
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        if locked.is_closed:
            raise ValidationError(THREAD_CLOSED_ERROR, code="closed")
        locked.state = ThreadState.CLOSED
        locked.closed_at = timezone.now()
        locked.save(update_fields=["state", "closed_at", "updated_at"])
        _store(
            locked,
            Message(
                thread=locked,
                sender=by,
                kind=MessageKind.SYSTEM,
                event=SystemEvent.CLOSED,
            ),
            reader=by,
        )
    return _refreshed(thread, locked)


# --- helpers ----------------------------------------------------------------------


def _check_member(thread, user):
    if not thread.is_member(user):
        raise PermissionDenied(NOT_MEMBER_ERROR)


def _check_doctor(user):
    if not is_doctor(user):
        raise PermissionDenied(DOCTORS_ONLY_ERROR)


def _check_can_write(thread, sender):
    if thread.is_closed:
        raise ValidationError(THREAD_CLOSED_ERROR, code="closed")
    if not is_doctor(sender) and thread.is_muted():
        raise ValidationError(
            MUTED_ERROR,
            code="muted",
            params={
                "until": date_format(
                    timezone.localtime(thread.muted_until), "DATETIME_FORMAT"
                ),
                "reason": thread.mute_reason,
            },
        )


def _store(thread, message, *, reader=None):
    """Save a new message, bump the thread, mark it read for its author, and
    show it on the thread's open pages after the commit."""
    # Neither the check constraints nor that the thread and the sender exist:
    # Django tests each with a query of its own, four per message, for what
    # the callers have checked (the thread is locked, the sender a member;
    # content and kind) and the database enforces anyway (issue 14).
    message.full_clean(exclude=("thread", "sender"), validate_constraints=False)
    # Registered before the save's signals change generations: the first of
    # the commit's hooks, so the pages hear the message before the renewal's
    # round trip (a generation is "changing" until then, and nothing is kept
    # under it). The hook reads the message as saved.
    message_broadcast(message)
    message.save()
    # An UPDATE, not the thread's save(): its signals would only tell again
    # what the message's have told (the thread's parts, the unread counts).
    thread.last_message_at = message.created_at
    thread.updated_at = timezone.now()
    Thread.objects.filter(pk=thread.pk).update(
        last_message_at=thread.last_message_at, updated_at=thread.updated_at
    )
    # The Today panel counts open consultations and their unread messages.
    dashboard_changed(reason=CONSULTATION_REASON)
    if reader is not None:
        # Not broadcast: the message itself tells the pages that its author
        # has read up to it (consultation.js), which halves the frames.
        _mark_own_message_read(thread, reader, message)
    return message


def _mark_own_message_read(thread, author, message):
    """The author's mark moves to their new message: one UPDATE when they
    have a mark (an author who writes has mostly read the thread before)."""
    moved = ReadMark.objects.filter(
        thread=thread, user=author, last_read_message_id__lt=message.pk
    ).update(last_read_message=message, updated_at=timezone.now())
    if not moved:
        _mark_read(thread, author, message, broadcast=False)


def _mark_read(thread, user, message, *, broadcast=True):
    mark, created = ReadMark.objects.get_or_create(
        thread=thread, user=user, defaults={"last_read_message": message}
    )
    moved = created
    if not created and mark.last_read_message_id < message.pk:
        # Conditional, so that a late request never moves a mark back.
        moved = ReadMark.objects.filter(
            pk=mark.pk, last_read_message_id__lt=message.pk
        ).update(last_read_message=message, updated_at=timezone.now())
        mark.last_read_message = message
    if moved and broadcast:
        read_broadcast(
            thread_id=thread.pk,
            user_id=user.pk,
            hospital=user.pk != thread.customer_id,
            up_to=message.pk,
        )
    return mark


def _notice_if_no_doctor(thread):
    """Tell a customer who writes while no doctor is online when the hospital
    opens next; not again until a doctor has written or some hours passed.
    When presence is unknown (Redis away) nothing is said."""
    if presence.online_count(presence.DOCTOR) != 0:
        return
    last_notice = (
        thread.messages.filter(event=SystemEvent.NO_DOCTOR).order_by("-pk").first()
    )
    if last_notice is not None:
        answered = (
            thread.messages.filter(pk__gt=last_notice.pk, kind=MessageKind.USER)
            .exclude(sender=thread.customer_id)
            .exists()
        )
        recent = timezone.now() - last_notice.created_at < NO_DOCTOR_NOTICE_EVERY
        if recent and not answered:
            return
    opens = next_opening()
    _store(
        thread,
        Message(
            thread=thread,
            kind=MessageKind.SYSTEM,
            event=SystemEvent.NO_DOCTOR,
            params={"opens": opens.isoformat() if opens else None},
        ),
    )


def _refreshed(thread, locked):
    for name in ("state", "closed_at", "muted_until", "mute_reason", "last_message_at"):
        setattr(thread, name, getattr(locked, name))
    return thread


def _delete_files(message):
    for image in (message.photo, message.photo_thumbnail):
        if image:
            image.storage.delete(image.name)
