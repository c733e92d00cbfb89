"""Invoice PDF renderer (RD 1619/2012: factura completa art. 6, simplificada art. 7,
rectificativa art. 15; the VERI*FACTU QR of Orden HAC/1177/2024 arts. 20–21).

This module renders a plain, immutable data structure (:class:`InvoicePdf`) to PDF bytes
with reportlab's platypus. It knows nothing about models or the API: the Django side adapts
an invoice's representation to these dataclasses (``invoices/renderers.py``). Its words come
from Django's translation catalogues (``invoices/locale/``, context "invoice pdf"), its
numbers, amounts and dates from Babel (CLDR).

Public API::

    from invoices.pdf import InvoicePdf, PdfParty, PdfLine, PdfTaxRow, render_invoice_pdf
    pdf_bytes = render_invoice_pdf(invoice, locale="es")   # or "en"

All amounts are expected to be computed already (by the tax engine); the
renderer only formats and lays them out, it never recomputes totals.

Fonts: DejaVu Sans (vendored in ``invoices/fonts/``, see LICENSE.txt there) is
embedded as a subset so that any UTF-8 text renders; if the vendored files are
missing the renderer falls back to the Bitstream Vera fonts shipped inside the
reportlab package. No system font is used. Fonts are registered once per
process, lazily, on the first render.

Cost: the layout is linear in the content. A description prints at most
:data:`MAX_DESCRIPTION_LINE_BREAKS` line breaks (the API refuses more; stored data with
more has the extra breaks printed as " · "), and the lines table is laid out page by page
(:class:`_PagedTable`) instead of being re-measured whole at every page break.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO

import zxingcpp
from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_currency, format_decimal
from babel.numbers import format_percent as babel_format_percent
from django.utils import translation
from django.utils.translation import pgettext
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

__all__ = [
    "CORRECTION_METHODS",
    "CORRECTION_TYPES",
    "INVOICE_TYPES",
    "MAX_DESCRIPTION_LINE_BREAKS",
    "STATUSES",
    "TREATMENTS",
    "InvoicePdf",
    "PdfCorrected",
    "PdfLine",
    "PdfParty",
    "PdfTaxRow",
    "format_date",
    "format_money",
    "format_percent",
    "format_quantity",
    "format_unit_price",
    "line_breaks",
    "render_invoice_pdf",
]

# The AEAT's codes, as the legal record carries them.
CORRECTION_TYPES = ("R1", "R2", "R3", "R4", "R5")
INVOICE_TYPES = ("F1", "F2", *CORRECTION_TYPES)
TAXED = "S1"
# CalificacionOperacion / OperacionExenta, in the order the tax engine shows rows.
TREATMENTS = (TAXED, "S2", "E1", "E2", "E3", "E4", "E5", "E6", "N1", "N2")
STATUSES = ("issued", "draft", "voided")
CORRECTION_METHODS = ("differences", "substitution")

# How many line breaks one invoice line's description may hold. 2,000 characters wrap to
# about 40 printed lines in the description column; 50 breaks (a list of 51 items) at most
# doubles that, where unlimited breaks made one line 1,000 printed lines tall. The API
# refuses more (invoices/serializers.py); stored data with more still renders (see
# _capped_lines).
MAX_DESCRIPTION_LINE_BREAKS = 50
# Free text that is not a line's description (notes, footer, reasons) gets a looser cap.
MAX_TEXT_LINE_BREAKS = 200

# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class PdfParty:
    name: str
    tax_id: str
    street1: str = ""
    street2: str = ""
    postal_code: str = ""
    city: str = ""
    province: str = ""
    country: str = ""  # display name, e.g. "España"
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class PdfLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    iva_percent: Decimal
    surcharge_percent: Decimal
    total: Decimal  # base imponible of the line (after the line discount, before taxes)
    treatment: str = TAXED  # one of TREATMENTS


@dataclass(frozen=True)
class PdfTaxRow:
    iva_percent: Decimal
    base: Decimal
    iva: Decimal
    surcharge_percent: Decimal
    surcharge: Decimal
    treatment: str = TAXED  # one of TREATMENTS


@dataclass(frozen=True)
class PdfCorrected:
    """The invoice that a corrective invoice rectifies (RD 1619/2012 art. 15.4)."""

    number: str
    issue_date: date | None


@dataclass(frozen=True)
class InvoicePdf:
    number: str
    series: str
    issue_date: date | None
    operation_date: date | None
    due_date: date | None
    issuer: PdfParty
    client: PdfParty | None  # None: a simplified invoice without a recipient
    lines: Sequence[PdfLine]
    taxes: Sequence[PdfTaxRow]
    subtotal: Decimal
    discount_percent: Decimal
    discount: Decimal
    tax_base: Decimal
    iva: Decimal
    surcharge: Decimal
    irpf_percent: Decimal
    irpf: Decimal
    total: Decimal
    paid: bool
    paid_amount: Decimal
    outstanding: Decimal
    currency: str = "EUR"
    iban: str = ""
    notes: str = ""
    footer: str = ""
    # -- the legal record (CONTRACT §8); the defaults print an ordinary issued invoice
    invoice_type: str = "F1"  # F1, F2 (simplified), R1–R5 (corrective)
    status: str = "issued"  # issued, draft (no number), voided
    void_reason: str = ""
    corrects: PdfCorrected | None = None
    correction_type: str = ""  # R1–R5; empty: the invoice_type's
    correction_method: str = ""  # "differences" or "substitution"
    correction_reason: str = ""
    qr_url: str | None = None  # the VERI*FACTU ValidarQR address, printed as a QR code


# --------------------------------------------------------------------- formatting
#
# Babel spells numbers as CLDR says for each language; this module only decides the
# rounding (ROUND_HALF_UP to the places asked, the project's rule) before Babel sees the
# value, so Babel never rounds. Values are exact: Decimal, int or a numeric string; a float
# is refused, because its binary value is not the amount it prints as.
#
# Two things are done on top of Babel, both to follow CLDR:
# * minimumGroupingDigits: CLDR says Spanish groups thousands only from five integer
#   digits ("1234,56 €", "12.345,67 €"; the RAE's Ortografía says the same). Babel (2.19)
#   does not read that value, so it is applied here (_MIN_GROUPING_DIGITS).
# * The results are cached (typed, so a float never hits an int's entry): an invoice
#   repeats the same rates and amounts, and Babel is the renderer's single largest cost.
# * CLDR puts a no-break space in "1234,56 €" and "21 %"; the PDF's text keeps plain
#   spaces so that it can be searched and copied, and the table layout keeps amounts in
#   one piece on its own (see _cell).

_BABEL_LOCALES = {"es": Locale.parse("es_ES"), "en": Locale.parse("en")}
_MIN_GROUPING_DIGITS = {"es": 2, "en": 1}  # CLDR numbers: es.xml 2, root/en 1
# Dates: Spanish as CLDR's numeric yMd ("21/11/2026"), the form Spanish invoices use;
# English with the month's name ("Nov 21, 2026"), because "11/21/2026" and "21/11/2026"
# are both read somewhere in the English-speaking world.
_DATE_SKELETONS = {"es": "yMd", "en": "yMMMd"}
_ZERO = Decimal(0)
_ONE = Decimal(1)
_NO_BREAK_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


def _norm_locale(locale: str | None) -> str:
    """ "es" or "en"; "en-GB"/"en_US" count as "en", anything else is "es"."""
    if not locale:
        return "es"
    lang = str(locale).replace("_", "-").split("-", 1)[0].lower()
    return "en" if lang == "en" else "es"


def _exact(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError(f"amounts are exact: give a Decimal, an int or a string, not {value!r}")
    if isinstance(value, Decimal):
        return value
    if value is None:
        return _ZERO
    return Decimal(value)


def _rounded(value, places: int) -> Decimal:
    q = _exact(value).quantize(_ONE.scaleb(-places), rounding=ROUND_HALF_UP)
    return q.copy_abs() if q.is_zero() else q  # never "-0,00 €"


def _trimmed(value, places: int) -> Decimal:
    """Rounded to at most ``places`` decimals, without useless zeros (and no exponent)."""
    q = _rounded(value, places)
    return q.quantize(_ONE) if q == q.to_integral_value() else q.normalize()


def _grouped(value: Decimal, loc: str) -> bool:
    return abs(value) >= 10 ** (2 + _MIN_GROUPING_DIGITS[loc])


def _plain(text: str) -> str:
    return text.translate(_NO_BREAK_SPACES)


def _currency_code(currency: str | None) -> str:
    return (currency or "EUR").upper()


@functools.lru_cache(maxsize=4096, typed=True)
def format_money(value, locale: str = "es", currency: str = "EUR") -> str:
    """Two decimals: 1234.56 -> "1234,56 €" (es) / "€1,234.56" (en); -5 -> "-5,00 €"."""
    loc = _norm_locale(locale)
    q = _rounded(value, 2)
    return _plain(
        format_currency(
            q,
            _currency_code(currency),
            locale=_BABEL_LOCALES[loc],
            currency_digits=False,
            group_separator=_grouped(q, loc),
        )
    )


@functools.lru_cache(maxsize=4096, typed=True)
def format_unit_price(value, locale: str = "es", currency: str = "EUR") -> str:
    """Like :func:`format_money` with up to four decimals: 48 -> "48,00 €", 0.0125 ->
    "0,0125 €" (the API keeps unit prices to four decimals)."""
    loc = _norm_locale(locale)
    q = _trimmed(value, 4)
    return _plain(
        format_currency(
            q,
            _currency_code(currency),
            locale=_BABEL_LOCALES[loc],
            currency_digits=False,
            decimal_quantization=False,
            group_separator=_grouped(q, loc),
        )
    )


@functools.lru_cache(maxsize=4096, typed=True)
def format_quantity(value, locale: str = "es") -> str:
    """Up to three decimals without useless zeros: 2 -> "2", 1.50 -> "1,5", 0.125 -> "0,125"."""
    loc = _norm_locale(locale)
    q = _trimmed(value, 3)
    return _plain(
        format_decimal(
            q,
            locale=_BABEL_LOCALES[loc],
            decimal_quantization=False,
            group_separator=_grouped(q, loc),
        )
    )


@functools.lru_cache(maxsize=4096, typed=True)
def format_percent(value, locale: str = "es") -> str:
    """21 -> "21 %", 7.50 -> "7,5 %" (es); 21 -> "21%" (en). ``value`` is in percent."""
    loc = _norm_locale(locale)
    q = _trimmed(value, 4)
    return _plain(
        babel_format_percent(
            q / 100,
            locale=_BABEL_LOCALES[loc],
            decimal_quantization=False,
            group_separator=False,
        )
    )


@functools.lru_cache(maxsize=1024)
def format_date(value: date | None, locale: str = "es") -> str:
    """21/11/2026 (es), Nov 21, 2026 (en); "" for no date."""
    if value is None:
        return ""
    loc = _norm_locale(locale)
    return _plain(format_skeleton(_DATE_SKELETONS[loc], value, locale=_BABEL_LOCALES[loc]))


# ------------------------------------------------------------------------- words
#
# English source strings, translated by invoices/locale/<lang>/LC_MESSAGES/django.po
# (context "invoice pdf", so that no other app's catalogue can shadow a word). Spanish is
# the legal language of the invoice; the English catalogue exists so that a translator can
# see and adjust every word, and it states the identity translations explicitly.


def _labels() -> dict[str, str]:
    """Every word of the invoice in the active language (call inside translation.override).

    Built once per language and process: the catalogues do not change while it runs."""
    return _labels_in(translation.get_language())


@functools.lru_cache(maxsize=8)
def _labels_in(language: str) -> dict[str, str]:
    return {
        "title": pgettext("invoice pdf", "Invoice"),
        "title_simplified": pgettext("invoice pdf", "Simplified invoice"),
        "title_corrective": pgettext("invoice pdf", "Corrective invoice"),
        "draft": pgettext("invoice pdf", "draft"),
        "number": pgettext("invoice pdf", "Invoice no."),
        "series": pgettext("invoice pdf", "Series"),
        "issue_date": pgettext("invoice pdf", "Issue date"),
        "operation_date": pgettext("invoice pdf", "Operation date"),
        "due_date": pgettext("invoice pdf", "Due date"),
        "client": pgettext("invoice pdf", "Bill to"),
        "tax_id": pgettext("invoice pdf", "Tax ID"),
        "amount_due": pgettext("invoice pdf", "Invoice total"),
        "description": pgettext("invoice pdf", "Description"),
        "quantity": pgettext("invoice pdf", "Qty"),
        "unit_price": pgettext("invoice pdf", "Unit price"),
        "discount_short": pgettext("invoice pdf", "Disc."),
        "iva_short": pgettext("invoice pdf", "VAT"),
        "surcharge_short": pgettext("invoice pdf", "Surch."),
        "line_total": pgettext("invoice pdf", "Amount"),
        "breakdown": pgettext("invoice pdf", "Tax breakdown"),
        "rate": pgettext("invoice pdf", "Rate"),
        "base": pgettext("invoice pdf", "Tax base"),
        "iva_amount": pgettext("invoice pdf", "VAT amount"),
        "surcharge_rate": pgettext("invoice pdf", "Surch. rate"),
        "surcharge_amount": pgettext("invoice pdf", "Surcharge"),
        "iva_rate_label": pgettext("invoice pdf", "VAT {rate}"),
        "subtotal": pgettext("invoice pdf", "Subtotal"),
        "discount": pgettext("invoice pdf", "Discount"),
        "discount_pct": pgettext("invoice pdf", "Discount ({rate})"),
        "tax_base": pgettext("invoice pdf", "Tax base"),
        "total_iva": pgettext("invoice pdf", "Total VAT"),
        "total_surcharge": pgettext("invoice pdf", "Equivalence surcharge"),
        "irpf": pgettext("invoice pdf", "IRPF withholding ({rate})"),
        "total": pgettext("invoice pdf", "TOTAL"),
        "paid_amount": pgettext("invoice pdf", "Paid"),
        "outstanding": pgettext("invoice pdf", "Outstanding"),
        "payment": pgettext("invoice pdf", "Payment details"),
        "payment_transfer": pgettext("invoice pdf", "Payment method: bank transfer to {iban}"),
        "due_line": pgettext("invoice pdf", "Due date: {date}"),
        "notes": pgettext("invoice pdf", "Notes"),
        "paid_stamp": pgettext("invoice pdf", "PAID"),
        "draft_stamp": pgettext("invoice pdf", "DRAFT"),
        "void_stamp": pgettext("invoice pdf", "VOID"),
        "page": pgettext("invoice pdf", "Page {page} of {pages}"),
        "no_lines": pgettext("invoice pdf", "(no items)"),
        # corrective invoices (RD 1619/2012 art. 15)
        "corrected": pgettext("invoice pdf", "Rectified invoice"),
        "corrected_ref": pgettext("invoice pdf", "{number}, issued {date}"),
        "correction_type": pgettext("invoice pdf", "Type of correction"),
        "correction_method": pgettext("invoice pdf", "Method"),
        "correction_reason": pgettext("invoice pdf", "Reason"),
        "method:differences": pgettext("invoice pdf", "by differences"),
        "method:substitution": pgettext("invoice pdf", "by substitution"),
        "R1": pgettext("invoice pdf", "Arts. 80.1, 80.2 and 80.6 LIVA and error founded in law"),
        "R2": pgettext("invoice pdf", "Art. 80.3 LIVA (insolvency proceedings)"),
        "R3": pgettext("invoice pdf", "Art. 80.4 LIVA (uncollectable debts)"),
        "R4": pgettext("invoice pdf", "Other causes"),
        "R5": pgettext("invoice pdf", "Correction of a simplified invoice"),
        # voided invoices
        "voided": pgettext("invoice pdf", "Voided invoice"),
        "void_reason": pgettext("invoice pdf", "Reason for voiding"),
        # tax treatments: the lines' VAT column, the breakdown's rows, the legal mentions
        "legal_notes": pgettext("invoice pdf", "Legal notes"),
        "short:S2": pgettext("invoice pdf", "Rev. charge"),
        "short:E": pgettext("invoice pdf", "Exempt"),
        "short:N": pgettext("invoice pdf", "Not subject"),
        "row:S2": pgettext("invoice pdf", "Reverse charge"),
        "row:E1": pgettext("invoice pdf", "Exempt (art. 20)"),
        "row:E2": pgettext("invoice pdf", "Exempt (art. 21)"),
        "row:E3": pgettext("invoice pdf", "Exempt (art. 22)"),
        "row:E4": pgettext("invoice pdf", "Exempt (arts. 23 and 24)"),
        "row:E5": pgettext("invoice pdf", "Exempt (art. 25)"),
        "row:E6": pgettext("invoice pdf", "Exempt"),
        "row:N1": pgettext("invoice pdf", "Not subject (art. 7)"),
        "row:N2": pgettext("invoice pdf", "Not subject (place of supply)"),
        "mention:S2": pgettext("invoice pdf", "Reverse charge (art. 84.One.2 LIVA)"),
        "mention:E1": pgettext("invoice pdf", "Transaction exempt under art. 20 LIVA"),
        "mention:E2": pgettext("invoice pdf", "Transaction exempt under art. 21 LIVA (export)"),
        "mention:E3": pgettext("invoice pdf", "Transaction exempt under art. 22 LIVA"),
        "mention:E4": pgettext("invoice pdf", "Transaction exempt under arts. 23 and 24 LIVA"),
        "mention:E5": pgettext("invoice pdf", "Intra-Community supply exempt under art. 25 LIVA"),
        "mention:E6": pgettext("invoice pdf", "Transaction exempt from VAT"),
        "mention:N1": pgettext("invoice pdf", "Transaction not subject to VAT (art. 7 LIVA)"),
        "mention:N2": pgettext(
            "invoice pdf",
            "Transaction not subject to Spanish VAT under the place-of-supply rules "
            "(arts. 69 and 70 LIVA): reverse charge",
        ),
    }


# The AEAT's QR specification fixes these words, in Spanish, whatever the invoice's language.
QR_CAPTION = "QR tributario:"
QR_SYSTEM = "VERI*FACTU"

# -------------------------------------------------------------------------- fonts

FONT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fonts")
FONT = "FacturaSans"
FONT_BOLD = "FacturaSans-Bold"

_font_lock = threading.Lock()
_fonts_ready = False


def _font_files() -> tuple[str, str]:
    vendored = (
        os.path.join(FONT_DIR, "DejaVuSans.ttf"),
        os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf"),
    )
    if all(os.path.isfile(p) for p in vendored):
        return vendored
    import reportlab

    rl_fonts = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    return os.path.join(rl_fonts, "Vera.ttf"), os.path.join(rl_fonts, "VeraBd.ttf")


def _ensure_fonts() -> None:
    """Register the embedded TTF fonts once per process (thread-safe, lazy)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _font_lock:
        if _fonts_ready:
            return
        # Binary (zlib only) content streams instead of zlib + ASCII85: ~20 % smaller and
        # noticeably faster without reportlab's optional C accelerator. This is a
        # process-wide reportlab setting; it only changes how streams are encoded.
        rl_config.useA85 = 0
        regular, bold = _font_files()
        pdfmetrics.registerFont(TTFont(FONT, regular))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, bold))
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )
        _fonts_ready = True


