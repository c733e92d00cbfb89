"""Serializer building blocks shared by every resource."""

import copy
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from rest_framework import serializers

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
