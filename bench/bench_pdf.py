#!/usr/bin/env python
"""Benchmark of the invoice PDF renderer (invoices/pdf.py).

Renders a 20-line invoice repeatedly for a few seconds on one core (also with a
VERI*FACTU QR code, as every legal record's PDF has) and prints PDFs per second and
ms per PDF, next to a baseline measured in the same run: a
bare reportlab canvas drawing the same strings with drawString (same embedded
TTF fonts, no platypus, no layout), so the ratio is visible. Target: >= 50 PDF/s
on one core: the verdict uses the process's CPU time, which other processes on a
shared machine do not inflate (wall-clock figures are printed too).

Then the worst cases, rendered once each: a 500-line invoice (the API's maximum) whose
descriptions are the longest allowed (2,000 characters, the maximum of line breaks,
every paragraph wrapping to two printed lines), and the security review's case (500
lines of 1,000 line breaks each, as stored data from before the cap could hold).

    python bench/bench_pdf.py [--seconds 3] [--lines 20] [--profile] [--no-worst]
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import itertools
import os
import sys
import time
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The PDF's words come from Django's translation catalogues (invoices/locale/).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facturagem.settings_test")
django.setup()

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from invoices import pdf as invoice_pdf  # noqa: E402
from invoices.pdf import (  # noqa: E402
    MAX_DESCRIPTION_LINE_BREAKS,
    InvoicePdf,
    PdfLine,
    PdfParty,
    PdfTaxRow,
    format_money,
    render_invoice_pdf,
)

TARGET_PER_SECOND = 50
MAX_LINES = 500  # invoices/serializers.py
MAX_DESCRIPTION = 2000  # characters, invoices/serializers.py
QR_URL = (
    "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR?nif=B12345678"
    "&numserie=2026-{:06d}&fecha=21-11-2026&importe=1234.56"
)
D = Decimal
CENT = D("0.01")


def make_invoice(n_lines: int = 20) -> InvoicePdf:
    lines = []
    for i in range(n_lines):
        qty = D(i % 4 + 1)
        price = D("19.90") + i * D("3.15")
        disc = D((i % 3) * 5)
        iva = (D(21), D(10), D(4))[i % 3]
        total = (qty * price * (1 - disc / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
        desc = f"Servicio profesional nº {i + 1}: diseño, maquetación y revisión de pieza gráfica"
        lines.append(PdfLine(desc, qty, price, disc, iva, D(0), total))
    bases: dict[Decimal, Decimal] = {}
    for ln in lines:
        bases[ln.iva_percent] = bases.get(ln.iva_percent, D(0)) + ln.total
    taxes = [
        PdfTaxRow(
            rate, base, (base * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP), D(0), D(0)
        )
        for rate, base in sorted(bases.items(), reverse=True)
    ]
    base = sum((t.base for t in taxes), D(0))
    iva = sum((t.iva for t in taxes), D(0))
    irpf = (base * D("0.15")).quantize(CENT, rounding=ROUND_HALF_UP)
    total = base + iva - irpf
    party = PdfParty
    return InvoicePdf(
        number="2026-0100",
        series="A",
        issue_date=date(2026, 11, 21),
        operation_date=None,
        due_date=date(2026, 12, 21),
        issuer=party(
            "Estudio Gráfico Peñalara, S.L.",
            "B12345678",
            "Calle de Fuencarral, 123",
            "",
            "28010",
            "Madrid",
            "Madrid",
            "España",
            "hola@penalara.es",
        ),
        client=party(
            "Panadería Muñoz, S.L.",
            "B87654321",
            "Avinguda Diagonal, 640",
            "Local 3",
            "08017",
            "Barcelona",
            "Barcelona",
            "España",
        ),
        lines=lines,
        taxes=taxes,
        subtotal=base,
        discount_percent=D(0),
        discount=D(0),
        tax_base=base,
        iva=iva,
        surcharge=D(0),
        irpf_percent=D(15),
        irpf=irpf,
        total=total,
        paid=False,
        paid_amount=D(0),
        outstanding=total,
        iban="ES91 2100 0418 4502 0005 1332",
        notes="Pago a 30 días.",
        footer="Registro Mercantil",
    )


def baseline_pdf(inv: InvoicePdf) -> bytes:
    """The same strings drawn with drawString on a bare canvas: no platypus, no wrapping."""
    invoice_pdf._ensure_fonts()
    buf = BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    font, bold = invoice_pdf.FONT, invoice_pdf.FONT_BOLD
    y = 800
    c.setFont(bold, 14)
    c.drawString(50, y, inv.issuer.name)
    c.setFont(font, 8.5)
    for text in (
        inv.issuer.tax_id,
        inv.issuer.street1,
        inv.client.name,
        inv.client.tax_id,
        inv.client.street1,
        inv.number,
        str(inv.issue_date),
    ):
        y -= 11
        c.drawString(50, y, text)
    for ln in inv.lines:
        y -= 12
        c.drawString(50, y, ln.description[:60])
        c.drawRightString(380, y, str(ln.quantity))
        c.drawRightString(440, y, format_money(ln.unit_price))
        c.drawRightString(470, y, f"{ln.iva_percent} %")
        c.setFont(bold, 8.5)
        c.drawRightString(545, y, format_money(ln.total))
        c.setFont(font, 8.5)
    for t in inv.taxes:
        y -= 12
        c.drawString(50, y, f"IVA {t.iva_percent} %  {format_money(t.base)}  {format_money(t.iva)}")
    y -= 16
    c.setFont(bold, 11)
    c.drawRightString(545, y, f"TOTAL {format_money(inv.total)}")
    c.setFont(font, 7.5)
    c.drawString(50, 40, f"{inv.issuer.name} · Página 1 de 1")
    c.showPage()
    c.save()
    return buf.getvalue()


def measure(fn, seconds: float) -> tuple[int, float, float, int]:
    """(PDFs, wall seconds, CPU seconds, bytes of the last PDF)."""
    fn()  # warm-up (font registration, caches)
    gc.collect()
    n, size = 0, 0
    start, cpu_start = time.perf_counter(), time.process_time()
    deadline = start + seconds
    while True:
        size = len(fn())
        n += 1
        now = time.perf_counter()
        if now >= deadline:
            return n, now - start, time.process_time() - cpu_start, size


def longest_allowed_description() -> str:
    """2,000 characters with the most line breaks the API accepts; each paragraph is a bit
    wider than the description column, so it prints as two lines."""
    paragraphs = MAX_DESCRIPTION_LINE_BREAKS + 1
    width = (MAX_DESCRIPTION - MAX_DESCRIPTION_LINE_BREAKS) // paragraphs
    paragraph = ("WMWMWMW " * (width // 8 + 1))[:width]
    text = "\n".join([paragraph] * paragraphs)
    return (text + "W" * MAX_DESCRIPTION)[:MAX_DESCRIPTION]


def with_descriptions(inv: InvoicePdf, description: str) -> InvoicePdf:
    return dataclasses.replace(
        inv, lines=[dataclasses.replace(ln, description=description) for ln in inv.lines]
    )


def render_once(inv: InvoicePdf) -> tuple[float, float, int, int]:
    """(wall seconds, CPU seconds, pages, bytes)."""
    gc.collect()
    start, cpu_start = time.perf_counter(), time.process_time()
    data = render_invoice_pdf(inv)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return wall, cpu, data.count(b"/Type /Page\n"), len(data)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="invoice PDF renderer benchmark")
    ap.add_argument("--seconds", type=float, default=3.0, help="duration of each measurement")
    ap.add_argument("--lines", type=int, default=20, help="invoice lines")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of the renderer")
    ap.add_argument("--no-worst", action="store_true", help="skip the worst-case renders")
    args = ap.parse_args(argv)

    inv = make_invoice(args.lines)
    t0 = time.perf_counter()
    render_invoice_pdf(inv)
    first_ms = (time.perf_counter() - t0) * 1000

    n_r, t_r, cpu_r, size_r = measure(lambda: render_invoice_pdf(inv), args.seconds)
    serial = itertools.count()

    def with_qr() -> bytes:  # a new invoice each time: no QR symbol comes from the cache
        return render_invoice_pdf(dataclasses.replace(inv, qr_url=QR_URL.format(next(serial))))

    n_q, t_q, cpu_q, size_q = measure(with_qr, args.seconds)
    n_b, t_b, cpu_b, size_b = measure(lambda: baseline_pdf(inv), args.seconds)
    rate_r, rate_q, rate_b = n_r / cpu_r, n_q / cpu_q, n_b / cpu_b
    print(
        f"invoice PDF benchmark: {args.lines}-line invoice, {args.seconds:g} s per measurement, "
        f"one core, Python {sys.version.split()[0]}"
    )
    print(f"  first render (incl. font registration): {first_ms:8.1f} ms")
    print(
        f"  render_invoice_pdf  : {rate_r:8.1f} PDF/s  {1000 / rate_r:7.2f} ms/PDF CPU  "
        f"({1000 * t_r / n_r:.2f} ms wall; {n_r} PDFs, {size_r / 1024:.1f} KiB each)"
    )
    print(
        f"  ... with its QR code: {rate_q:8.1f} PDF/s  {1000 / rate_q:7.2f} ms/PDF CPU  "
        f"({1000 * t_q / n_q:.2f} ms wall; {n_q} PDFs, {size_q / 1024:.1f} KiB each)"
    )
    print(
        f"  baseline drawString : {rate_b:8.1f} PDF/s  {1000 / rate_b:7.2f} ms/PDF CPU  "
        f"({1000 * t_b / n_b:.2f} ms wall; {n_b} PDFs, {size_b / 1024:.1f} KiB each)"
    )
    print(f"  ratio renderer/baseline time: {rate_b / rate_r:.1f}x")
    verdict = "OK" if min(rate_r, rate_q) >= TARGET_PER_SECOND else "BELOW TARGET"
    print(f"  target >= {TARGET_PER_SECOND} PDF/s (CPU time): {verdict}")

    if not args.no_worst:
        worst = {
            f"{MAX_LINES} lines, longest descriptions allowed": longest_allowed_description(),
            f"{MAX_LINES} lines of 1000 line breaks (stored data)": "a\n" * 1000,
        }
        print("worst cases (one render each):")
        for name, description in worst.items():
            wall, cpu, pages, size = render_once(
                with_descriptions(make_invoice(MAX_LINES), description)
            )
            print(
                f"  {name:48}: {wall:6.2f} s wall  {cpu:6.2f} s CPU  "
                f"{pages} pages, {size / 1024 / 1024:.1f} MiB"
            )

    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for _ in range(50):
            render_invoice_pdf(inv)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
