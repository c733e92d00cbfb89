"""What invoices_invoicecount must hold, recomputed from the invoices (its tests' oracle)."""

import datetime

from invoices.models import Invoice, InvoiceCount

UNDATED = datetime.date(1, 1, 1)


def expected_counts() -> set[tuple]:
    counts: dict[tuple, list[int]] = {}
    for invoice in Invoice.objects.all():
        paid = invoice.total > 0 and invoice.paid_amount >= invoice.total
        day = invoice.issue_date or UNDATED
        scopes = [0] + ([invoice.client_id] if invoice.client_id else [])
        for scope in scopes:
            for span, start in (("d", day), ("m", day.replace(day=1))):
                key = (invoice.account_id, scope, span, invoice.issue_date is not None, start,
                       invoice.year or 0)
                n, n_paid = counts.get(key, [0, 0])
                counts[key] = [n + 1, n_paid + paid]
    return {(*key, *values) for key, values in counts.items()}


def stored_counts() -> set[tuple]:
    return set(InvoiceCount.objects.values_list(
        "account_id", "scope", "span", "dated", "day", "year", "n", "n_paid"))
