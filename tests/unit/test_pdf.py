"""Tests of the invoice PDF renderer (``invoices.pdf``); no database needed (Django's
settings only, for the translation catalogues).

The PDFs are read back with pypdf: what a person would read must be in the text. The
VERI*FACTU QR code is looked at as printed: page 1 rendered by pdftoppm, decoded by zxing-cpp.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import time
from datetime import date
from decimal import Decimal
from io import BytesIO

import pypdf
import pytest
import zxingcpp
from PIL import Image

from invoices import pdf as pdfmod
from invoices.pdf import (
    InvoicePdf,
    PdfCorrected,
    PdfLine,
    PdfParty,
    PdfTaxRow,
    format_date,
    format_money,
    format_percent,
    format_quantity,
    format_unit_price,
    line_breaks,
    render_invoice_pdf,
)

D = Decimal

ISSUER = PdfParty(
    name="Talleres Ibáñez, S.L.",
    tax_id="B12345674",
    street1="Calle Mayor, 7, 3.º B",
    street2="Polígono Las Eras",
    postal_code="28013",
    city="Madrid",
    province="Madrid",
    country="España",
    email="cobros@talleres-ibanez.es",
    phone="+34 911 222 333",
)
CLIENT = PdfParty(
    name="Comercial Gómez y Peña, S.A.",
    tax_id="A87654321",
    street1="Rúa do Franco, 42",
    postal_code="15702",
    city="Santiago de Compostela",
    province="A Coruña",
    country="España",
)
IBAN = "ES91 2100 0418 4502 0005 1332"


def line(desc, qty, price, total, iva="21", disc="0", re_pct="0", treatment="S1") -> PdfLine:
    return PdfLine(desc, D(qty), D(price), D(disc), D(iva), D(re_pct), D(total), treatment)


def base_invoice(**changes) -> InvoicePdf:
    """1200,00 € at 21 %: IVA 252,00 €, total 1452,00 €."""
    inv = InvoicePdf(
        number="2026-0007",
        series="B",
        issue_date=date(2026, 11, 21),
        operation_date=None,
        due_date=date(2026, 12, 21),
        issuer=ISSUER,
        client=CLIENT,
        lines=[
            line("Revisión anual de la caldera", "1", "800", "800"),
            line("Sustitución de válvula de seguridad", "2", "200", "400"),
        ],
        taxes=[PdfTaxRow(D("21"), D("1200.00"), D("252.00"), D("0"), D("0"))],
        subtotal=D("1200.00"),
        discount_percent=D("0"),
        discount=D("0"),
        tax_base=D("1200.00"),
        iva=D("252.00"),
        surcharge=D("0"),
        irpf_percent=D("0"),
        irpf=D("0"),
        total=D("1452.00"),
        paid=False,
        paid_amount=D("0"),
        outstanding=D("1452.00"),
        iban=IBAN,
        notes="Gracias por su confianza.",
        footer="Inscrita en el Registro Mercantil de Madrid, tomo 1, folio 2, hoja M-3.",
    )
    return dataclasses.replace(inv, **changes)


def full_invoice() -> InvoicePdf:
    """Two IVA rates with recargo de equivalencia, a 5 % discount and IRPF 15 %."""
    return base_invoice(
        lines=[
            line("Revisión anual de la caldera", "1", "800", "800", re_pct="5.2"),
            line("Sustitución de válvula de seguridad", "2", "200", "360", disc="10", re_pct="5.2"),
            line("Manual de mantenimiento impreso", "1.5", "40", "60", iva="10", re_pct="1.4"),
        ],
        taxes=[
            PdfTaxRow(D("21"), D("1102.00"), D("231.42"), D("5.2"), D("57.30")),
            PdfTaxRow(D("10"), D("57.00"), D("5.70"), D("1.4"), D("0.80")),
        ],
        subtotal=D("1220.00"),
        discount_percent=D("5"),
        discount=D("61.00"),
        tax_base=D("1159.00"),
        iva=D("237.12"),
        surcharge=D("58.10"),
        irpf_percent=D("15"),
        irpf=D("173.85"),
        total=D("1280.37"),
        outstanding=D("1280.37"),
        operation_date=date(2026, 10, 31),
    )


def long_invoice(n: int = 120) -> InvoicePdf:
    lines = [
        line(f"Concepto nº {i:03d} — repuesto y mano de obra", "1", "10", "10")
        for i in range(1, n + 1)
    ]
    base = D(10 * n)
    return base_invoice(
        lines=lines,
        taxes=[PdfTaxRow(D("21"), base, base * D("0.21"), D("0"), D("0"))],
        subtotal=base,
        tax_base=base,
        iva=base * D("0.21"),
        total=base * D("1.21"),
        outstanding=base * D("1.21"),
    )


def pages_text(data: bytes) -> list[str]:
    """Text of each page, whitespace (incl. no-break spaces) collapsed to one space."""
    reader = pypdf.PdfReader(BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def text_of(inv: InvoicePdf, locale: str = "es") -> str:
    return "\n".join(pages_text(render_invoice_pdf(inv, locale=locale)))


@pytest.fixture(scope="module")
def short_text() -> str:
    return text_of(base_invoice())


@pytest.fixture(scope="module")
def full_text() -> str:
    return text_of(full_invoice())


# ------------------------------------------------------------------ formatting
#
# Numbers, amounts and dates are spelt as CLDR says (through Babel): Spanish groups
# thousands only from five integer digits ("1234,56 €", "12.345,67 €"), English always
# ("€1,234.56"). Rounding is half up, to two decimals for money, up to four for unit prices
# and percentages and up to three for quantities.


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("0"), "0,00 €"),
        (D("1234.56"), "1234,56 €"),
        (D("9999.99"), "9999,99 €"),
        (D("10000"), "10.000,00 €"),
        (D("-5"), "-5,00 €"),
        (D("-12345.6"), "-12.345,60 €"),
        (D("1234567.8"), "1.234.567,80 €"),
        (D("999.999"), "1000,00 €"),
        (D("0.005"), "0,01 €"),
        (D("0.015"), "0,02 €"),  # half up, not half even
        (D("-0.001"), "0,00 €"),
        (D("100"), "100,00 €"),
        ("1234.56", "1234,56 €"),
        (7, "7,00 €"),
    ],
)
def test_format_money_es(value, expected):
    assert format_money(value) == expected
    assert format_money(value, "es", "EUR") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("0"), "€0.00"),
        (D("1234.56"), "€1,234.56"),
        (D("-5"), "-€5.00"),
        (D("1234567.8"), "€1,234,567.80"),
        (D("2.675"), "€2.68"),
    ],
)
def test_format_money_en(value, expected):
    assert format_money(value, "en") == expected


def test_money_keeps_every_digit_of_large_amounts():
    assert format_money(D("123456789012.34")) == "123.456.789.012,34 €"
    assert format_money(D("0.1") + D("0.2")) == "0,30 €"


def test_floats_are_refused_because_they_are_not_exact():
    for formatter in (format_money, format_unit_price, format_quantity, format_percent):
        with pytest.raises(TypeError):
            formatter(1234.56)


def test_format_money_other_currencies():
    assert format_money(D("10"), "es", "USD") == "10,00 US$"
    assert format_money(D("10"), "en", "USD") == "$10.00"
    assert format_money(D("10"), "en", "GBP") == "£10.00"
    assert format_money(D("10"), "es", "CHF") == "10,00 CHF"
    assert format_money(D("10"), "en", "CHF") == "CHF10.00"


def test_formatted_text_has_plain_spaces_only():
    for text in (format_money(D("1")), format_percent(D("21")), format_unit_price(D("1"))):
        assert "\u00a0" not in text and "\u202f" not in text, repr(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("21"), "21 %"),
        (D("21.00"), "21 %"),
        (D("7.5"), "7,5 %"),
        (D("7.50"), "7,5 %"),
        (D("5.2"), "5,2 %"),
        (D("1.40"), "1,4 %"),
        (D("0.62"), "0,62 %"),
        (D("0"), "0 %"),
        (D("0.00"), "0 %"),
        (D("100"), "100 %"),
        (D("12.345"), "12,345 %"),
        (15, "15 %"),
    ],
)
def test_format_percent(value, expected):
    assert format_percent(value) == expected


def test_format_percent_en():
    assert format_percent(D("21.00"), "en") == "21%"
    assert format_percent(D("7.5"), "en") == "7.5%"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("2"), "2"),
        (D("2.000"), "2"),
        (D("1.5"), "1,5"),
        (D("1.50"), "1,5"),
        (D("0.125"), "0,125"),
        (D("0.1255"), "0,126"),  # three decimals at most, half up
        (D("1000"), "1000"),
        (D("1234.5"), "1234,5"),
        (D("12345.5"), "12.345,5"),
        (D("-3"), "-3"),
        (D("100"), "100"),
        (D("1E+1"), "10"),
    ],
)
def test_format_quantity(value, expected):
    assert format_quantity(value) == expected


def test_format_quantity_en():
    assert format_quantity(D("1234.5"), "en") == "1,234.5"


def test_format_unit_price_keeps_up_to_four_decimals():
    assert format_unit_price(D("48")) == "48,00 €"
    assert format_unit_price(D("0.0125")) == "0,0125 €"
    assert format_unit_price(D("35.50")) == "35,50 €"
    assert format_unit_price(D("35.5000")) == "35,50 €"
    assert format_unit_price(D("0.00125")) == "0,0013 €"
    assert format_unit_price(D("12345.6789")) == "12.345,6789 €"
    assert format_unit_price(D("0.0125"), "en") == "€0.0125"


def test_format_date():
    assert format_date(date(2026, 11, 21)) == "21/11/2026"
    assert format_date(date(2026, 1, 5)) == "5/1/2026"  # CLDR's Spanish yMd: no zero padding
    assert format_date(date(2026, 11, 21), "en") == "Nov 21, 2026"
    assert format_date(None) == ""


# ------------------------------------------------------------ short invoice


def test_pdf_is_a4_pdf():
    data = render_invoice_pdf(base_invoice())
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata.title == "Factura 2026-0007 · Serie B"


def test_short_invoice_has_the_legal_content(short_text):
    t = short_text
    assert "FACTURA" in t  # title
    assert "2026-0007" in t
    assert "Serie B" in t
    assert "Fecha de expedición 21/11/2026" in t
    # both parties: name, NIF, address
    for party in (ISSUER, CLIENT):
        assert party.name in t
        assert f"NIF: {party.tax_id}" in t
        assert party.street1 in t
    assert "Polígono Las Eras" in t
    assert "28013 Madrid" in t
    assert "15702 Santiago de Compostela (A Coruña)" in t
    assert "España" in t
    assert "cobros@talleres-ibanez.es" in t
    # lines table
    for header in ("Descripción", "Cantidad", "Precio unitario", "Dto.", "IVA", "Importe"):
        assert header in t
    assert "Revisión anual de la caldera" in t
    assert "Sustitución de válvula de seguridad 2 200,00 € 0 % 21 % 400,00 €" in t
    # taxes and totals
    assert "Base imponible" in t
    assert "IVA 21 % 1200,00 € 252,00 €" in t
    assert "Total IVA 252,00 €" in t
    assert "TOTAL 1452,00 €" in t
    # payment
    assert f"Forma de pago: transferencia bancaria a {IBAN}" in t
    assert "Vencimiento 21/12/2026" in t
    assert "Gracias por su confianza." in t
    assert "Registro Mercantil de Madrid" in t
    assert "Página 1 de 1" in t


def test_absent_things_are_not_printed(short_text):
    t = short_text
    assert "Recargo" not in t and "Rec. eq." not in t
    assert "IRPF" not in t
    assert "Descuento" not in t
    assert "Fecha de operación" not in t
    assert "PAGADA" not in t
    assert "Pagado" not in t


def test_series_omitted_when_empty():
    t = text_of(base_invoice(series=""))
    assert "Serie" not in t
    assert "2026-0007" in t


def test_due_date_and_iban_optional():
    t = text_of(base_invoice(due_date=None, iban="", notes="", footer=""))
    assert "Vencimiento" not in t
    assert "Forma de pago" not in t
    assert "TOTAL 1452,00 €" in t


# ------------------------------------------------------------- full invoice


def test_full_invoice_breakdown(full_text):
    t = full_text
    assert "Fecha de operación 31/10/2026" in t
    # lines: discount, recargo column, quantities without useless zeros
    assert "Rec. eq." in t
    assert "Sustitución de válvula de seguridad 2 200,00 € 10 % 21 % 5,2 % 360,00 €" in t
    assert "Manual de mantenimiento impreso 1,5 40,00 € 0 % 10 % 1,4 % 60,00 €" in t
    # per-rate breakdown: base, cuota, recargo rate and cuota
    assert "IVA 21 % 1102,00 € 231,42 € 5,2 % 57,30 €" in t
    assert "IVA 10 % 57,00 € 5,70 € 1,4 % 0,80 €" in t
    # totals
    assert "Subtotal 1220,00 €" in t
    assert "Descuento (5 %) -61,00 €" in t
    assert "Base imponible 1159,00 €" in t
    assert "Total IVA 237,12 €" in t
    assert "Recargo de equivalencia 58,10 €" in t
    assert "Retención IRPF (15 %) -173,85 €" in t
    assert "TOTAL 1280,37 €" in t


def test_recargo_only_when_present(full_text, short_text):
    assert "Recargo de equivalencia" in full_text
    assert "Recargo de equivalencia" not in short_text


def test_irpf_only_when_withheld():
    inv = full_invoice()
    assert "Retención IRPF (15 %)" in text_of(inv)
    no_irpf = dataclasses.replace(inv, irpf_percent=D("0"), irpf=D("0"), total=D("1454.22"))
    assert "IRPF" not in text_of(no_irpf)
    t7 = text_of(dataclasses.replace(inv, irpf_percent=D("7"), irpf=D("81.13")))
    assert "Retención IRPF (7 %) -81,13 €" in t7


def test_operation_date_only_when_different():
    assert "Fecha de operación" not in text_of(base_invoice(operation_date=None))
    assert "Fecha de operación" not in text_of(base_invoice(operation_date=date(2026, 11, 21)))
    t = text_of(base_invoice(operation_date=date(2026, 10, 31)))
    assert "Fecha de operación 31/10/2026" in t


def test_paid_invoice_has_a_stamp():
    inv = base_invoice(paid=True, paid_amount=D("1452.00"), outstanding=D("0"))
    t = text_of(inv)
    assert "PAGADA" in t
    assert "Pagado 1452,00 €" in t
    assert "Pendiente de pago 0,00 €" in t
    assert "PAID" in text_of(inv, "en")


def test_partially_paid_invoice_shows_outstanding():
    inv = base_invoice(paid_amount=D("452.00"), outstanding=D("1000.00"))
    t = text_of(inv)
    assert "PAGADA" not in t
    assert "Pendiente de pago 1000,00 €" in t


# ------------------------------------------------------------------ English


def test_english_labels():
    t = text_of(full_invoice(), "en")
    for label in (
        "INVOICE",
        "Invoice no.",
        "Issue date",
        "Operation date",
        "Due date",
        "BILL TO",
        "Tax ID: B12345674",
        "Description",
        "Unit price",
        "Tax base",
        "VAT 21% €1,102.00 €231.42",
        "Total VAT €237.12",
        "Equivalence surcharge €58.10",
        "IRPF withholding (15%) -€173.85",
        "TOTAL €1,280.37",
        f"Payment method: bank transfer to {IBAN}",
        "Page 1 of 1",
    ):
        assert label in t, label
    assert "Issue date Nov 21, 2026" in t
    for spanish in ("Factura", "Base imponible", "Página", "NIF:", "Forma de pago"):
        assert spanish not in t, spanish


@pytest.mark.parametrize(
    ("locale", "word"),
    [("fr", "FACTURA"), ("", "FACTURA"), ("en-GB", "INVOICE"), ("EN", "INVOICE")],
)
def test_locale_fallback(locale, word):
    assert word in text_of(base_invoice(), locale)


# --------------------------------------------------------------- many pages


def test_long_invoice_flows_over_pages_with_numbered_pages_and_headers():
    texts = pages_text(render_invoice_pdf(long_invoice(120)))
    n = len(texts)
    assert n > 1
    for i, page in enumerate(texts, start=1):
        assert f"Página {i} de {n}" in page
        assert page.count("Página ") == 1
        # the lines table header is repeated at the top of every page with lines on it
        if "Concepto nº" in page:
            assert "Descripción Cantidad Precio unitario Dto. IVA Importe" in page
        # page footer: issuer and invoice number
        assert "Talleres Ibáñez, S.L. · NIF B12345674 · Factura 2026-0007" in page
    joined = "\n".join(texts)
    for i in range(1, 121):
        assert joined.count(f"Concepto nº {i:03d} ") == 1, i
    assert "TOTAL 1452,00 €" in texts[-1] or "TOTAL 1452,00 €" in texts[-2]


def test_long_invoice_english_page_numbers():
    texts = pages_text(render_invoice_pdf(long_invoice(120), locale="en"))
    n = len(texts)
    assert n > 1
    for i, page in enumerate(texts, start=1):
        assert f"Page {i} of {n}" in page


# ---------------------------------------------------------- text robustness


def test_utf8_and_markup_characters_survive():
    desc = "Añadido «especial» ç € — naïve Ωmega Привет < > & <b>no</b> &amp;"
    inv = base_invoice(
        lines=[line(desc, "1", "1200", "1200")],
        client=dataclasses.replace(CLIENT, name="Peña & Hijos <S.L.>"),
        notes="Nota: «pago» en € & <i>cursiva</i>\nsegunda línea",
    )
    t = text_of(inv)
    assert desc in t
    assert "Peña & Hijos <S.L.>" in t
    assert "Nota: «pago» en € & <i>cursiva</i> segunda línea" in t


def test_long_description_and_unbreakable_word_render():
    long_desc = ("Mantenimiento preventivo de instalación térmica ñ « » € " * 40)[:2000]
    word = "X" * 200
    url = "https://example.com/" + "a" * 60
    inv = base_invoice(
        lines=[
            line(long_desc, "1", "600", "600"),
            line(word, "1", "300", "300"),
            line(url, "1", "300", "300"),
        ],
        notes="Y" * 300,
        iban="ES91" + "0" * 80,
    )
    data = render_invoice_pdf(inv)
    reader = pypdf.PdfReader(BytesIO(data))
    assert len(reader.pages) >= 1
    raw = "\n".join(p.extract_text() for p in reader.pages)
    # the 200-character word is there in full, cut over several lines (no overflow)
    runs = re.findall(r"X+", raw)
    assert sum(map(len, runs)) == 200
    assert max(map(len, runs)) < 200
    assert len(re.findall(r"Y+", raw)) > 1
    flat = "".join(raw.split())
    # the long description (cut into several table rows) is there in full
    assert flat.count("Mantenimientopreventivodeinstalacióntérmicañ«»€") == long_desc.count(
        "Mantenimiento preventivo de instalación térmica ñ « » €"
    )
    assert word in flat and url in flat


def test_huge_description_flows_over_pages():
    desc = "Texto muy largo " * 2500  # far taller than a page
    inv = base_invoice(lines=[line(desc, "1", "1200", "1200")])
    texts = pages_text(render_invoice_pdf(inv))
    assert len(texts) > 2
    for i, page in enumerate(texts, start=1):
        assert f"Página {i} de {len(texts)}" in page
    assert "".join(texts).count("Texto muy largo") == 2500


def test_text_stays_inside_the_page_margins():
    inv = base_invoice(lines=[line("Z" * 200 + " " + "palabra " * 100, "1", "1200", "1200")])
    data = render_invoice_pdf(inv)
    page = pypdf.PdfReader(BytesIO(data)).pages[0]
    width = float(page.mediabox.width)
    xs = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            xs.append((cm[0] * tm[4] + cm[4], text))

    page.extract_text(visitor_text=visit)
    assert xs
    assert all(0 < x < width - 40 for x, _ in xs)


def test_wrap_lines_fit_their_width():
    width = 120.0
    text = "palabra " * 30 + "Q" * 150 + "\n\nfin"
    lines = pdfmod._wrap_lines(text, pdfmod.FONT, 8.5, width)
    pdfmod._ensure_fonts()
    assert all(pdfmod._width(x) <= width for x in lines)
    assert "".join("".join(lines).split()) == "".join(text.split())
    assert lines[-2:] == ["", "fin"]


def test_only_embedded_fonts_are_used():
    data = render_invoice_pdf(full_invoice())
    reader = pypdf.PdfReader(BytesIO(data))
    fonts = {
        str(ref.get_object()["/BaseFont"])
        for page in reader.pages
        for ref in page["/Resources"]["/Font"].values()
    }
    assert fonts
    assert all("+" in f for f in fonts), fonts  # subset-embedded TrueType, no Helvetica


def test_no_lines_does_not_crash():
    inv = base_invoice(lines=[], taxes=[])
    assert "TOTAL 1452,00 €" in text_of(inv)


def test_fonts_are_registered_once(monkeypatch):
    render_invoice_pdf(base_invoice())

    def boom(*args, **kwargs):
        raise AssertionError("font registered again")

    monkeypatch.setattr(pdfmod, "TTFont", boom)
    render_invoice_pdf(base_invoice())


def test_absurdly_long_party_data_still_renders():
    client = dataclasses.replace(CLIENT, name="Cliente " * 400, street1="Avenida " * 300)
    texts = pages_text(render_invoice_pdf(base_invoice(client=client)))
    assert len(texts) > 1
    joined = " ".join(texts)
    assert joined.count("Cliente") == 400
    assert "TOTAL 1452,00 €" in joined


def test_raw_extracted_text_uses_plain_spaces():
    """Without any whitespace normalisation the key strings are found as written."""
    data = render_invoice_pdf(full_invoice())
    raw = pypdf.PdfReader(BytesIO(data)).pages[0].extract_text()
    for s in (
        "Retención IRPF (15 %)",
        "Descuento (5 %)",
        "IVA 21 %",
        "1280,37 €",
        "Base imponible",
        "Página 1 de 1",
        IBAN,
    ):
        assert s in raw, s
    assert "\u00a0" not in raw


def test_none_in_text_fields_is_tolerated():
    issuer = dataclasses.replace(ISSUER, street2=None, email=None, phone=None)
    inv = base_invoice(
        issuer=issuer,
        series=None,
        iban=None,
        notes=None,
        footer=None,
        lines=iter(base_invoice().lines),
    )
    t = text_of(inv)
    assert "TOTAL 1452,00 €" in t
    assert "Revisión anual de la caldera" in t
    assert "Serie" not in t


# --------------------------------------------------------- the legal record


def corrective_invoice(**changes) -> InvoicePdf:
    fields = dict(
        number="R2026/0003",
        series="R",
        invoice_type="R1",
        corrects=PdfCorrected("2026-0007", date(2026, 11, 21)),
        correction_method="differences",
        correction_reason="Devolución de la válvula de seguridad (defectuosa).",
    )
    return base_invoice(**{**fields, **changes})


def test_an_ordinary_invoice_is_titled_factura():
    t = text_of(base_invoice())
    assert "FACTURA " in t
    assert "RECTIFICATIVA" not in t and "SIMPLIFICADA" not in t


def test_a_simplified_invoice_is_titled_factura_simplificada():
    assert "FACTURA SIMPLIFICADA" in text_of(base_invoice(invoice_type="F2"))
    assert "SIMPLIFIED INVOICE" in text_of(base_invoice(invoice_type="F2"), "en")


def test_a_simplified_invoice_without_recipient_has_no_client_box():
    data = render_invoice_pdf(base_invoice(invoice_type="F2", client=None))
    t = "\n".join(pages_text(data))
    assert "CLIENTE" not in t
    assert CLIENT.name not in t
    assert ISSUER.name in t
    assert "TOTAL 1452,00 €" in t
    subject = pypdf.PdfReader(BytesIO(data)).metadata.subject
    assert subject == "Factura simplificada 2026-0007 · Serie B"


@pytest.mark.parametrize("kind", ["R1", "R2", "R3", "R4", "R5"])
def test_a_corrective_invoice_is_titled_factura_rectificativa(kind):
    t = text_of(corrective_invoice(invoice_type=kind))
    assert "FACTURA RECTIFICATIVA" in t
    assert "Factura rectificativa R2026/0003 · Serie R" in t  # the page footer


def test_a_corrective_invoice_names_the_rectified_invoice_the_cause_the_method_and_the_reason():
    t = text_of(corrective_invoice())
    assert "FACTURA RECTIFICADA" in t
    assert "Factura rectificada 2026-0007, expedida el 21/11/2026" in t
    assert "Tipo de rectificación R1 · Art. 80.1, 80.2 y 80.6 LIVA y error fundado en derecho" in t
    assert "Método Por diferencias" in t
    assert "Motivo Devolución de la válvula de seguridad (defectuosa)." in t


@pytest.mark.parametrize(
    ("kind", "cause"),
    [
        ("R1", "Art. 80.1, 80.2 y 80.6 LIVA y error fundado en derecho"),
        ("R2", "Art. 80.3 LIVA (concurso de acreedores)"),
        ("R3", "Art. 80.4 LIVA (créditos incobrables)"),
        ("R4", "Resto de causas"),
        ("R5", "Rectificativa de factura simplificada"),
    ],
)
def test_each_correction_type_prints_its_legal_cause(kind, cause):
    t = text_of(corrective_invoice(invoice_type=kind))
    assert f"{kind} · {cause}" in t


def test_the_correction_type_may_differ_from_the_invoice_type_field():
    t = text_of(corrective_invoice(invoice_type="R1", correction_type="R4"))
    assert "R4 · Resto de causas" in t


def test_a_correction_by_substitution_says_so():
    t = text_of(corrective_invoice(correction_method="substitution"))
    assert "Método Por sustitución" in t
    assert "Por diferencias" not in t


def test_a_corrective_invoice_in_english():
    t = text_of(corrective_invoice(), "en")
    assert "CORRECTIVE INVOICE" in t
    assert "Rectified invoice 2026-0007, issued Nov 21, 2026" in t
    assert "Type of correction R1 · Arts. 80.1, 80.2 and 80.6 LIVA and error founded in law" in t
    assert "Method By differences" in t
    assert "Reason Devolución de la válvula" in t


def test_a_long_correction_reason_flows_over_pages_in_full():
    reason = "motivo " * 3000
    texts = pages_text(render_invoice_pdf(corrective_invoice(correction_reason=reason)))
    assert len(texts) > 2
    assert " ".join(texts).count("motivo") == 3000


def test_an_ordinary_invoice_has_no_correction_box():
    t = text_of(base_invoice())
    assert "RECTIFICADA" not in t and "Motivo" not in t


def test_a_draft_is_marked_borrador_and_has_no_number():
    data = render_invoice_pdf(base_invoice(status="draft", number=""))
    t = "\n".join(pages_text(data))
    assert "BORRADOR" in t
    assert "Número —" in t
    assert "Factura (borrador) · Serie B" in t  # the page footer
    assert pypdf.PdfReader(BytesIO(data)).metadata.title == "Factura (borrador) · Serie B"
    assert "PAGADA" not in text_of(base_invoice(status="draft", number="", paid=True))
    assert "DRAFT" in text_of(base_invoice(status="draft"), "en")


def test_a_draft_never_shows_the_number_it_was_given():
    assert "2026-0007" not in text_of(base_invoice(status="draft"))


def test_a_voided_invoice_is_stamped_anulada_with_its_reason_on_every_page():
    inv = dataclasses.replace(
        long_invoice(120), status="voided", void_reason="Emitida por error en pruebas."
    )
    texts = pages_text(render_invoice_pdf(inv))
    assert len(texts) > 1
    assert "FACTURA ANULADA Motivo de la anulación Emitida por error en pruebas." in texts[0]
    for page in texts:
        assert page.count("ANULADA") >= 2  # the mark across the page and the page footer
    assert "VOID" in text_of(inv, "en")


def test_a_voided_invoice_asks_for_no_payment():
    t = text_of(base_invoice(status="voided", void_reason="Error", paid=True))
    assert "Forma de pago" not in t
    assert "Fecha de vencimiento" not in t
    assert "PAGADA" not in t


def test_an_issued_invoice_has_no_status_marks(short_text):
    assert "BORRADOR" not in short_text and "ANULADA" not in short_text


def test_unknown_codes_are_refused_rather_than_printed_wrong():
    with pytest.raises(ValueError, match="invoice_type"):
        render_invoice_pdf(base_invoice(invoice_type="F9"))
    with pytest.raises(ValueError, match="status"):
        render_invoice_pdf(base_invoice(status="paid"))
    with pytest.raises(ValueError, match="correction_type"):
        render_invoice_pdf(corrective_invoice(correction_type="title"))
    with pytest.raises(ValueError, match="correction_method"):
        render_invoice_pdf(corrective_invoice(correction_method="sideways"))
    with pytest.raises(ValueError, match="treatment"):
        render_invoice_pdf(base_invoice(lines=[line("x", "1", "1", "1", treatment="Z9")]))


# ---------------------------------------------------------- tax treatments

MENTIONS = {
    "S2": "Inversión del sujeto pasivo (art. 84.Uno.2.º LIVA)",
    "E1": "Operación exenta por el art. 20 LIVA",
    "E2": "Operación exenta por el art. 21 LIVA (exportación)",
    "E3": "Operación exenta por el art. 22 LIVA",
    "E4": "Operación exenta por los arts. 23 y 24 LIVA",
    "E5": "Entrega intracomunitaria exenta por el art. 25 LIVA",
    "E6": "Operación exenta de IVA",
    "N1": "Operación no sujeta a IVA (art. 7 LIVA)",
    "N2": (
        "Operación no sujeta al IVA español por reglas de localización (arts. 69 y 70 LIVA): "
        "inversión del sujeto pasivo"
    ),
}


def treated_invoice(*codes: str) -> InvoicePdf:
    """One 100,00 € line per code (S1 at 21 %), two lines for the first code."""
    lines, rows = [], []
    for n, code in enumerate((codes[0], *codes)):
        iva = "21" if code == "S1" else "0"
        lines.append(line(f"Concepto {n} {code}", "1", "100", "100", iva=iva, treatment=code))
    for code in dict.fromkeys(codes):
        count = sum(ln.treatment == code for ln in lines)
        base = D(100 * count)
        iva = base * D("0.21") if code == "S1" else D("0")
        rows.append(PdfTaxRow(D("21" if code == "S1" else "0"), base, iva, D(0), D(0), code))
    return base_invoice(lines=lines, taxes=rows)


@pytest.mark.parametrize("code", sorted(MENTIONS))
def test_each_treatment_prints_its_legal_mention_once(code):
    t = text_of(treated_invoice(code, "S1"))
    assert "Menciones legales" in t
    assert " ".join(MENTIONS[code].split()) in t
    assert t.count(MENTIONS[code][:30]) == 1


def test_an_invoice_with_only_taxed_lines_has_no_legal_mentions(short_text):
    assert "Menciones legales" not in short_text


def test_a_breakdown_row_that_is_not_taxed_shows_its_treatment_not_vat_at_zero():
    t = text_of(treated_invoice("S2", "E1", "N2", "S1"))
    assert "Inversión del sujeto pasivo 200,00 € —" in t
    assert "Exenta (art. 20) 100,00 € —" in t
    assert "No sujeta (localización) 100,00 € —" in t
    assert "IVA 21 % 100,00 € 21,00 €" in t
    assert "IVA 0 %" not in t


def test_a_line_that_is_not_taxed_says_why_in_its_vat_column():
    t = text_of(treated_invoice("S2", "E5", "N1"))
    assert "Concepto 1 S2 1 100,00 € 0 % ISP 100,00 €" in t
    assert "Concepto 2 E5 1 100,00 € 0 % Exenta 100,00 €" in t
    assert "Concepto 3 N1 1 100,00 € 0 % No sujeta 100,00 €" in t


def test_every_mention_is_printed_once_however_many_lines_call_for_it():
    t = text_of(treated_invoice("E1", "E1", "E1", "S2", "S2"))
    assert t.count(MENTIONS["E1"]) == 1
    assert t.count(MENTIONS["S2"]) == 1


def test_legal_mentions_in_english():
    t = text_of(treated_invoice("S2", "E2", "N2"), "en")
    assert "Legal notes" in t
    assert "Reverse charge (art. 84.One.2 LIVA)" in t
    assert "Transaction exempt under art. 21 LIVA (export)" in t
    assert (
        "Transaction not subject to Spanish VAT under the place-of-supply rules "
        "(arts. 69 and 70 LIVA): reverse charge"
    ) in t
    assert "Rev. charge" in t
    assert "Operación" not in t


# -------------------------------------------------------------- VERI*FACTU QR

QR_URL = (
    "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=B12345674&numserie=2026-0007"
    "&fecha=21-11-2026&importe=1452.00"
)
DPI = 150
MM = DPI / 25.4  # pixels per millimetre


def page_png(data: bytes, page: int, tmp_path) -> Image.Image:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is needed to look at the printed QR")
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(data)
    prefix = tmp_path / f"page{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            str(DPI),
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            str(prefix),
        ],
        check=True,
    )
    return Image.open(prefix.with_suffix(".png")).convert("L")


def qr_codes(image: Image.Image) -> list:
    return [r for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def bounding_box(result) -> tuple[int, int, int, int]:
    p = result.position
    xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
    ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
    return min(xs), min(ys), max(xs), max(ys)


@pytest.fixture(scope="module")
def qr_page(tmp_path_factory):
    data = render_invoice_pdf(base_invoice(qr_url=QR_URL))
    image = page_png(data, 1, tmp_path_factory.mktemp("qr"))
    codes = qr_codes(image)
    assert len(codes) == 1
    return image, codes[0]


def test_the_qr_code_decodes_to_the_invoices_url_with_error_correction_m(qr_page):
    _, code = qr_page
    assert code.text == QR_URL
    assert code.ec_level == "M"


def test_the_qr_code_is_printed_between_30_and_40_mm_square(qr_page):
    _, code = qr_page
    left, top, right, bottom = bounding_box(code)
    width, height = (right - left) / MM, (bottom - top) / MM
    assert 30 <= width <= 40 and 30 <= height <= 40, (width, height)
    assert abs(width - 35) < 1 and abs(height - 35) < 1


def test_the_qr_code_is_at_the_top_of_the_first_page_centred(qr_page):
    image, code = qr_page
    left, top, right, _ = bounding_box(code)
    assert abs((left + right) / 2 - image.width / 2) < 2 * MM  # centred on the page
    assert top < 30 * MM  # just under the top margin and its caption


def assert_blank_around(image: Image.Image, code) -> None:
    """Nothing printed within 2 mm of the code, on any side (the AEAT's quiet zone)."""
    left, top, right, bottom = bounding_box(code)
    edge, zone = 2, round(2 * MM)  # skip the anti-aliased edge pixels
    strips = [
        (left - zone, top - zone, right + zone, top - edge),  # above
        (left - zone, bottom + edge, right + zone, bottom + zone),  # below
        (left - zone, top, left - edge, bottom),  # left
        (right + edge, top, right + zone, bottom),  # right
    ]
    for box in strips:
        darkest, _ = image.crop(box).getextrema()
        assert darkest > 235, box


def test_the_qr_code_has_a_blank_quiet_zone_of_at_least_2_mm(qr_page):
    assert_blank_around(*qr_page)


def test_the_qr_code_has_qr_tributario_above_and_verifactu_below():
    data = render_invoice_pdf(base_invoice(qr_url=QR_URL))
    page = pypdf.PdfReader(BytesIO(data)).pages[0]
    found: dict[str, tuple[float, float]] = {}
    sizes: dict[str, float] = {}

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            found[text.strip()] = (tm[4], tm[5])
            sizes[text.strip()] = font_size

    page.extract_text(visitor_text=visit)
    above, below = found["QR tributario:"], found["VERI*FACTU"]
    assert above[1] - below[1] > 35 * 72 / 25.4  # the code fits between them
    # No smaller than the invoice's data: only the title, the issuer's name and the total
    # in its box are set larger, as headings.
    headings = {"FACTURA", ISSUER.name, "1452,00 €"}
    data_sizes = [size for text, size in sizes.items() if text not in headings]
    assert sizes["QR tributario:"] >= max(data_sizes)
    assert sizes["VERI*FACTU"] >= max(data_sizes)


def test_the_qr_code_is_printed_once_on_the_first_page_only(tmp_path):
    data = render_invoice_pdf(dataclasses.replace(long_invoice(120), qr_url=QR_URL))
    texts = pages_text(data)
    assert len(texts) > 1
    assert [page.count("QR tributario:") for page in texts] == [1] + [0] * (len(texts) - 1)
    assert len(qr_codes(page_png(data, 2, tmp_path))) == 0


@pytest.mark.parametrize("locale", ["es", "en"])
def test_a_voided_invoice_keeps_its_qr_code_clear_of_the_voided_mark(tmp_path, locale):
    inv = base_invoice(qr_url=QR_URL, status="voided", void_reason="x")
    image = page_png(render_invoice_pdf(inv, locale=locale), 1, tmp_path)
    codes = qr_codes(image)
    assert [code.text for code in codes] == [QR_URL]
    assert_blank_around(image, codes[0])


def test_a_draft_never_shows_a_qr_code():
    t = text_of(base_invoice(qr_url=QR_URL, status="draft"))
    assert "QR tributario" not in t and "VERI*FACTU" not in t


def test_without_a_qr_url_there_is_no_qr_block(short_text):
    assert "QR tributario" not in short_text


def test_the_qr_block_keeps_the_corrective_title_whole():
    t = text_of(corrective_invoice(qr_url=QR_URL))
    assert "FACTURA RECTIFICATIVA" in t
    assert "QR tributario:" in t and "VERI*FACTU" in t


# ------------------------------------------------------------------- cost


def test_a_description_prints_at_most_the_allowed_line_breaks():
    desc = "\n".join(f"renglón {i}" for i in range(200))
    data = render_invoice_pdf(base_invoice(lines=[line(desc, "1", "1200", "1200")]))
    raw = "\n".join(p.extract_text() for p in pypdf.PdfReader(BytesIO(data)).pages)
    # the first MAX breaks are kept, the rest is printed joined, and nothing is lost
    assert "renglón 49\nrenglón 50 · renglón 51 · renglón 52" in raw
    flat = " ".join(raw.split())
    assert all(f"renglón {i} " in flat for i in range(199))


def test_line_breaks_are_counted_as_the_pdf_breaks_lines():
    assert line_breaks("a\r\nb\nc\rd\u2028e\u2029f\x0bg\x0ch\x85i") == 8
    assert line_breaks("") == 0
    assert line_breaks(None) == 0


def test_a_unicode_line_separator_breaks_the_printed_line():
    data = render_invoice_pdf(base_invoice(lines=[line("uno\u2028dos", "1", "1200", "1200")]))
    assert "uno\ndos" in pypdf.PdfReader(BytesIO(data)).pages[0].extract_text()


def test_the_layout_measures_each_row_a_bounded_number_of_times(monkeypatch):
    """Linear cost: the tables built while laying out hold each row about once, however
    many pages the invoice takes (platypus alone rebuilds the rest of a table at every
    page break: 100 lines of 1000 line breaks took 15 s)."""
    rows_built = []
    original = pdfmod.Table.__init__

    def counting(self, data, *args, **kwargs):
        rows_built.append(len(data))
        original(self, data, *args, **kwargs)

    monkeypatch.setattr(pdfmod.Table, "__init__", counting)
    description = "\n".join(["Servicio con muchos renglones"] * 51)
    inv = base_invoice(lines=[line(description, "1", "10", "10") for _ in range(60)])
    pages = len(pypdf.PdfReader(BytesIO(render_invoice_pdf(inv))).pages)
    rows = 60 * -(-51 // pdfmod.CHUNK_LINES)
    assert pages > 40
    assert sum(rows_built) < 2 * rows + 3 * pages + 50, (sum(rows_built), rows, pages)


def test_the_security_reviews_invoice_renders_in_bounded_time():
    """100 lines of 1000 line breaks took 15 s of layout; stored data still holds them."""
    inv = base_invoice(lines=[line("a\n" * 1000, "1", "12", "12") for _ in range(100)])
    start = time.process_time()
    pages = len(pypdf.PdfReader(BytesIO(render_invoice_pdf(inv))).pages)
    assert time.process_time() - start < 5
    assert pages < 200


def test_notes_and_footer_with_thousands_of_line_breaks_print_every_word_in_few_pages():
    notes = "\n".join(f"nota{i}" for i in range(2500))
    footer = "\n".join(f"pie{i}" for i in range(1000))
    texts = pages_text(render_invoice_pdf(base_invoice(notes=notes, footer=footer)))
    joined = " ".join(texts) + " "
    assert all(f"nota{i} " in joined for i in range(2500))
    assert all(f"pie{i} " in joined for i in range(1000))
    assert len(texts) <= 12  # 2 × 200 printed lines and the rest joined, not 3,500 lines
