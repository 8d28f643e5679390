"""The front desk's open pages count neither as a customer online nor as a
doctor online (core/presence.py FRONT_DESK); they still watch both counts,
as doctors' pages do."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Group

from accounts.consumers import presence_role_of
from accounts.roles import DOCTORS_GROUP
from accounts.tests.factories import UserFactory
from accounts.tests.sockets import connected
from core import presence
from reservations.tests.factories import make_front_desk


def _counts():
    return {role: presence.online_count(role) for role in presence.ROLES}


@pytest.mark.django_db
def test_the_front_desk_counts_in_no_role(doctor, customer):
    desk = make_front_desk(username="reception")
    both = make_front_desk(username="doctor-at-the-desk")
    both.groups.add(Group.objects.get(name=DOCTORS_GROUP))

    assert presence_role_of(desk) == presence.FRONT_DESK
    assert presence_role_of(both) == presence.DOCTOR
    assert presence_role_of(doctor) == presence.DOCTOR
    assert presence_role_of(customer) == presence.CUSTOMER
    assert presence.watched_roles(presence.FRONT_DESK) == presence.ROLES


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "greetings"), [("/ws/dashboard/", 1), ("/ws/notifications/", 2)]
)
async def test_the_desks_open_pages_are_not_counted_online(path, greetings):
    before = await sync_to_async(_counts)()
    desk = await sync_to_async(make_front_desk)(username="reception")

    socket, frames = await connected(path, desk, greetings=greetings)
    during = await sync_to_async(_counts)()
    await socket.disconnect()

    assert during == before
    (shown,) = [frame for frame in frames if frame["type"] == "presence"]
    assert set(shown["counts"]) == {"doctor", "customer"}  # it watches both
    assert await sync_to_async(_counts)() == before


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_customers_page_still_counts():
    customer = await sync_to_async(UserFactory)()
    before = await sync_to_async(_counts)()

    socket, _frames = await connected("/ws/notifications/", customer)
    during = await sync_to_async(_counts)()
    await socket.disconnect()

    assert during[presence.CUSTOMER] == before[presence.CUSTOMER] + 1