# ------------------------------------------------------------------------- styles

ACCENT = colors.HexColor("#0E6E82")
ACCENT_LIGHT = colors.HexColor("#E8F3F5")
INK = colors.HexColor("#1F2933")
MUTED = colors.HexColor("#6B7785")
RULE = colors.HexColor("#D5DCE3")
ZEBRA = colors.HexColor("#F5F7F9")
STAMP = colors.HexColor("#15803D")
VOID_RED = colors.HexColor("#B91C1C")
VOID_LIGHT = colors.HexColor("#FDF2F2")
DRAFT_GREY = colors.HexColor("#6B7785")

PAGE_W, PAGE_H = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 16 * mm
MARGIN_BOTTOM = 22 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X

TABLE_FS = 8.5  # font size inside tables
LEADING = 10.6  # line height inside tables
CELL_PAD = 4  # left/right padding of table cells

_styles: dict[str, ParagraphStyle] | None = None


def _get_styles() -> dict[str, ParagraphStyle]:
    global _styles
    if _styles is None:
        _ensure_fonts()
        base = ParagraphStyle(
            "inv-base", fontName=FONT, fontSize=9, leading=12, textColor=INK, alignment=TA_LEFT
        )

        def mk(name: str, **kw) -> ParagraphStyle:
            return ParagraphStyle(f"inv-{name}", parent=base, **kw)

        _styles = {
            "body": base,
            "issuer_name": mk("issuer-name", fontName=FONT_BOLD, fontSize=14, leading=17),
            "party": mk("party", fontSize=8.5, leading=11.5, textColor=INK),
            "client_name": mk("client-name", fontName=FONT_BOLD, fontSize=10.5, leading=13.5),
            "caption": mk("caption", fontName=FONT_BOLD, fontSize=7, leading=9, textColor=ACCENT),
            "title": mk(
                "title",
                fontName=FONT_BOLD,
                fontSize=24,
                leading=28,
                textColor=ACCENT,
                alignment=TA_RIGHT,
            ),
            "amount_big": mk(
                "amount-big", fontName=FONT_BOLD, fontSize=17, leading=21, textColor=ACCENT
            ),
            "small": mk("small", fontSize=8.5, leading=11.5),
            "muted": mk("muted", fontSize=7.5, leading=10, textColor=MUTED),
            "section": mk(
                "section",
                fontName=FONT_BOLD,
                fontSize=8.5,
                leading=11,
                textColor=ACCENT,
                spaceBefore=8,
                spaceAfter=3,
                keepWithNext=1,
            ),
        }
    return _styles


