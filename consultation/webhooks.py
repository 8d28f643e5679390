"""consultation.message_created (core/webhooks.py), sent from message_post in
the message's transaction: the clinic's other systems (a messaging hub, a
duty phone) hear of every customer's or doctor's message."""

from core.webhooks import webhook_emit


def message_emit(message) -> None:
    thread = message.thread
    from_customer = message.sender_id == thread.customer_id
    webhook_emit(
        event="consultation.message_created",
        payload={
            "thread": {
                "id": thread.pk,
                "subject": thread.subject,
                "pet_id": thread.pet_id,
                "customer_id": thread.customer_id,
            },
            "message": {
                "id": message.pk,
                "from": "customer" if from_customer else "doctor",
                "sender_id": message.sender_id,
                "text": message.text,
                "urgent": message.urgent,
                "has_photo": bool(message.photo),
                "created_at": message.created_at,
            },
        },
    )
