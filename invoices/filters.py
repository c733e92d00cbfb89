"""Invoice list filters (django-filter): every one of them is an allowed parameter."""

import django_filters
from django.db.models import Q

from invoices.models import PAID, Invoice


class InvoiceFilter(django_filters.FilterSet):
    client_id = django_filters.NumberFilter(field_name="client_id", min_value=1)
    paid = django_filters.BooleanFilter(method="filter_paid")
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