QR_SIZE = 35 * mm  # the code itself; the AEAT wants 30–40 mm
QR_QUIET_ZONE = 6 * mm  # blank around it, left and right (the AEAT: >= 2 mm, 6 mm advised)
QR_TEXT_GAP = 3 * mm  # from the code to the words above and below it (>= 2 mm)
# The words above and below the code: the AEAT wants them no smaller than the invoice's
# data. Every data text is 7.5–10.5 pt; only the document title, the issuer's name and the
# total in its box are set larger, as headings.
QR_FONT_SIZE = 11

# ----------------------------------------------------------------------- text

_LINE_BREAK_RE = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_SPACES_RE = re.compile(r"[ \t]+")


def line_breaks(text: str | None) -> int:
    """How many line breaks ``text`` holds, as str.splitlines counts them ("\\r\\n" is one,
    U+2028 is one): the PDF breaks the line at each of them."""
    return len(_LINE_BREAK_RE.findall(text or ""))


def _capped_lines(text: str | None, max_breaks: int) -> list[str]:
    """The text's lines, at most ``max_breaks + 1`` of them: past the cap the remaining
    lines are printed as one, joined by " · ". Nothing is lost: data stored before the API
    refused such text still prints every word, in bounded height."""
    lines = _LINE_BREAK_RE.split(text or "")
    if len(lines) > max_breaks + 1:
        rest = " · ".join(part.strip() for part in lines[max_breaks:] if part.strip())
        lines = [*lines[:max_breaks], rest]
    return lines


def _esc(text: str | None, max_breaks: int = MAX_TEXT_LINE_BREAKS) -> str:
    """User text for a Paragraph: markup characters escaped, line breaks kept (capped)."""
    return "<br/>".join(
        line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for line in _capped_lines(text, max_breaks)
    )


def _paragraphs(text: str, style: ParagraphStyle) -> list[Flowable]:
    """Free text as one Paragraph per line (capped): platypus splits a long Paragraph over
    pages by wrapping the rest again at every page, a list of short ones costs nothing."""
    return [
        Paragraph(_esc(line), style) if line.strip() else Spacer(0, style.leading)
        for line in _capped_lines(text, MAX_TEXT_LINE_BREAKS)
    ]


def _width(text: str, font: str = FONT, size: float = TABLE_FS) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def _break_word(word: str, font: str, size: float, width: float) -> list[str]:
    """Cut a word wider than ``width`` into pieces that fit (character by character)."""
    measure = pdfmetrics.getFont(font).stringWidth
    pieces, start, acc = [], 0, 0.0
    for i, ch in enumerate(word):
        w = measure(ch, size)
        if acc + w > width and i > start:
            pieces.append(word[start:i])
            start, acc = i, 0.0
        acc += w
    pieces.append(word[start:])
    return pieces


