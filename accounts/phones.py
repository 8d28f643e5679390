"""Finding people by phone number, however it was typed.

Numbers are stored as people typed them ("138 0013 8000", "+86 138-0013-8000",
"(021) 5555 0100"): the phone validator allows spaces, dashes, brackets and a
leading +. A doctor searching types the number as they hear it. So both sides
are compared as digits only: the stored number through a chain of REPLACE()
in the database (no extra column to keep in step), the search term in Python.

A term with an international prefix (+86 or 0086) also finds a number stored
without it: the stored digits are then the term's digits after a country code
(one to three digits). A national trunk prefix ("021" for "+86 21") is not
taken off: "(021) 5555 0100" is found by "021 5555 0100" or "5555 0100".
"""

import re

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Length, Replace
from django.db.models.lookups import EndsWith

from .models import User

# What people put between the digits of a phone number.
PHONE_SEPARATORS = (" ", "-", ".", "(", ")", "+", "/")
# A search term that is a phone number, or a part of one, and nothing else.
PHONE_TERM = re.compile(r"\s*(?:\+|00)?[\d\s\-.()/]*\d[\d\s\-.()/]*")
# Fewer digits find too much, and the stock search already finds them.
PHONE_SEARCH_MIN_DIGITS = 4
# The shortest number the phone validator accepts: a shorter stored value
# would end almost any term.
PHONE_MIN_DIGITS = 6


def phone_digits(field: str):
    """The digits of a stored phone number `field`, as a database expression."""
    expression = F(field)
    for separator in PHONE_SEPARATORS:
        expression = Replace(expression, Value(separator), Value(""))
    return expression


def search_digits(term: str) -> tuple[str, bool] | None:
    """(digits, international) of a search term that is a phone number, else None."""
    if not PHONE_TERM.fullmatch(term):
        return None
    term = term.strip()
    digits = re.sub(r"\D", "", term)
    international = term.startswith("+") or term.startswith("00")
    if term.startswith("00"):
        digits = digits[2:]
    if len(digits) < PHONE_SEARCH_MIN_DIGITS:
        return None
    return digits, international


def with_phone(users: QuerySet, term: str, *, field: str = "phone") -> QuerySet | None:
    """The `users` whose phone matches `term` digit for digit, or None when the
    term is no phone number."""
    found = search_digits(term)
    if found is None:
        return None
    digits, international = found
    users = users.alias(phone_digits=phone_digits(field))
    match = Q(phone_digits__contains=digits)
    if international:
        # "+86 138 0013 8000" finds "138 0013 8000": the term's digits are the
        # stored ones after a country code of one to three digits.
        users = users.alias(phone_length=Length("phone_digits"))
        match |= Q(
            EndsWith(Value(digits), F("phone_digits")),
            phone_length__gte=max(PHONE_MIN_DIGITS, len(digits) - 3),
            phone_length__lt=len(digits),
        )
    return users.filter(match)


class PhoneSearchMixin:
    """A ModelAdmin whose search also finds people by phone, whatever the
    spacing, dashes, dots, brackets or international prefix.

    `phone_search_user` is the path from the admin's model to the user
    ("pk" for the user admin itself).
    """

    phone_search_user = "pk"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        users = with_phone(User.objects.all(), search_term)
        if users is not None:
            by_phone = queryset.filter(
                **{f"{self.phone_search_user}__in": users.values("pk")}
            )
            results = results | by_phone
        return results, may_have_duplicates
