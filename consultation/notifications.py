"""How a reply's notification reads (accounts sends and lists it, and words
none: ConsultationConfig.ready registers this)."""

from django.utils.translation import gettext

from accounts.notifications import notification_kind_register

# The kind of notification consultation sends (accounts/notification_kinds.py).
CONSULTATION_REPLY = "consultation_reply"


def reply_text(params: dict) -> str:
    return gettext("%(name)s replied: %(subject)s") % {
        "name": params.get("sender", ""),
        "subject": params.get("subject", ""),
    }


def register() -> None:
    notification_kind_register(CONSULTATION_REPLY, text=reply_text, icon="bi-chat-dots")