def _wrap_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap of plain text to ``width`` points; long words are cut.

    Much cheaper than a platypus Paragraph (no markup parsing, no re-wrapping when
    the table measures and draws); used for every table cell. Linear in the text.
    """
    measure = pdfmetrics.getFont(font).stringWidth
    space = measure(" ", size)
    lines: list[str] = []
    for para in _LINE_BREAK_RE.split((text or "").strip()):
        words = [w for w in _SPACES_RE.split(para.strip()) if w]
        if not words:
            lines.append("")
            continue
        line: list[str] = []
        line_w = 0.0
        for word in words:
            w = measure(word, size)
            if line and line_w + space + w <= width:
                line.append(word)
                line_w += space + w
                continue
            if line:
                lines.append(" ".join(line))
            if w <= width:
                line, line_w = [word], w
            else:
                *full, last = _break_word(word, font, size, width)
                lines.extend(full)
                line, line_w = [last], measure(last, size)
        lines.append(" ".join(line))
    return lines or [""]


def _cell(
    text: str, avail: float, font: str = FONT, size: float = TABLE_FS, numeric: bool = False
) -> str:
    """Table cell text wrapped to ``avail`` points (a plain string, "\\n" between lines).

    ``numeric`` keeps "21 %" / "1234,56 €" in one piece: if it does not fit it is cut
    between characters rather than at the space. "15 %" in labels is never split.
    """
    if _LINE_BREAK_RE.search(text) is None and pdfmetrics.stringWidth(text, font, size) <= avail:
        return text
    # no-break spaces only while wrapping, so that the PDF text keeps plain spaces
    text = text.replace(" ", "\u00a0") if numeric else text.replace(" %", "\u00a0%")
    return "\n".join(_wrap_lines(text, font, size, avail)).replace("\u00a0", " ")


# A text taller than this many lines is cut into several table rows, so that it can flow
# over pages; a page break falls between rows, so it wastes at most this many lines.
CHUNK_LINES = 6


def _chunks(lines: list[str]) -> list[str]:
    """Lines grouped into table rows of at most CHUNK_LINES lines each: a single table row
    cannot be split over pages, a run of rows can."""
    return ["\n".join(lines[i : i + CHUNK_LINES]) for i in range(0, len(lines), CHUNK_LINES)] or [
        ""
    ]


def _fit_widths(natural: list[float], cap: float) -> list[float]:
    """Shrink the widest columns first (water-filling) so that sum(widths) <= cap."""
    if sum(natural) <= cap:
        return list(natural)
    lo, hi = 0.0, max(natural)
    for _ in range(40):
        mid = (lo + hi) / 2
        if sum(min(w, mid) for w in natural) > cap:
            hi = mid
        else:
            lo = mid
    return [min(w, lo) for w in natural]


def _fit_font_size(text: str, font: str, size: float, width: float, smallest: float) -> float:
    """The largest size <= ``size`` at which every word of ``text`` fits in ``width``."""
    widest = max((_width(word, font, size) for word in text.split()), default=0.0)
    if widest <= width:
        return size
    return max(smallest, size * width / widest)


def _party_lines(party: PdfParty, labels: dict[str, str]) -> list[str]:
    lines = []
    if party.tax_id:
        lines.append(f"{labels['tax_id']}: {party.tax_id}")
    for street in (party.street1, party.street2):
        if street.strip():
            lines.append(street)
    city_line = " ".join(p for p in (party.postal_code.strip(), party.city.strip()) if p)
    province = party.province.strip()
    if province and province.casefold() != party.city.strip().casefold():
        city_line = f"{city_line} ({province})" if city_line else province
    if city_line:
        lines.append(city_line)
    if party.country.strip():
        lines.append(party.country)
    contact = " · ".join(p for p in (party.email.strip(), party.phone.strip()) if p)
    if contact:
        lines.append(contact)
    return lines


def _party_paragraph(party: PdfParty, labels: dict[str, str], style: ParagraphStyle) -> Paragraph:
    return Paragraph("<br/>".join(_esc(x) for x in _party_lines(party, labels)), style)


# --------------------------------------------------------------------- flowables


class _Stamp(Flowable):
    """A rubber-stamp style mark ("PAGADA", "ANULADA", "BORRADOR"), slightly rotated."""

    def __init__(self, text: str, color=STAMP, font_size: float = 15):
        super().__init__()
        self.text = text
        self.color = color
        self.font_size = font_size
        self.text_w = _width(text, FONT_BOLD, font_size)
        self.box_w = self.text_w + 20
        self.box_h = font_size + 14

    def wrap(self, avail_w, avail_h):
        return self.box_w + 10, self.box_h + 14

    def draw(self):
        c = self.canv
        c.saveState()
        c.translate((self.box_w + 10) / 2, (self.box_h + 14) / 2)
        c.rotate(8)
        c.setStrokeColor(self.color)
        c.setFillColor(self.color)
        c.setLineWidth(2)
        c.roundRect(-self.box_w / 2, -self.box_h / 2, self.box_w, self.box_h, 4, stroke=1, fill=0)
        c.setLineWidth(0.6)
        c.roundRect(
            -self.box_w / 2 + 3,
            -self.box_h / 2 + 3,
            self.box_w - 6,
            self.box_h - 6,
            2,
            stroke=1,
            fill=0,
        )
        c.setFont(FONT_BOLD, self.font_size)
        c.drawCentredString(0, -self.font_size * 0.35, self.text)
        c.restoreState()


@functools.lru_cache(maxsize=256)
def _qr_symbol(text: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """The QR symbol of ``text`` (ISO/IEC 18004, error correction M, no quiet zone): its
    size in modules and its dark runs, (row, first column, length), row 0 at the top.

    ZXing (C++) encodes it in half a millisecond; reportlab's pure-Python encoder took
    20 ms and its widget 15 ms more to draw, more than the rest of the invoice together."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    if code.ec_level != "M":  # never "boosted": the AEAT asks for M
        raise ValueError(f"QR error correction {code.ec_level!r}, expected M")
    image = memoryview(code.to_image(scale=1, add_quiet_zones=False))
    size = image.shape[0]
    pixels = image.tobytes()  # one byte per module, 0 = dark
    runs = []
    for row in range(size):
        line = pixels[row * size : (row + 1) * size]
        column = 0
        while column < size:
            if line[column]:
                column += 1
                continue
            start = column
            while column < size and not line[column]:
                column += 1
            runs.append((row, start, column - start))
    return size, tuple(runs)


