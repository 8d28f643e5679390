"""Validators for account fields, shared by the model, allauth and the live checks."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 30

# Letters and digits (ASCII), CJK ideographs (BMP blocks and extension B) and "_".
USERNAME_CHARACTERS = (
    "A-Za-z0-9_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df"
)
USERNAME_FORMAT_ERROR = _(
    "Use 3 to 30 characters: letters, digits, Chinese characters or _."
)
PHONE_FORMAT_ERROR = _(
    "Enter a phone number of 6 to 20 digits; spaces, dashes, brackets and a "
    "leading + are allowed."
)

username_validator = RegexValidator(
    regex=rf"^[{USERNAME_CHARACTERS}]{{{USERNAME_MIN_LENGTH},{USERNAME_MAX_LENGTH}}}\Z",
    message=USERNAME_FORMAT_ERROR,
    code="invalid_username",
)

phone_validator = RegexValidator(
    regex=r"^\+?[0-9][0-9 ()\-]{4,22}[0-9]\Z",
    message=PHONE_FORMAT_ERROR,
    code="invalid_phone",
)

# allauth reads this list through ACCOUNT_USERNAME_VALIDATORS.
USERNAME_VALIDATORS = [username_validator]
