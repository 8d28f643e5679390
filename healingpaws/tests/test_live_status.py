"""The site and the doctor dashboard tell of a lost live connection with one
notice: the same words and markup (templates/includes/live_status.html)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

NOTICE = re.compile(r"<div [^>]*data-live-status[^>]*>([^<]*)</div>")


def _notice(html):
    found = NOTICE.search(html)
    assert found, "no live-connection notice"
    return found


def test_the_site_and_the_dashboard_tell_of_a_lost_connection_alike(client, doctor):
    client.force_login(doctor)
    site = _notice(client.get(reverse("home")).content.decode())
    dashboard = _notice(client.get(reverse("admin:index")).content.decode())

    assert (
        site.group(1)
        == dashboard.group(1)
        == (
            "The live connection is lost. Reconnecting… "
            "This page is up to date as of its last load."
        )
    )
    for notice in (site.group(0), dashboard.group(0)):
        assert 'role="status"' in notice
        assert " hidden" in notice  # until the socket drops
    assert 'data-live-dashboard="/ws/dashboard/"' in dashboard.group(0)