class _QrBlock(Flowable):
    """The VERI*FACTU QR as the AEAT's QR specification (v0.5.0, §3) places it: "QR
    tributario:" above, the code (ISO/IEC 18004, error correction M, QR_SIZE square, blank
    around it) and "VERI*FACTU" below, both centred on the code."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self.width = QR_SIZE + 2 * QR_QUIET_ZONE
        self.ascent = QR_FONT_SIZE * 0.76  # DejaVu Sans Bold capitals
        self.height = 2 * (self.ascent + QR_TEXT_GAP) + QR_SIZE + 2

    def wrap(self, avail_w, avail_h):
        return self.width, self.height

    def draw(self):
        c = self.canv
        size, runs = _qr_symbol(self.url)
        module = QR_SIZE / size
        code_y = self.ascent + QR_TEXT_GAP + 1
        top = code_y + QR_SIZE
        c.saveState()
        c.setFillColor(colors.black)
        path = c.beginPath()
        for row, column, length in runs:  # one filled path: a few hundred rectangles
            path.rect(
                QR_QUIET_ZONE + column * module, top - (row + 1) * module, length * module, module
            )
        c.drawPath(path, stroke=0, fill=1)
        c.setFont(FONT_BOLD, QR_FONT_SIZE)
        middle = self.width / 2
        c.drawCentredString(middle, top + QR_TEXT_GAP, QR_CAPTION)
        c.drawCentredString(middle, 1, QR_SYSTEM)
        c.restoreState()


class _PagedTable(Flowable):
    """A table laid out one page at a time, in time linear in its rows.

    platypus splits a Table at a page break by building a new Table of every row that is
    left and measuring them all again: R rows over P pages cost R·P, and a long invoice
    spent seconds per page. Here every cell is plain text of a known number of lines, so
    each row's height is known up front; each page gets a small Table of just the rows
    that fit (under the repeated header row), and what is left over is an index into the
    rows. reportlab still measures every piece it draws, so an estimate that is off can
    move a row to the next page but never lets one overflow the frame.
    """

    def __init__(
        self,
        rows: list[list[str]],
        heights: list[float],
        col_widths: list[float],
        style: list[tuple],
        *,
        header: list[str] | None = None,
        header_height: float = 0.0,
        row_style: Callable[[int, int, int], list[tuple]] | None = None,
        start: int = 0,
        _prefix: list[float] | None = None,
    ):
        super().__init__()
        self.rows, self.heights, self.col_widths = rows, heights, col_widths
        self.style, self.header, self.header_height = style, header, header_height
        self.row_style, self.start = row_style, start
        if _prefix is None:
            _prefix = [0.0]
            for h in heights:
                _prefix.append(_prefix[-1] + h)
        self.prefix = _prefix
        self.width = sum(col_widths)
        self.hAlign = "LEFT"
        self._piece: tuple[int, Table] | None = None

    def _rest(self, start: int) -> _PagedTable:
        return _PagedTable(
            self.rows,
            self.heights,
            self.col_widths,
            self.style,
            header=self.header,
            header_height=self.header_height,
            row_style=self.row_style,
            start=start,
            _prefix=self.prefix,
        )

    def _table(self, end: int) -> Table:
        """The rows [start, end) as one Table, header first (built once per end)."""
        if self._piece is not None and self._piece[0] == end:
            return self._piece[1]
        data = ([self.header] if self.header else []) + self.rows[self.start : end]
        style = list(self.style)
        if self.row_style is not None:
            style += self.row_style(self.start, end, 1 if self.header else 0)
        table = Table(data, colWidths=self.col_widths, style=TableStyle(style))
        self._piece = (end, table)
        return table

    def _estimate(self, end: int) -> float:
        return self.header_height + self.prefix[end] - self.prefix[self.start]

    def wrap(self, avail_w, avail_h):
        end = len(self.rows)
        height = self._estimate(end)
        if height <= avail_h + 1:  # the rest fits on this page: measure it for real
            height = self._table(end).wrap(avail_w, avail_h)[1]
        self.height = height
        return self.width, height

    def split(self, avail_w, avail_h):
        budget = self.prefix[self.start] + avail_h - self.header_height
        end = min(bisect.bisect_right(self.prefix, budget) - 1, len(self.rows))
        while end > self.start:
            table = self._table(end)
            if table.wrap(avail_w, avail_h)[1] <= avail_h:
                return [table] if end == len(self.rows) else [table, self._rest(end)]
            end -= 1
        return []

    def draw(self):
        table = self._table(len(self.rows))
        table.wrap(self.width, self.height)
        table.drawOn(self.canv, 0, 0)


class _NumberedCanvas(Canvas):
    """Defers drawing "Página X de Y" until the total page count is known."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._deferred_pages: list[dict] = []
        self.page_label_fmt = "{page} / {pages}"

    def showPage(self):
        self._deferred_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        pages = len(self._deferred_pages)
        for state in self._deferred_pages:
            self.__dict__.update(state)
            self._draw_page_number(pages)
            Canvas.showPage(self)
        Canvas.save(self)

    def _draw_page_number(self, pages: int) -> None:
        self.saveState()
        self.setFont(FONT, 7.5)
        self.setFillColor(MUTED)
        text = self.page_label_fmt.format(page=self._pageNumber, pages=pages)
        self.drawRightString(PAGE_W - MARGIN_X, MARGIN_BOTTOM - 11 * mm, text)
        self.restoreState()


