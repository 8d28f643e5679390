"""The dashboard names itself for who works in it: the doctors' dashboard
for doctors, the front desk's for the front desk, in their language."""

import pytest
from django.urls import reverse
from django.utils import translation

from healingpaws.admin import FRONT_DESK_HEADER, FRONT_DESK_INDEX_TITLE
from reservations.tests.factories import make_front_desk

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("admin:index"),
    reverse("admin:reservations_reservation_changelist"),
]


def _site_name(page):
    return page.split('id="site-name"', 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize("url", PAGES)
def test_the_front_desk_sees_its_own_header(client, url):
    client.force_login(make_front_desk(username="reception"))

    page = client.get(url).content.decode()

    assert "Healing Paws — Front Desk" in _site_name(page)
    assert "Doctor Dashboard" not in page


def test_the_front_desks_dashboard_is_named_for_it(client):
    client.force_login(make_front_desk(username="reception"))

    page = client.get(reverse("admin:index")).content.decode()

    assert "<h1>Front Desk</h1>" in page


def test_in_chinese_too(client):
    desk = make_front_desk(username="reception", preferred_language="zh-hans")
    client.force_login(desk)

    page = client.get(reverse("admin:index")).content.decode()

    # The catalog's words once the lead has added them (zh: 前台工作台).
    with translation.override("zh-hans"):
        header, title = str(FRONT_DESK_HEADER), str(FRONT_DESK_INDEX_TITLE)
    assert header in _site_name(page)
    assert f"<h1>{title}</h1>" in page
    assert "愈爪宠物医院" in page
    assert "医生工作台" not in page


@pytest.mark.parametrize("url", PAGES)
def test_doctors_keep_the_doctors_dashboard(doctor_client, url):
    page = doctor_client.get(url).content.decode()

    assert "Healing Paws — Doctor Dashboard" in _site_name(page)
