"""Serializer building blocks shared by every resource."""

import copy
import functools
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.fields import SkipField

from countries.models import Country

UNKNOWN_COUNTRY = "is not an ISO 3166-1 alpha-2 country code"
NOT_A_BOOLEAN = "must be true or false"


def money_field(**options: Any) -> serializers.DecimalField:
    """Money: 2 decimals, a Decimal both ways (rendered as a string). Inputs take 12
    integer digits at most (`max_digits=14`); computed totals may reach 16."""
    options.setdefault("max_digits", 18)
    return serializers.DecimalField(decimal_places=2, **options)


def percent_field(**options: Any) -> serializers.DecimalField:
    options.setdefault("min_value", Decimal("0"))
    options.setdefault("max_value", Decimal("100"))
    return serializers.DecimalField(max_digits=5, decimal_places=2, **options)


class InputSerializer(serializers.Serializer):
    """Reads parameters from any wire format the same way.

    XML sends `<street2/>` for an empty string and forms send `due_date=` for nothing:
    an absent value is "" for text fields and None for the others.

    Its fields are copied from a per-class prototype, shallowly: DRF deep-copies every
    declared field for every serializer instance (re-running each field's `__init__`), a
    third of validating an invoice. A shallow copy bound to this serializer behaves the
    same: validation never mutates a field, and a list's child is copied and re-parented
    too, so that `context` and `root` still lead to this serializer.
    """

    @classmethod
    def _field_prototypes(cls) -> dict[str, serializers.Field]:
        prototypes = cls.__dict__.get("_prototypes")
        if prototypes is None:
            prototypes = copy.deepcopy(cls._declared_fields)
            cls._prototypes = prototypes
        return prototypes

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: _clone(field) for name, field in self._field_prototypes().items()}

    # Opt in (a class whose fields and hooks `_plain_plan` accepts): plain inputs skip DRF's
    # generic steps (`run_validation`).
    plain_inputs = False

    @classmethod
    def _plain_plan(cls) -> list[tuple[str, serializers.Field]] | None:
        """The writable prototype fields, for `run_validation`'s plain path; None where a
        class has what that path does not do (a `validate` hook or a `validate_<name>`
        method, class validators, a source of its own, a validator or default that reads
        the serializer's context, a nested serializer other than a list of InputSerializers,
        or a `to_internal_value` of its own that would read plain inputs differently)."""
        if "_plain" in cls.__dict__:
            return cls._plain
        plan: list[tuple[str, serializers.Field]] | None = []
        hooks_are_drfs = (
            cls.validate is serializers.Serializer.validate
            and not getattr(getattr(cls, "Meta", None), "validators", None)
            and getattr(cls.to_internal_value, "plain_inputs_unchanged", False)
        )
        for name, field in cls._field_prototypes().items():
            if field.read_only:
                continue
            nested = isinstance(field, serializers.BaseSerializer)
            if (
                not hooks_are_drfs
                or hasattr(cls, f"validate_{name}")
                or field.source not in (None, name)
                or any(getattr(v, "requires_context", False) for v in field.validators)
                or getattr(field.default, "requires_context", False)
                or (nested and not (isinstance(field, serializers.ListSerializer)
                                    and isinstance(field.child, InputSerializer)))
            ):
                plan = None
                break
            plan.append((name, field))
        cls._plain = plan
        return plan

    def run_validation(self, data: Any = serializers.empty) -> Any:
        """Plain inputs (no None or "" to read as absent, no error) are validated straight
        through each field's own `run_validation` (what DRF's loop calls, without its
        generic steps and the copying of every field: an invoice's fields and its lines are
        a twentieth of its create). Anything else, and any input with an error, takes DRF's
        whole path, which words the errors (tests/api/test_plain_inputs.py holds the two to
        the same results)."""
        plan = self._plain_plan() if self.plain_inputs and type(data) is dict else None
        if plan is not None:
            # A line of a partial update is partial too: DRF asks the root.
            validated = _plain_validation(plan, data, partial=getattr(self.root, "partial", False))
            if validated is not None:
                return validated
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for name, field in self.fields.items():
                if name not in data or field.read_only:
                    continue
                if isinstance(field, serializers.CharField):
                    if data[name] is None and not field.allow_null:
                        data[name] = ""
                elif data[name] == "":
                    data[name] = None
        return super().to_internal_value(data)

    to_internal_value.plain_inputs_unchanged = True


def _plain_validation(
    plan: list[tuple[str, serializers.Field]], data: dict, *, partial: bool
) -> dict[str, Any] | None:
    """`data` validated field by field, as DRF's loop would; None at the first thing that
    loop does differently (an absent value, a missing required field) or gets wrong."""
    validated: dict[str, Any] = {}
    try:
        for name, field in plan:
            if name in data:
                value = data[name]
                if value is None or (type(value) is str and value == ""):
                    return None  # InputSerializer reads these as absent
                if isinstance(field, serializers.ListSerializer):
                    if partial:  # its prototype's items would not know
                        return None
                    validated[name] = _plain_list(field, value)
                else:
                    validated[name] = _plain_value(field, value)
            elif partial:
                continue
            elif field.required:
                return None
            elif field.default is not serializers.empty:
                validated[name] = field.get_default()
    except (serializers.ValidationError, DjangoValidationError, SkipField, _NotPlain):
        return None
    return validated


class _NotPlain(Exception):
    pass