def _truncate(text: str, font: str, size: float, max_w: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= max_w:
        return text
    ell = "…"
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pdfmetrics.stringWidth(text[:mid] + ell, font, size) <= max_w:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ell


# ------------------------------------------------------------------------ builder


class _Builder:
    def __init__(self, inv: InvoicePdf, locale: str):
        self.inv = inv
        self.loc = locale
        self.L = dict(_labels())
        self.S = _get_styles()
        self.cur = inv.currency or "EUR"

    # formatting shortcuts
    def money(self, v) -> str:
        return format_money(v, self.loc, self.cur)

    def pct(self, v) -> str:
        return format_percent(v, self.loc)

    def when(self, d) -> str:
        return format_date(d, self.loc)

    @property
    def draft(self) -> bool:
        return self.inv.status == "draft"

    @property
    def voided(self) -> bool:
        return self.inv.status == "voided"

    @property
    def corrective(self) -> bool:
        return self.inv.invoice_type.startswith("R")

    def title(self) -> str:
        if self.corrective:
            return self.L["title_corrective"]
        if self.inv.invoice_type == "F2":
            return self.L["title_simplified"]
        return self.L["title"]

    def number(self) -> str:
        return "—" if self.draft else self.inv.number

    def invoice_ref(self) -> str:
        inv = self.inv
        number = f"({self.L['draft']})" if self.draft else inv.number
        ref = f"{self.title()} {number}"
        if inv.series.strip():
            ref += f" · {self.L['series']} {inv.series}"
        return ref

    def treatments(self) -> list[str]:
        """The non-taxed treatments on this invoice, each once, in the AEAT's order."""
        used = {ln.treatment for ln in self.inv.lines} | {t.treatment for t in self.inv.taxes}
        return [code for code in TREATMENTS if code in used and code != TAXED]

    def short_treatment(self, code: str) -> str:
        """What the lines' VAT column says for a line that is not taxed."""
        return self.L["short:S2"] if code == "S2" else self.L[f"short:{code[0]}"]

    # ------------------------------------------------------------------ header
    def meta_table(self, width: float) -> Table:
        inv, L = self.inv, self.L
        meta_rows = []
        if inv.series.strip():
            meta_rows.append((L["series"], inv.series))
        meta_rows.append((L["number"], self.number()))
        meta_rows.append((L["issue_date"], self.when(inv.issue_date)))
        if inv.operation_date and inv.operation_date != inv.issue_date:
            meta_rows.append((L["operation_date"], self.when(inv.operation_date)))
        if inv.due_date:
            meta_rows.append((L["due_date"], self.when(inv.due_date)))
        label_w = max(_width(k, FONT, 8) for k, _ in meta_rows) + 2 * CELL_PAD
        label_w = min(label_w, width * 0.6)
        value_w = width - label_w
        return Table(
            [
                [
                    _cell(k, label_w - CELL_PAD, FONT, 8),
                    _cell(v, value_w - 2 * CELL_PAD, FONT_BOLD, 8.5),
                ]
                for k, v in meta_rows
            ],
            colWidths=[label_w, value_w],
            style=TableStyle(
                [
                    ("FONT", (0, 0), (0, -1), FONT, 8),
                    ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
                    ("FONT", (1, 0), (1, -1), FONT_BOLD, 8.5, 10.5),
                    ("TEXTCOLOR", (1, 0), (1, -1), INK),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
                ]
            ),
            hAlign="RIGHT",
        )

    def header(self) -> list:
        inv, L, S = self.inv, self.L, self.S
        qr = _QrBlock(inv.qr_url) if inv.qr_url and not self.draft else None
        if qr is None:
            left_w = CONTENT_W * 0.56
            right_w = CONTENT_W - left_w
            widths = [left_w, right_w]
        else:
            # The QR is centred at the top of the page (the AEAT's preferred place); the
            # issuer and the invoice's identity sit on either side of it.
            left_w = right_w = (CONTENT_W - qr.width) / 2
            widths = [left_w, qr.width, right_w]

        issuer = [
            Paragraph(_esc(inv.issuer.name), S["issuer_name"]),
            Spacer(0, 3),
            _party_paragraph(inv.issuer, L, S["party"]),
        ]
        title = self.title().upper()
        title_style = S["title"]
        size = _fit_font_size(title, FONT_BOLD, title_style.fontSize, right_w, 12)
        if size != title_style.fontSize:
            title_style = ParagraphStyle(
                "inv-title-fit", parent=title_style, fontSize=size, leading=size * 1.17
            )
        right = [Paragraph(_esc(title), title_style), Spacer(0, 6), self.meta_table(right_w)]

        top_cells = [issuer, right] if qr is None else [issuer, qr, right]
        top = Table(
            [top_cells],
            colWidths=widths,
            style=TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 9),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (0, 0), 12),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ]
            ),
        )

        # client box + total box
        client_w = CONTENT_W * 0.56
        total_w = CONTENT_W - client_w
        client: list = []
        if inv.client is not None:
            client = [
                Paragraph(_esc(L["client"].upper()), S["caption"]),
                Spacer(0, 2),
                Paragraph(_esc(inv.client.name), S["client_name"]),
                Spacer(0, 1),
                _party_paragraph(inv.client, L, S["party"]),
            ]
        amount = [
            Paragraph(_esc(L["amount_due"].upper()), S["caption"]),
            Spacer(0, 2),
            Paragraph(_esc(self.money(inv.total)), S["amount_big"]),
        ]
        if inv.due_date and not self.voided:
            amount.append(
                Paragraph(_esc(L["due_line"].format(date=self.when(inv.due_date))), S["small"])
            )
        if not inv.paid and inv.paid_amount and inv.paid_amount > 0:
            amount.append(
                Paragraph(_esc(f"{L['outstanding']}: {self.money(inv.outstanding)}"), S["small"])
            )
        if self.voided:
            amount += [Spacer(0, 4), _Stamp(L["void_stamp"], VOID_RED)]
        elif self.draft:
            amount += [Spacer(0, 4), _Stamp(L["draft_stamp"], DRAFT_GREY)]
        elif inv.paid:
            amount += [Spacer(0, 4), _Stamp(L["paid_stamp"])]

        box_style = [
            ("FONT", (0, 0), (-1, -1), FONT, 9),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (1, 0), (1, 0), ACCENT_LIGHT),
            ("LEFTPADDING", (0, 0), (0, 0), 9),
            ("LEFTPADDING", (1, 0), (1, 0), 10),
            ("RIGHTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, -1), 6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
        ]
        if client:
            box_style.append(("LINEBEFORE", (0, 0), (0, 0), 2, ACCENT))
        boxes = Table(
            [[client or "", amount]],
            colWidths=[client_w - 8, total_w + 8],
            style=TableStyle(box_style),
        )
        stacked = [
            *([qr] if qr else []),
            *issuer,
            Spacer(0, 8),
            *right,
            Spacer(0, 14),
            *client,
            Spacer(0, 10),
            *amount,
            Spacer(0, 16),
        ]
        if self._header_may_be_huge():
            # A one-row table taller than a page cannot be split: with absurdly long
            # party data fall back to stacking the blocks, which flow over pages.
            frame_h = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM
            if top.wrap(CONTENT_W, frame_h)[1] + boxes.wrap(CONTENT_W, frame_h)[1] > frame_h * 0.8:
                return stacked
        return [top, Spacer(0, 14), boxes, Spacer(0, 16)]

    def _header_may_be_huge(self) -> bool:
        inv = self.inv
        size = len(inv.number) + len(inv.series)
        for party in (inv.issuer, inv.client):
            if party is not None:
                size += sum(len(getattr(party, f.name)) for f in dataclasses.fields(party))
        return size > 800

    # ----------------------------------------------------------- notice boxes
    def info_box(
        self, caption: str, items: list[tuple[str, str]], color, background
    ) -> _PagedTable:
        """A box of label/value rows under a caption, with a coloured rule on its left.
        Values are free text of any length: the box is a _PagedTable, so it flows over
        pages at the cost of its lines."""
        label_w = max(_width(label) for label, _ in items) + 2 * CELL_PAD + 8
        label_w = min(label_w, CONTENT_W * 0.32)
        value_w = CONTENT_W - label_w
        caption_h = 9 + 6 + 2
        rows: list[list[str]] = [[caption, ""]]
        heights = [caption_h]
        for label, value in items:
            text = "\n".join(_capped_lines(value, MAX_TEXT_LINE_BREAKS))
            lines = _wrap_lines(text, FONT, TABLE_FS, value_w - 2 * CELL_PAD)
            label_text = _cell(label, label_w - 2 * CELL_PAD - 8)
            for k, chunk in enumerate(_chunks(lines)):
                cells = [label_text if k == 0 else "", chunk]
                n = max(cell.count("\n") + 1 for cell in cells)
                rows.append(cells)
                heights.append(n * LEADING + 4)
        heights[-1] += 4  # the last row's larger bottom padding
        last = len(rows) - 1

        def row_style(a: int, b: int, offset: int) -> list[tuple]:
            style = []
            if a == 0:
                style += [
                    ("FONT", (0, 0), (-1, 0), FONT_BOLD, 7, 9),
                    ("TEXTCOLOR", (0, 0), (-1, 0), color),
                    ("TOPPADDING", (0, 0), (-1, 0), 6),
                ]
            if b - 1 == last:
                style.append(("BOTTOMPADDING", (0, -1), (-1, -1), 6))
            return style

        style = [
            ("FONT", (0, 0), (-1, -1), FONT, TABLE_FS, LEADING),
            ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
            ("TEXTCOLOR", (1, 0), (1, -1), INK),
            ("BACKGROUND", (0, 0), (-1, -1), background),
            ("LINEBEFORE", (0, 0), (0, -1), 2, color),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (0, -1), CELL_PAD + 8),
            ("LEFTPADDING", (1, 0), (1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        return _PagedTable(rows, heights, [label_w, value_w], style, row_style=row_style)

    def notices(self) -> list:
        """What a legal record adds before the lines: the voiding, the rectified invoice."""
        inv, L = self.inv, self.L
        out: list = []
        if self.voided:
            items = [(L["void_reason"], inv.void_reason.strip() or "—")]
            out += [self.info_box(L["voided"].upper(), items, VOID_RED, VOID_LIGHT), Spacer(0, 10)]
        if self.corrective:
            items = []
            if inv.corrects is not None:
                ref = (
                    L["corrected_ref"].format(
                        number=inv.corrects.number, date=self.when(inv.corrects.issue_date)
                    )
                    if inv.corrects.issue_date
                    else inv.corrects.number
                )
                items.append((L["corrected"], ref))
            kind = inv.correction_type or inv.invoice_type
            items.append((L["correction_type"], f"{kind} · {L[kind]}"))
            if inv.correction_method:
                method = L[f"method:{inv.correction_method}"]
                items.append((L["correction_method"], method[:1].upper() + method[1:]))
            if inv.correction_reason.strip():
                items.append((L["correction_reason"], inv.correction_reason.strip()))
            if items:
                out += [
                    self.info_box(L["corrected"].upper(), items, ACCENT, ACCENT_LIGHT),
                    Spacer(0, 10),
                ]
        return out

    # ------------------------------------------------------------------- lines
    def lines_table(self) -> _PagedTable:
        inv, L = self.inv, self.L
        lines = list(inv.lines)
        show_re = any(_exact(ln.surcharge_percent) != 0 for ln in lines)

        header = [
            L["description"],
            L["quantity"],
            L["unit_price"],
            L["discount_short"],
            L["iva_short"],
        ]
        if show_re:
            header.append(L["surcharge_short"])
        header.append(L["line_total"])

        rows_txt = []
        for ln in lines:
            taxed = ln.treatment == TAXED
            row = [
                format_quantity(ln.quantity, self.loc),
                format_unit_price(ln.unit_price, self.loc, self.cur),
                self.pct(ln.discount_percent),
                self.pct(ln.iva_percent) if taxed else self.short_treatment(ln.treatment),
            ]
            if show_re:
                row.append(self.pct(ln.surcharge_percent) if taxed else "—")
            row.append(self.money(ln.total))
            rows_txt.append(row)

        # numeric column widths from their content (capped), description gets the rest
        ncols = len(header) - 1
        widths = []
        for i in range(ncols):
            w = _width(header[i + 1], FONT_BOLD, 7.5)
            bold = i == ncols - 1
            for row in rows_txt:
                w = max(w, _width(row[i], FONT_BOLD if bold else FONT))
            widths.append(max(w, 20) + 2 * CELL_PAD)
        widths = _fit_widths(widths, CONTENT_W * 0.62)
        desc_w = CONTENT_W - sum(widths)
        col_widths = [desc_w, *widths]

        # A description taller than CHUNK_LINES lines is cut into several table rows (the
        # numbers stay on the first one) so that it can flow over pages.
        rows: list[list[str]] = []
        heights: list[float] = []
        group: list[int] = []  # the invoice line each row belongs to
        first: list[bool] = []
        last: list[bool] = []
        for n, (ln, row) in enumerate(zip(lines, rows_txt, strict=True)):
            text = "\n".join(_capped_lines(ln.description, MAX_DESCRIPTION_LINE_BREAKS))
            chunks = _chunks(_wrap_lines(text, FONT, TABLE_FS, desc_w - 2 * CELL_PAD))
            numbers = [
                _cell(
                    t, widths[i] - 2 * CELL_PAD, FONT_BOLD if i == ncols - 1 else FONT, numeric=True
                )
                for i, t in enumerate(row)
            ]
            for k, chunk in enumerate(chunks):
                cells = [chunk, *numbers] if k == 0 else [chunk] + [""] * ncols
                is_first, is_last = k == 0, k == len(chunks) - 1
                n_lines = max(cell.count("\n") + 1 for cell in cells)
                rows.append(cells)
                heights.append(n_lines * LEADING + (4 if is_first else 1) + (4 if is_last else 0))
                group.append(n)
                first.append(is_first)
                last.append(is_last)
        if not lines:
            rows.append([L["no_lines"]] + [""] * ncols)
            heights.append(LEADING + 8)
            group.append(0)
            first.append(True)
            last.append(True)
        one_row_per_line = all(first) and all(last)

        def row_style(a: int, b: int, offset: int) -> list[tuple]:
            if one_row_per_line:  # the cheap, common case: ranges, not one command per row
                stripes = [colors.white, ZEBRA] if group[a] % 2 == 0 else [ZEBRA, colors.white]
                return [
                    ("ROWBACKGROUNDS", (0, offset), (-1, -1), stripes),
                    ("LINEBELOW", (0, offset), (-1, -1), 0.25, RULE),
                ]
            style = []
            for i in range(a, b):
                r = offset + i - a
                if group[i] % 2:
                    style.append(("BACKGROUND", (0, r), (-1, r), ZEBRA))
                if last[i]:
                    style.append(("LINEBELOW", (0, r), (-1, r), 0.25, RULE))
                else:  # glue the chunks of one description together
                    style.append(("BOTTOMPADDING", (0, r), (-1, r), 0))
                if not first[i]:
                    style.append(("TOPPADDING", (0, r), (-1, r), 1))
            return style

        style = [
            ("FONT", (0, 0), (-1, 0), FONT_BOLD, 7.5),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
            ("FONT", (0, 1), (-1, -1), FONT, TABLE_FS, LEADING),
            ("TEXTCOLOR", (0, 1), (-1, -1), INK),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
            ("VALIGN", (0, 1), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, 0), 5),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 5),
            ("TOPPADDING", (0, 1), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 1), (-1, -1), 4),
            ("FONT", (-1, 1), (-1, -1), FONT_BOLD, TABLE_FS, LEADING),
        ]
        header_lines = max(h.count("\n") + 1 for h in header)
        return _PagedTable(
            rows,
            heights,
            col_widths,
            style,
            header=header,
            header_height=header_lines * 7.5 * 1.2 + 10,
            row_style=row_style,
        )

    # ----------------------------------------------------------------- summary
    def breakdown_table(self, width: float) -> Table:
        inv, L = self.inv, self.L
        taxes = list(inv.taxes)
        show_re = any(_exact(t.surcharge) != 0 or _exact(t.surcharge_percent) != 0 for t in taxes)
        header = [L["rate"], L["base"], L["iva_amount"]]
        if show_re:
            header += [L["surcharge_rate"], L["surcharge_amount"]]
        rows = []
        for t in taxes:
            if t.treatment == TAXED:
                row = [
                    L["iva_rate_label"].format(rate=self.pct(t.iva_percent)),
                    self.money(t.base),
                    self.money(t.iva),
                ]
                if show_re:
                    row += [self.pct(t.surcharge_percent), self.money(t.surcharge)]
            else:  # not "IVA 0 %": the row says why no IVA is charged
                row = [L[f"row:{t.treatment}"], self.money(t.base), "—"]
                if show_re:
                    row += ["—", "—"]
            rows.append(row)
        # widths from content; spare room goes to the amount columns
        natural = []
        for i, h in enumerate(header):
            w = max([_width(h, FONT_BOLD, 7.5)] + [_width(r[i]) for r in rows])
            natural.append(w + 2 * CELL_PAD + (0 if i == 0 else 6))
        col_widths = _fit_widths(natural, width)
        spare = width - sum(col_widths)
        if spare > 0:
            grow = [i for i in range(1, len(header)) if header[i] != L["surcharge_rate"]]
            for i in grow:
                col_widths[i] += spare / len(grow)
        data = [header] + [
            [_cell(r[0], col_widths[0] - 2 * CELL_PAD)]
            + [
                _cell(v, col_widths[i + 1] - 2 * CELL_PAD, numeric=True)
                for i, v in enumerate(r[1:])
            ]
            for r in rows
        ]
        return Table(
            data,
            colWidths=col_widths,
            style=TableStyle(
                [
                    ("FONT", (0, 0), (-1, 0), FONT_BOLD, 7.5),
                    ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
                    ("FONT", (0, 1), (-1, -1), FONT, TABLE_FS, LEADING),
                    ("TEXTCOLOR", (0, 1), (-1, -1), INK),
                    ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
                    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
                    ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            ),
        )

    def totals_table(self, width: float) -> Table:
        inv, L = self.inv, self.L
        rows: list[tuple[str, str]] = [(L["subtotal"], self.money(inv.subtotal))]
        if inv.discount and inv.discount > 0:
            label = (
                L["discount_pct"].format(rate=self.pct(inv.discount_percent))
                if inv.discount_percent and inv.discount_percent > 0
                else L["discount"]
            )
            rows.append((label, self.money(-inv.discount)))
        rows.append((L["tax_base"], self.money(inv.tax_base)))
        rows.append((L["total_iva"], self.money(inv.iva)))
        if inv.surcharge and inv.surcharge > 0:
            rows.append((L["total_surcharge"], self.money(inv.surcharge)))
        if inv.irpf and inv.irpf > 0:
            rows.append((L["irpf"].format(rate=self.pct(inv.irpf_percent)), self.money(-inv.irpf)))
        total_idx = len(rows)
        rows.append((L["total"], self.money(inv.total)))
        if inv.paid_amount and inv.paid_amount > 0:
            rows.append((L["paid_amount"], self.money(inv.paid_amount)))
            rows.append((L["outstanding"], self.money(inv.outstanding)))

        nat_value = (
            max(
                _width(v, FONT_BOLD if i == total_idx else FONT, 11 if i == total_idx else TABLE_FS)
                for i, (_, v) in enumerate(rows)
            )
            + 2 * CELL_PAD
            + 2
        )
        # amounts keep their natural width as far as possible; labels wrap first
        value_w = max(min(nat_value, width - 75), width * 0.4)
        label_w = width - value_w
        data = []
        for i, (k, v) in enumerate(rows):
            font = (FONT_BOLD, 11) if i == total_idx else (FONT, TABLE_FS)
            data.append(
                [
                    _cell(k, label_w - 2 * CELL_PAD, *font),
                    _cell(v, value_w - 2 * CELL_PAD, *font, numeric=True),
                ]
            )
        t = total_idx
        return Table(
            data,
            colWidths=[label_w, value_w],
            style=TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, TABLE_FS, LEADING),
                    ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
                    ("TEXTCOLOR", (1, 0), (1, -1), INK),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
                    ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                    ("LINEBELOW", (0, 0), (-1, t - 2), 0.25, RULE),
                    ("LINEBELOW", (0, t - 1), (-1, t - 1), 0.8, INK),
                    ("FONT", (0, t), (-1, t), FONT_BOLD, 11, 13.5),
                    ("TEXTCOLOR", (0, t), (-1, t), colors.white),
                    ("BACKGROUND", (0, t), (-1, t), ACCENT),
                    ("TOPPADDING", (0, t), (-1, t), 6),
                    ("BOTTOMPADDING", (0, t), (-1, t), 6),
                ]
            ),
        )

    def summary(self) -> list:
        gap = 14
        totals_w = CONTENT_W * 0.42
        breakdown_w = CONTENT_W - totals_w - gap
        left = [
            Paragraph(_esc(self.L["breakdown"]), self.S["section"]),
            self.breakdown_table(breakdown_w),
        ]
        right = [Spacer(0, 11 + 3), self.totals_table(totals_w)]
        grid = Table(
            [[left, "", right]],
            colWidths=[breakdown_w, gap, totals_w],
            style=TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 9),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ]
            ),
        )
        return [Spacer(0, 6), KeepTogether([grid])]

    def legal_notes(self) -> list:
        """Each legal mention that a line's or a row's treatment calls for, once."""
        codes = self.treatments()
        if not codes:
            return []
        L, S = self.L, self.S
        return [
            Paragraph(_esc(L["legal_notes"]), S["section"]),
            Paragraph("<br/>".join(_esc(L[f"mention:{code}"]) for code in codes), S["small"]),
        ]

    def payment(self) -> list:
        inv, L, S = self.inv, self.L, self.S
        out: list = []
        items = []
        if not self.voided:  # nothing is to be paid for a voided invoice
            if inv.iban.strip():
                items.append(_esc(L["payment_transfer"].format(iban=inv.iban.strip())))
            if inv.due_date:
                items.append(_esc(L["due_line"].format(date=self.when(inv.due_date))))
        if items:
            out.append(
                KeepTogether(
                    [
                        Paragraph(_esc(L["payment"]), S["section"]),
                        Paragraph("<br/>".join(items), S["small"]),
                    ]
                )
            )
        if inv.notes.strip():
            out.append(Paragraph(_esc(L["notes"]), S["section"]))
            out += _paragraphs(inv.notes.strip(), S["small"])
        if inv.footer.strip():
            out.append(Spacer(0, 10))
            out += _paragraphs(inv.footer.strip(), S["muted"])
        return out

    # -------------------------------------------------------------------- page
    def on_page(self, canv: Canvas, doc) -> None:
        canv.page_label_fmt = self.L["page"]
        canv.saveState()
        y_line = MARGIN_BOTTOM - 7 * mm
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN_X, y_line, PAGE_W - MARGIN_X, y_line)
        canv.setStrokeColor(VOID_RED if self.voided else ACCENT)
        canv.setLineWidth(2.5)
        canv.line(0, PAGE_H - 1.2, PAGE_W, PAGE_H - 1.2)
        canv.setFont(FONT, 7.5)
        canv.setFillColor(MUTED)
        inv = self.inv
        parts = [inv.issuer.name.strip()]
        if inv.issuer.tax_id.strip():
            parts.append(f"{self.L['tax_id']} {inv.issuer.tax_id.strip()}")
        parts.append(self.invoice_ref())
        if self.voided:
            parts.append(self.L["void_stamp"])
        text = " · ".join(p for p in parts if p)
        text = " ".join(_LINE_BREAK_RE.split(text))
        text = _truncate(text, FONT, 7.5, CONTENT_W - 30 * mm)
        canv.drawString(MARGIN_X, MARGIN_BOTTOM - 11 * mm, text)
        canv.restoreState()

    def on_page_end(self, canv: Canvas, doc) -> None:
        """A voided invoice or a draft is marked across every page, over the content (in a
        transparent colour, so that everything stays legible): no page of it can pass for a
        valid invoice on its own."""
        if not (self.voided or self.draft):
            return
        word = self.L["void_stamp"] if self.voided else self.L["draft_stamp"]
        canv.saveState()
        canv.setFillColor(VOID_RED if self.voided else DRAFT_GREY)
        canv.setFillAlpha(0.13)
        size = min(110, 0.8 * 1.41 * PAGE_W / max(_width(word, FONT_BOLD, 1), 1))
        canv.setFont(FONT_BOLD, size)
        canv.translate(PAGE_W / 2, PAGE_H / 2)
        canv.rotate(54)
        canv.drawCentredString(0, -size * 0.35, word)
        canv.restoreState()

    def build(self) -> bytes:
        inv = self.inv
        buf = BytesIO()
        subject = self.invoice_ref()
        if inv.client is not None:
            subject += f" · {inv.client.name}"
        doc = BaseDocTemplate(
            buf,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=self.invoice_ref(),
            author=inv.issuer.name,
            subject=subject,
            creator="FACTURAgem",
            lang="es-ES" if self.loc == "es" else "en",
            pageCompression=1,
            initialFontName=FONT,  # or reportlab references Helvetica on every page
            initialFontSize=9,
        )
        frame = Frame(
            MARGIN_X,
            MARGIN_BOTTOM,
            CONTENT_W,
            PAGE_H - MARGIN_TOP - MARGIN_BOTTOM,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="body",
        )
        doc.addPageTemplates(
            [
                PageTemplate(
                    id="invoice", frames=[frame], onPage=self.on_page, onPageEnd=self.on_page_end
                )
            ]
        )
        story: list = []
        story += self.header()
        story += self.notices()
        story.append(self.lines_table())
        story += self.summary()
        story += self.legal_notes()
        story += self.payment()
        doc.build(story, canvasmaker=_NumberedCanvas)
        return buf.getvalue()


