#!/usr/bin/env python
"""Render sample invoice PDFs (and PNG pages of them) to look at.

Usage (from the repository root)::

    python scripts/render_pdf_samples.py OUTDIR          # PDFs + PNG pages in OUTDIR
    python scripts/render_pdf_samples.py OUTDIR --docs   # ... and the pictures in docs/
    python scripts/render_pdf_samples.py --docs          # only docs/invoice-page1.png,
                                                         # invoice-corrective.png, -voided.png

PNG pages need ``pdftoppm`` (Debian package poppler-utils); without it only the
PDFs are written. Django is set up (test settings) for the translation catalogues.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The PDF's words come from Django's translation catalogues (invoices/locale/).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "facturagem.settings_test")
django.setup()

from invoices.pdf import (  # noqa: E402
    TREATMENTS,
    InvoicePdf,
    PdfCorrected,
    PdfLine,
    PdfParty,
    PdfTaxRow,
    render_invoice_pdf,
)

D = Decimal
CENT = D("0.01")
ZERO = D("0")

ISSUER = PdfParty(
    name="Estudio Gráfico Peñalara, S.L.",
    tax_id="B12345678",
    street1="Calle de Fuencarral, 123, 2.º izquierda",
    postal_code="28010",
    city="Madrid",
    province="Madrid",
    country="España",
    email="facturacion@estudio-penalara.es",
    phone="+34 910 123 456",
)
CLIENT = PdfParty(
    name="Panadería y Pastelería Muñoz e Hijos, S.L.",
    tax_id="B87654321",
    street1="Avinguda Diagonal, 640",
    street2="Local 3, entresuelo",
    postal_code="08017",
    city="Barcelona",
    province="Barcelona",
    country="España",
    email="admin@panaderia-munoz.example",
)

SURCHARGE_FOR = {D("21"): D("5.2"), D("10"): D("1.4"), D("4"): D("0.5"), D("0"): D("0")}


def _q(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def build_invoice(
    specs,
    *,
    number="2026-0042",
    series="A",
    discount_percent=ZERO,
    irpf_percent=ZERO,
    surcharge=False,
    paid=False,
    operation_date=None,
    notes="",
    footer="",
    **legal,
) -> InvoicePdf:
    """specs: (description, quantity, unit_price, discount %, IVA %[, treatment]) tuples."""
    lines = []
    for desc, qty, price, disc, iva, *treatment in specs:
        qty, price, disc, iva = D(str(qty)), D(str(price)), D(str(disc)), D(str(iva))
        total = _q(qty * price * (1 - disc / 100))
        treatment = treatment[0] if treatment else "S1"
        taxed = treatment == "S1"
        re_pct = SURCHARGE_FOR.get(iva, D("0")) if surcharge and taxed else D("0")
        lines.append(PdfLine(desc, qty, price, disc, iva, re_pct, total, treatment))
    subtotal = sum((ln.total for ln in lines), D("0"))
    factor = 1 - discount_percent / 100
    groups: dict[tuple[str, Decimal, Decimal], Decimal] = {}
    for ln in lines:
        key = (ln.treatment, ln.iva_percent, ln.surcharge_percent)
        groups[key] = groups.get(key, D("0")) + ln.total
    taxes = []
    for (treatment, iva_pct, re_pct), base in sorted(
        groups.items(), key=lambda item: (TREATMENTS.index(item[0][0]), -item[0][1])
    ):
        base = _q(base * factor)
        taxes.append(
            PdfTaxRow(
                iva_pct,
                base,
                _q(base * iva_pct / 100),
                re_pct,
                _q(base * re_pct / 100),
                treatment,
            )
        )
    tax_base = sum((t.base for t in taxes), D("0"))
    iva = sum((t.iva for t in taxes), D("0"))
    sur = sum((t.surcharge for t in taxes), D("0"))
    irpf = _q(tax_base * irpf_percent / 100)
    total = tax_base + iva + sur - irpf
    return InvoicePdf(
        number=number,
        series=series,
        issue_date=legal.pop("issue_date", date(2026, 11, 21)),
        operation_date=operation_date,
        due_date=legal.pop("due_date", date(2026, 12, 21)),
        issuer=ISSUER,
        client=legal.pop("client", CLIENT),
        lines=lines,
        taxes=taxes,
        subtotal=subtotal,
        discount_percent=discount_percent,
        discount=subtotal - tax_base,
        tax_base=tax_base,
        iva=iva,
        surcharge=sur,
        irpf_percent=irpf_percent,
        irpf=irpf,
        total=total,
        paid=paid,
        paid_amount=total if paid else D("0"),
        outstanding=D("0") if paid else total,
        iban=legal.pop("iban", "ES91 2100 0418 4502 0005 1332"),
        notes=notes,
        footer=footer,
        **legal,
    )


FOOTER = (
    "Estudio Gráfico Peñalara, S.L. — Inscrita en el Registro Mercantil de Madrid, "
    "tomo 12.345, folio 67, hoja M-123456. Sus datos se tratan conforme al RGPD; "
    "puede ejercer sus derechos en privacidad@estudio-penalara.es."
)


def short_invoice(**kw) -> InvoicePdf:
    specs = [
        (
            "Diseño de identidad corporativa «Panadería Muñoz»: logotipo, paleta y tipografía",
            1,
            "850",
            0,
            21,
        ),
        ("Horas de consultoría técnica (noviembre)", "12.5", "48", 10, 21),
        ("Manual impreso de marca, tapa dura, 48 páginas", 3, "35.50", 0, 10),
    ]
    defaults = dict(
        discount_percent=D("5"),
        irpf_percent=D("15"),
        surcharge=True,
        operation_date=date(2026, 10, 31),
        notes="Gracias por su confianza. Plazo de pago: 30 días desde la fecha de factura.",
        footer=FOOTER,
    )
    defaults.update(kw)
    return build_invoice(specs, **defaults)


def long_invoice(n: int = 120, **kw) -> InvoicePdf:
    words = (
        "Revisión",
        "Maquetación",
        "Impresión",
        "Corrección",
        "Fotografía",
        "Retoque",
        "Traducción",
        "Diseño",
    )
    specs = []
    for i in range(n):
        desc = f"{words[i % len(words)]} de pieza nº {i + 1}"
        if i % 7 == 3:
            desc += (
                " — incluye dos rondas de cambios, entrega en PDF/X-4 y archivos "
                "editables para la imprenta"
            )
        if i % 29 == 5:
            desc += " https://example.com/proyectos/2026/penalara/entregables/lote-final-v2"
        specs.append((desc, (i % 5) + 1, D("12.75") + i, (i % 4) * 5, (21, 10, 4)[i % 3]))
    defaults = dict(
        irpf_percent=D("15"), notes="Factura de ejemplo con muchas líneas.", footer=FOOTER
    )
    defaults.update(kw)
    return build_invoice(specs, number="2026-0043", **defaults)


def stress_invoice() -> InvoicePdf:
    long_desc = ("Servicio de mantenimiento ñandú «ç» €, <b>no es negrita</b> & co. " * 40)[:2000]
    specs = [
        (long_desc, 1, "100", 0, 21),
        ("X" * 200, 1, "1", 0, 21),
        ("Enlace: https://example.com/" + "a" * 60, "0.125", "1234567.891", "2.5", 21),
        ("Línea con\nvarios\nsaltos de línea", 1000000, "9999.99", 0, 21),
        ("Texto largo " * 1200, 1, 1, 0, 4),
    ]
    return build_invoice(
        specs,
        series="",
        surcharge=True,
        irpf_percent=D("7"),
        notes="IBAN ES9121000418450200051332" + "Z" * 150,
        footer="Pie " * 200,
    )


QR_URL = (
    "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=B12345678&numserie=R2026%2F0003"
    "&fecha=05-12-2026&importe=-131.29"
)


def corrective_invoice(**kw) -> InvoicePdf:
    """A corrective invoice by differences: the consultancy hours returned, with its QR."""
    defaults = dict(
        number="R2026/0003",
        series="R",
        issue_date=date(2026, 12, 5),
        invoice_type="R1",
        corrects=PdfCorrected("2026-0042", date(2026, 11, 21)),
        correction_method="differences",
        correction_reason=(
            "Devolución de 2,5 horas de consultoría facturadas por error "
            "(se prestaron 10 de las 12,5 facturadas)."
        ),
        qr_url=QR_URL,
        due_date=None,
        iban="",
        notes="El importe se abonará en la cuenta de origen en un plazo de 15 días.",
        footer=FOOTER,
    )
    defaults.update(kw)
    return build_invoice(
        [
            ("Horas de consultoría técnica (noviembre)", "-2.5", "48", 10, 21),
            ("Ajuste por redondeo del presupuesto", 1, "-0.5", 0, 21),
        ],
        **defaults,
    )


def voided_invoice() -> InvoicePdf:
    return short_invoice(
        status="voided",
        void_reason="Factura expedida por error en pruebas de integración: no responde a "
        "ninguna operación real.",
        qr_url=QR_URL.replace("R2026%2F0003", "2026-0042")
        .replace("05-12-2026", "21-11-2026")
        .replace("-131.29", "1565.95"),
    )


def exempt_invoice() -> InvoicePdf:
    """Taxed, reverse-charge, exempt and not-subject lines on one invoice."""
    specs = [
        ("Diseño de catálogo (cliente nacional)", 1, "900", 0, 21),
        ("Maquetación subcontratada a empresa del sector (ISP)", 1, "400", 0, 0, "S2"),
        ("Curso de formación reglada en diseño", 1, "300", 0, 0, "E1"),
        ("Catálogos impresos enviados a Andorra", 200, "1.25", 0, 0, "E2"),
        ("Servicios de consultoría a empresa de Francia", 1, "650", 0, 0, "N2"),
    ]
    return build_invoice(specs, number="2026-0044", footer=FOOTER)


SAMPLES = {
    "short-es": (short_invoice, "es"),
    "short-en": (short_invoice, "en"),
    "short-paid-es": (
        lambda: short_invoice(
            paid=True,
            irpf_percent=D("0"),
            surcharge=False,
            discount_percent=D("0"),
            operation_date=None,
        ),
        "es",
    ),
    "long-es": (long_invoice, "es"),
    "corrective-es": (corrective_invoice, "es"),
    "corrective-en": (corrective_invoice, "en"),
    "voided-es": (voided_invoice, "es"),
    "draft-es": (lambda: short_invoice(status="draft", number=""), "es"),
    "simplified-es": (
        lambda: short_invoice(invoice_type="F2", client=None, irpf_percent=D("0"), surcharge=False),
        "es",
    ),
    "exempt-es": (exempt_invoice, "es"),
    "stress-es": (stress_invoice, "es"),
}


# docs/<name>.png: page 1 of each, at 100 dpi.
DOC_PICTURES = {
    "invoice-page1": short_invoice,
    "invoice-corrective": corrective_invoice,
    "invoice-voided": voided_invoice,
}


def to_png(pdf: Path, prefix: Path, dpi: int = 80, first_only: bool = False) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found (apt-get install poppler-utils): PNG skipped", file=sys.stderr)
        return []
    cmd = ["pdftoppm", "-png", "-r", str(dpi)]
    if first_only:
        cmd += ["-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*cmd, str(pdf), str(prefix)], check=True)
    if first_only:
        return [prefix.with_suffix(".png")]
    return sorted(prefix.parent.glob(prefix.name + "-*.png"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir", nargs="?", help="directory for the sample PDFs and PNG pages")
    ap.add_argument("--docs", action="store_true", help="also write the pictures in docs/")
    ap.add_argument("--dpi", type=int, default=80)
    args = ap.parse_args(argv)
    if not args.outdir and not args.docs:
        ap.error("give an output directory, --docs, or both")

    if args.outdir:
        out = Path(args.outdir)
        out.mkdir(parents=True, exist_ok=True)
        for name, (factory, locale) in SAMPLES.items():
            pdf = out / f"{name}.pdf"
            pdf.write_bytes(render_invoice_pdf(factory(), locale=locale))
            pngs = to_png(pdf, out / name, args.dpi)
            print(f"{pdf}  ({len(pngs)} PNG page(s))")

    if args.docs:
        docs = ROOT / "docs"
        docs.mkdir(exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            for name, factory in DOC_PICTURES.items():
                pdf = Path(tmp) / f"{name}.pdf"
                pdf.write_bytes(render_invoice_pdf(factory(), locale="es"))
                pngs = to_png(pdf, Path(tmp) / name, dpi=100, first_only=True)
                if not pngs:
                    return 1
                shutil.copyfile(pngs[0], docs / f"{name}.png")
                print(docs / f"{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
