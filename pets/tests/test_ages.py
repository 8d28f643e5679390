import datetime

import pytest
from django.utils import translation

from pets.ages import describe_age, whole_months_between

TODAY = datetime.date(2026, 11, 21)


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (datetime.date(2023, 11, 21), "3 years"),
        (datetime.date(2023, 11, 22), "2 years"),
        (datetime.date(2025, 11, 21), "1 year"),
        (datetime.date(2026, 6, 21), "5 months"),
        (datetime.date(2026, 10, 21), "1 month"),
        (datetime.date(2026, 11, 7), "2 weeks"),
        (datetime.date(2026, 11, 14), "1 week"),
        (datetime.date(2026, 11, 20), "newborn"),
        (datetime.date(2026, 11, 22), "not born yet"),
        (None, ""),
    ],
)
def test_an_age_is_said_the_way_people_say_it(born, expected):
    with translation.override("en"):
        assert describe_age(born, TODAY) == expected


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (datetime.date(2023, 11, 21), "3 岁"),
        (datetime.date(2026, 6, 21), "5 个月"),
        (datetime.date(2026, 11, 7), "2 周"),
    ],
)
def test_an_age_reads_in_chinese(born, expected):
    with translation.override("zh-hans"):
        assert describe_age(born, TODAY) == expected


def test_a_month_counts_on_the_last_day_of_a_shorter_month():
    assert (
        whole_months_between(datetime.date(2026, 1, 31), datetime.date(2026, 2, 28))
        == 1
    )
    assert (
        whole_months_between(datetime.date(2026, 1, 30), datetime.date(2026, 2, 27))
        == 0
    )