_INVOICE_TEXT_FIELDS = (
    "number",
    "series",
    "currency",
    "iban",
    "notes",
    "footer",
    "void_reason",
    "correction_type",
    "correction_method",
    "correction_reason",
)
_PARTY_FIELDS = tuple(f.name for f in dataclasses.fields(PdfParty))


def _none_to_empty(obj, names):
    changes = {n: "" for n in names if getattr(obj, n) is None}
    return dataclasses.replace(obj, **changes) if changes else obj


def _checked(value: str, allowed: Sequence[str], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what} {value!r} is not one of {', '.join(allowed)}")
    return value


def _tolerant(inv: InvoicePdf) -> InvoicePdf:
    """Treat None in text fields (a nullable model column) as ""; freeze the sequences;
    refuse codes the renderer does not know (it would print wrong legal words)."""
    inv = _none_to_empty(inv, _INVOICE_TEXT_FIELDS)
    inv = dataclasses.replace(inv, lines=tuple(inv.lines or ()), taxes=tuple(inv.taxes or ()))
    _checked(inv.invoice_type or "F1", INVOICE_TYPES, "invoice_type")
    _checked(inv.status or "issued", STATUSES, "status")
    _checked(inv.correction_type, ("", *CORRECTION_TYPES), "correction_type")
    _checked(inv.correction_method, ("", *CORRECTION_METHODS), "correction_method")
    for item in (*inv.lines, *inv.taxes):
        _checked(item.treatment or TAXED, TREATMENTS, "treatment")
    corrects = inv.corrects
    if corrects is not None:
        corrects = _none_to_empty(corrects, ("number",))
    return dataclasses.replace(
        inv,
        invoice_type=inv.invoice_type or "F1",
        status=inv.status or "issued",
        issuer=_none_to_empty(inv.issuer, _PARTY_FIELDS),
        client=None if inv.client is None else _none_to_empty(inv.client, _PARTY_FIELDS),
        corrects=corrects,
        lines=tuple(
            ln if ln.treatment else dataclasses.replace(ln, treatment=TAXED) for ln in inv.lines
        ),
        taxes=tuple(
            t if t.treatment else dataclasses.replace(t, treatment=TAXED) for t in inv.taxes
        ),
    )


def render_invoice_pdf(invoice: InvoicePdf, *, locale: str = "es") -> bytes:
    """Render ``invoice`` as an A4 PDF and return its bytes.

    ``locale`` is "es" (default) or "en"; "en-GB"/"en_US" count as "en" and anything
    else falls back to "es". The words come from Django's catalogues in that language
    (the caller's active language is left as it was).
    """
    loc = _norm_locale(locale)
    with translation.override(loc):
        return _Builder(_tolerant(invoice), loc).build()
