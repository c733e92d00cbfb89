"""Validation messages as Rails wrote them (CONTRACT §3): fragments that read as a sentence
after the humanized attribute name, so that ActiveResource shows `Name can't be blank`.

DRF's and Django's default messages are whole English sentences ("This field may not be
blank."). Each is matched here against the default it came from — read from the field
classes themselves, so that every field of every resource is covered — and replaced by
the Rails fragment for its error code. Messages of our own (already fragments) pass as
they are.
"""

import functools
import re
from collections.abc import Iterable

from django.utils import translation
from rest_framework import serializers

CANT_BE_BLANK = "can't be blank"
IS_INVALID = "is invalid"
NOT_A_NUMBER = "is not a number"
NOT_A_DATE = "is not a date (YYYY-MM-DD)"
NOT_A_DATETIME = "is not a date and time (ISO 8601)"
NOT_A_BOOLEAN = "must be true or false"
NOT_IN_LIST = "is not included in the list"
TAKEN = "has already been taken"

# DRF error code → fragment; `{name}` placeholders are DRF's own.
_BY_CODE = {
    "required": CANT_BE_BLANK,
    "null": CANT_BE_BLANK,
    "blank": CANT_BE_BLANK,
    "empty": CANT_BE_BLANK,
    "invalid": IS_INVALID,
    "max_length": "is too long (maximum is {max_length} characters)",
    "min_length": "is too short (minimum is {min_length} characters)",
    "max_value": "must be less than or equal to {max_value}",
    "min_value": "must be greater than or equal to {min_value}",
    "max_string_length": "is too long",
    "max_digits": "must have at most {max_digits} digits",
    "max_decimal_places": "must have at most {max_decimal_places} decimal places",
    "max_whole_digits": "must have at most {max_whole_digits} digits before the decimal point",
    "invalid_choice": NOT_IN_LIST,
    "not_a_list": IS_INVALID,
    "not_a_dict": IS_INVALID,
    "date": NOT_A_DATE,
    "datetime": NOT_A_DATETIME,
    "overflow": IS_INVALID,
    "make_aware": IS_INVALID,
}
# Where a field class means something more precise by a code.
_BY_FIELD_AND_CODE = {
    (serializers.IntegerField, "invalid"): NOT_A_NUMBER,
    (serializers.DecimalField, "invalid"): NOT_A_NUMBER,
    (serializers.FloatField, "invalid"): NOT_A_NUMBER,
    (serializers.BooleanField, "invalid"): NOT_A_BOOLEAN,
    (serializers.DateField, "invalid"): NOT_A_DATE,
    (serializers.DateTimeField, "invalid"): NOT_A_DATETIME,
    (serializers.ListField, "max_length"): "is too long (maximum is {max_length} items)",
    (serializers.ListSerializer, "max_length"): "is too long (maximum is {max_length} items)",
    (serializers.ListField, "min_length"): "is too short (minimum is {min_length} items)",
    (serializers.ListSerializer, "min_length"): "is too short (minimum is {min_length} items)",
}
# Django's model and form validation (services call full_clean(); filters use forms).
_DJANGO = [
    (r"This field cannot be (?:blank|null)\.", CANT_BE_BLANK),
    (r"Ensure this value has at most (?P<max_length>\d+) characters? \(it has \d+\)\.",
     "is too long (maximum is {max_length} characters)"),
    (r"Ensure this value is less than or equal to (?P<max_value>\S+)\.",
     "must be less than or equal to {max_value}"),
    (r"Ensure this value is greater than or equal to (?P<min_value>\S+)\.",
     "must be greater than or equal to {min_value}"),
    (r".+ with this .+ already exists\.", TAKEN),
    (r"Value .+ is not a valid choice\.", NOT_IN_LIST),
    (r"Select a valid choice\..*", NOT_IN_LIST),
    (r"Enter a valid date\.", NOT_A_DATE),
    (r"Enter a (?:number|whole number)\.", NOT_A_NUMBER),
    (r"Enter a valid (?:email address|URL|value)\.", IS_INVALID),
]


def _field_classes() -> Iterable[type]:
    seen: set[type] = set()
    stack = [serializers.Field]
    while stack:
        klass = stack.pop()
        if klass not in seen:
            seen.add(klass)
            yield klass
            stack.extend(klass.__subclasses__())


def _template_regex(template: str) -> str:
    parts = re.split(r"\{(\w+)\}", template)
    return "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
        for index, part in enumerate(parts)
    )


@functools.cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    patterns: dict[str, str] = {}
    with translation.override("en"):
        for klass in _field_classes():
            messages: dict[str, str] = {}
            for base in reversed(klass.__mro__):
                messages.update(getattr(base, "default_error_messages", {}))
            for code, message in messages.items():
                fragment = next(
                    (
                        value
                        for (field_class, field_code), value in _BY_FIELD_AND_CODE.items()
                        if field_code == code and issubclass(klass, field_class)
                    ),
                    _BY_CODE.get(code),
                )
                if fragment is not None:
                    patterns.setdefault(_template_regex(str(message)), fragment)
    ordered = [(re.compile(rf"\A{regex}\Z", re.S), fragment) for regex, fragment in
               sorted(patterns.items(), key=lambda item: -len(item[0]))]
    ordered += [(re.compile(rf"\A{regex}\Z", re.S), fragment) for regex, fragment in _DJANGO]
    return ordered


def rails_fragment(message: str) -> str:
    """A framework's default sentence → its Rails fragment; any other message unchanged."""
    for pattern, fragment in _patterns():
        match = pattern.match(message)
        if match:
            return fragment.format(**match.groupdict())
    return message


def humanize(attribute: str) -> str:
    """Rails' `humanize` for the names of `errors`: `tax_id` → `Tax id`,
    `lines[1].quantity` → `Lines[1] quantity`."""
    text = attribute.replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:]


def full_message(attribute: str, message: str) -> str:
    """`errors.full_messages`: a `base` message is a sentence of its own."""
    return message if attribute == "base" else f"{humanize(attribute)} {message}"
