"""English dates in one style on every page: the short formats are the long
ones (a visit's time sits beside its history), and the month is spelt out as
the booking page's script writes it (toLocaleDateString, dateStyle "long").
Django's own module gives the rest (FORMAT_MODULE_PATH in settings.py)."""

DATE_FORMAT = "F j, Y"  # November 5, 2026
DATETIME_FORMAT = "F j, Y, P"  # November 5, 2026, 3 p.m.
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
