"""Invoice list filters (django-filter): every one of them is an allowed parameter."""

import django_filters
from django import forms
from django.db.models import Q
from rest_framework.fields import BooleanField

from facturagem.api.serializers import NOT_A_BOOLEAN
from invoices.models import PAID, Invoice


class _BooleanParamField(forms.Field):
    """`paid=true|false|1|0` (the spellings the API reads in bodies); anything else is an
    error, not a filter silently ignored (django-filter's BooleanFilter drops `1` and `0`)."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip()
        if text in BooleanField.TRUE_VALUES:
            return True
        if text in BooleanField.FALSE_VALUES:
            return False
        raise forms.ValidationError(NOT_A_BOOLEAN, code="invalid")


class BooleanParamFilter(django_filters.Filter):
    field_class = _BooleanParamField


class InvoiceFilter(django_filters.FilterSet):
    client_id = django_filters.NumberFilter(field_name="client_id", min_value=1)
    paid = BooleanParamFilter(method="filter_paid")
    from_ = django_filters.DateFilter(field_name="issue_date", lookup_expr="gte")
    to = django_filters.DateFilter(field_name="issue_date", lookup_expr="lte")
    year = django_filters.NumberFilter(field_name="year", min_value=1900, max_value=9999)
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = Invoice
        fields: list[str] = []

    def filter_paid(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(PAID) if value else queryset.exclude(PAID)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(client_name__icontains=value))


# `from` is a Python keyword: declared as `from_`, exposed under its wire name.
InvoiceFilter.base_filters["from"] = InvoiceFilter.base_filters.pop("from_")

FILTER_PARAMS = tuple(InvoiceFilter.base_filters)
