"""Tests of the invoice PDF renderer (``invoices.pdf``); no Django needed.

The PDFs are read back with pypdf: what a person would read must be in the text.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pypdf
import pytest

from invoices import pdf as pdfmod
from invoices.pdf import (
    InvoicePdf,
    PdfLine,
    PdfParty,
    PdfTaxRow,
    format_date,
    format_money,
    format_percent,
    format_quantity,
    format_unit_price,
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


def line(desc, qty, price, total, iva="21", disc="0", re_pct="0") -> PdfLine:
    return PdfLine(desc, D(qty), D(price), D(disc), D(iva), D(re_pct), D(total))


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
