"""Issue 16 in Chinese: the owner's waitlist offer (take it, or leave the
list) and the no-show page, as a Chinese reader gets them."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from pets.tests.factories import PetFactory
from reservations import services
from reservations.models import ClinicSettings, Reservation, State, WaitlistEntry
from reservations.tests.factories import book, make_visit, today_at, tomorrow_at
from reservations.tests.places import cancel

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def chinese_reader(customer):
    """The owner reads the site in Chinese (their saved choice wins)."""
    customer.preferred_language = "zh-hans"
    customer.save(update_fields=["preferred_language"])


@pytest.fixture
def offered(customer):
    """Mochi's place on tomorrow's waitlist, offered: the 10:00 visit of the
    day's only place was cancelled."""
    ClinicSettings.objects.filter(pk=1).update(doctors_on_duty=1)
    early = book(PetFactory(name="Early"), starts_at=tomorrow_at(10))
    day = tomorrow_at(10).date()
    entry = services.waitlist_join(
        owner=customer,
        pet=PetFactory(owner=customer, name="Mochi"),
        first_day=day,
        last_day=day,
        symptoms="Yearly check-up.",
    )
    cancel(early)
    entry.refresh_from_db()
    assert entry.state == WaitlistEntry.State.OFFERED
    return entry


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_offer_page_speaks_chinese(customer_client, offered):
    page = customer_client.get(
        reverse("reservations:waitlist-offer", args=[offered.pk]), **ZH
    )

    html = page.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "给Mochi的名额" in html
    assert "有空位了，为您保留至" in html
    assert "接受这个名额" in html
    assert "退出候补名单" in html
    assert "Take this place" not in html


def test_taking_the_offer_says_so_in_chinese(customer_client, offered):
    url = reverse("reservations:waitlist-offer", args=[offered.pk])

    response = customer_client.post(url, **ZH)

    visit = Reservation.objects.get(pet=offered.pet)
    assert response["Location"] == visit.get_absolute_url()
    assert said(response) == ["名额归您了：Mochi的就诊已预约，医生会进行确认。"]


def test_leaving_the_waitlist_says_so_in_chinese(customer_client, offered):
    url = reverse("reservations:waitlist-leave", args=[offered.pk])

    response = customer_client.post(url, **ZH)

    offered.refresh_from_db()
    assert offered.state == WaitlistEntry.State.LEFT
    assert said(response) == ["Mochi已退出候补名单。"]


def test_the_no_show_page_speaks_chinese(
    customer_client, customer, doctor, time_machine
):
    time_machine.move_to(today_at(11), tick=False)
    visit = make_visit(
        PetFactory(owner=customer, name="Rex"),
        state=State.CONFIRMED,
        starts_at=today_at(10),
    )
    services.reservation_transition(
        reservation=visit, to_state=State.NO_SHOW, by=doctor
    )

    html = customer_client.get(visit.get_absolute_url(), **ZH).content.decode()

    assert 'data-testid="no-show"' in html
    assert "这次就诊我们没有见到Rex，希望一切安好。" in html
    assert "重新预约就诊" in html
    assert f"/reservations/new/?pet={visit.pet_id}" in html
    assert "We missed Rex" not in html
