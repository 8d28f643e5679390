"""Chinese dates: Django's zh_Hans formats already use one style for short and
long ("2026年11月5日 15:00"); stated here so that it stays so."""

DATE_FORMAT = "Y年n月j日"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y年n月j日 H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