def _plain_list(field: serializers.ListSerializer, value: Any) -> list:
    if type(value) is not list or (not value and not field.allow_empty):
        raise _NotPlain
    if field.max_length is not None and len(value) > field.max_length:
        raise _NotPlain
    if field.min_length is not None and len(value) < field.min_length:
        raise _NotPlain
    # The prototype's child is shared: only its plain path may run on it (DRF's would bind
    # and keep fields whose root is the prototype).
    child = field.child
    plan = child._plain_plan() if child.plain_inputs else None
    if plan is None:
        raise _NotPlain
    items = []
    for item in value:
        validated = _plain_validation(plan, item, partial=False) if type(item) is dict else None
        if validated is None:
            raise _NotPlain
        items.append(validated)
    field.run_validators(items)  # the list's own, as ListSerializer.run_validation runs them
    return items


@functools.cache
def _plain_decimal(max_digits: int, decimal_places: int) -> tuple[re.Pattern, Decimal]:
    """A decimal written plainly within a DecimalField's digits, and its quantum."""
    pattern = re.compile(rf"[0-9]{{1,{max_digits - decimal_places}}}"
                         rf"(?:\.[0-9]{{1,{decimal_places}}})?")
    return pattern, Decimal(1).scaleb(-decimal_places)


def _plain_value(field: serializers.Field, value: Any) -> Any:
    """`field.run_validation(value)`; for a DecimalField and a plain number within its
    digits (`19.99`, `3`), what DRF would make of it without DRF's generic steps (the
    quantize cannot round; the field's own validators still run). Anything else goes
    through DRF, which words the errors."""
    if type(field) is serializers.DecimalField and field.max_digits is not None and (
        type(value) is str or type(value) is int
    ):
        pattern, quantum = _plain_decimal(field.max_digits, field.decimal_places)
        text = value if type(value) is str else str(value)
        if pattern.fullmatch(text):
            number = Decimal(text).quantize(quantum)
            field.run_validators(number)
            return number
    return field.run_validation(value)


def _clone(field: serializers.Field) -> serializers.Field:
    """A fresh, unbound copy of a prototype field (never bound, its `fields` never built)."""
    clone = copy.copy(field)
    if isinstance(field, serializers.ListSerializer):
        child = copy.copy(field.child)
        child.parent = clone  # bound once, to the prototype list, when it was made
        clone.child = child
    return clone


class CountryCodeField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        code = super().to_internal_value(data).strip().upper()
        if not Country.objects.filter(code=code).exists():
            raise serializers.ValidationError(UNKNOWN_COUNTRY)
        return code


class LinksField(serializers.Field):
    """`links` of a representation: the serializer's `get_links(instance)` gives them."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> list[dict[str, str]]:
        return self.parent.get_links(value, self.context["links"])


_PLAIN_FIELDS = (
    serializers.CharField,
    serializers.IntegerField,
    serializers.BooleanField,
    serializers.DateField,
    serializers.DateTimeField,
)


class Representation(serializers.Serializer):
    """An output serializer that renders through a plan compiled once per class.

    DRF deep-copies every declared field for every serializer instance and resolves every
    field of every item through several generic calls; a hundred-line invoice spends most
    of its time there. The declarations stay the same (they also give `allowed_params`):
    this compiles them, once, into plain getters. Values stay native (Decimal, date) for
    the renderers to format.
    """

    @classmethod
    def plan(cls) -> list[tuple[str, Any]]:
        plan = cls.__dict__.get("_plan")
        if plan is None:
            plan = [(name, _getter(name, field)) for name, field in cls._declared_fields.items()]
            cls._plan = plan
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {name: getter(self, instance) for name, getter in self.plan()}

    @classmethod
    def nested(cls, context: dict[str, Any]) -> "Representation":
        """An instance to render nested values with (`render`), without DRF's construction
        of a serializer and its fields (a representation nests four of them per invoice)."""
        serializer = cls.__new__(cls)
        serializer.parent = None
        serializer._context = context
        return serializer

    def render(self, instance: Any) -> dict[str, Any] | None:
        return None if instance is None else self.to_representation(instance)

    def render_many(self, items: Any) -> list[dict[str, Any]]:
        return [self.to_representation(item) for item in items]


def _getter(name: str, field: serializers.Field):
    """A `(serializer, obj) -> value` function for one declared output field."""
    source = field.source or name
    if isinstance(field, LinksField):
        return lambda serializer, obj: serializer.get_links(obj, serializer.context["links"])
    if isinstance(field, serializers.SerializerMethodField):
        method_name = field.method_name or f"get_{name}"
        return lambda serializer, obj: getattr(serializer, method_name)(obj)
    child = getattr(field, "child", None)
    if isinstance(field, serializers.ListSerializer) and isinstance(child, Representation):
        child_plan = type(child).plan()

        def many(serializer, obj):
            return [
                {key: get(serializer, item) for key, get in child_plan}
                for item in getattr(obj, source)
            ]

        return many
    if isinstance(field, serializers.DecimalField):
        exponent = Decimal(1).scaleb(-field.decimal_places)

        def decimal(serializer, obj):
            value = getattr(obj, source)
            return None if value is None else value.quantize(exponent, ROUND_HALF_UP)

        return decimal
    if isinstance(field, _PLAIN_FIELDS) and "." not in source and source != "*":
        return lambda serializer, obj: getattr(obj, source)
    raise TypeError(f"Representation cannot compile {name}: {type(field).__name__}")
