"""Who is online, counted across two daphne processes sharing Redis, and a
crashed process's users no longer counted once their entries expire."""

import os
import signal

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from e2e.browsing import log_in, make_customer, make_doctor
from e2e.conftest import ARTIFACTS_DIR, daphne

pytestmark = pytest.mark.e2e

# Short, so that the crash shows within seconds (45 by default).
TTL_SECONDS = "3"


@pytest.fixture
def two_servers(daphne_server, tmp_path):
    """Two more daphne processes on the test database and the same Redis."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL: presence across processes lives in Redis")
    options = {
        "mail_dir": daphne_server.mail_dir,
        "media_dir": tmp_path,
        "PRESENCE_TTL_SECONDS": TTL_SECONDS,
    }
    with (
        daphne(ARTIFACTS_DIR / "daphne-a.log", **options) as first,
        daphne(ARTIFACTS_DIR / "daphne-b.log", **options) as second,
    ):
        yield first, second


def test_counts_span_processes_and_a_crashed_ones_users_expire(
    browser, two_servers, screenshot, transactional_db, django_db_serialized_rollback
):
    (url_a, process_a), (url_b, _process_b) = two_servers
    make_customer("alice")
    make_doctor("dr_chen")
    make_doctor("dr_wu")

    def person(url, username):
        context = browser.new_context(base_url=url, locale="en-US")
        context.set_default_timeout(10_000)
        page = context.new_page()
        log_in(page, username, PASSWORD)
        page.goto("/")
        return page

    # Dr Chen's page is served by A, Alice's by B: B counts Dr Chen.
    person(url_a, "dr_chen")
    alice = person(url_b, "alice")
    online = alice.get_by_test_id("online-doctor")
    expect(online).to_have_text("1 doctor online now")

    # Dr Wu signs in on B: Alice's open page counts two, without a reload.
    person(url_b, "dr_wu")
    expect(online).to_have_text("2 doctors online now")
    screenshot("two doctors online over two processes", of=alice)

    # A crashes (no goodbye from its sockets): Dr Chen stops counting once
    # his entry expires, and Alice's page hears of it from B.
    os.kill(process_a.pid, signal.SIGKILL)
    expect(online).to_have_text("1 doctor online now", timeout=15_000)
    screenshot("the crashed process's doctor no longer counts", of=alice)
