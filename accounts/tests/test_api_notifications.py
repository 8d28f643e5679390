"""The owner's notifications in the API: the page's queryset and service."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification
from accounts.notifications import notification_send
from accounts.tests.api import call

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"


def notify(user, subject="Mochi is coughing"):
    return notification_send(
        recipient=user,
        kind="consultation_reply",
        url="/consultation/1/",
        sender="Dr Wu",
        subject=subject,
        message=1,
    )


def test_owner_lists_their_notifications_newest_first(
    client, token, customer, other_customer
):
    older, newer = notify(customer, "First"), notify(customer, "Second")
    notify(other_customer)

    body = call(client, "get", LIST, token).json()

    assert [item["id"] for item in body["results"]] == [newer.pk, older.pk]
    assert "Second" in body["results"][0]["text"]
    assert body["results"][0]["is_read"] is False
    # Listing reads nothing: the app marks read.
    assert Notification.objects.for_user(customer).unread().count() == 2


def test_the_text_is_in_the_requesters_language(client, token, customer):
    notify(customer)

    body = call(client, "get", LIST, token, HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert body["results"][0]["text"] == "Dr Wu 回复了：Mochi is coughing"


def test_list_pages_with_a_cursor_in_constant_queries(client, token, customer):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            body = call(client, "get", LIST, token).json()
        return len(captured), body

    notify(customer)
    one, _body = queries()
    for _n in range(49):
        notify(customer)
    many, body = queries()
    assert many == one
    assert len(body["results"]) == 25
    rest = call(client, "get", body["next"], token).json()
    assert len(rest["results"]) == 25
    assert rest["next"] is None


def test_mark_one_read_and_the_unread_count(client, token, customer):
    first, _second = notify(customer), notify(customer)

    marked = call(client, "post", f"{LIST}{first.pk}/read/", token)

    assert marked.json() == {"marked": 1, "unread": 1}
    first.refresh_from_db()
    assert first.is_read
    again = call(client, "post", f"{LIST}{first.pk}/read/", token)
    assert again.json() == {"marked": 0, "unread": 1}
    assert call(client, "get", f"{LIST}unread-count/", token).json() == {"unread": 1}


def test_mark_all_read(client, token, customer, other_customer):
    notify(customer), notify(customer)
    theirs = notify(other_customer)

    response = call(client, "post", f"{LIST}read-all/", token)

    assert response.json() == {"marked": 2, "unread": 0}
    assert not Notification.objects.for_user(customer).unread().exists()
    theirs.refresh_from_db()
    assert not theirs.is_read


@pytest.mark.parametrize("pk", ["theirs", "999999", "abc"])
def test_another_customers_or_no_notification_is_404(client, token, other_customer, pk):
    theirs = notify(other_customer)
    pk = theirs.pk if pk == "theirs" else pk

    response = call(client, "post", f"{LIST}{pk}/read/", token)

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_a_body_that_is_no_object_changes_nothing(client, token, customer):
    unread = notify(customer)

    response = client.post(
        f"{LIST}{unread.pk}/read/",
        "null",
        content_type="application/json",
        HTTP_X_SESSION_TOKEN=token,
    )

    # No body is needed: whatever is sent, the one notification is read.
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 0}
