"""Invoice PDF renderer (factura completa, Real Decreto 1619/2012 art. 6).

This module deliberately knows nothing about Django: it renders a plain,
immutable data structure (:class:`InvoicePdf`) to PDF bytes with reportlab's
platypus. The Django side adapts its ``Invoice`` model to these dataclasses.

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
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from io import BytesIO

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
    LongTable,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

__all__ = [
    "InvoicePdf",
    "PdfLine",
    "PdfParty",
    "PdfTaxRow",
    "format_date",
    "format_money",
    "format_number",
    "format_percent",
    "format_quantity",
    "format_unit_price",
    "render_invoice_pdf",
]


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


@dataclass(frozen=True)
class PdfTaxRow:
    iva_percent: Decimal
    base: Decimal
    iva: Decimal
    surcharge_percent: Decimal
    surcharge: Decimal


@dataclass(frozen=True)
class InvoicePdf:
    number: str
    series: str
    issue_date: date
    operation_date: date | None
    due_date: date | None
    issuer: PdfParty
    client: PdfParty
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


# --------------------------------------------------------------------- formatting

_SEPARATORS = {"es": (".", ","), "en": (",", ".")}
_CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
_ZERO = Decimal(0)


def _norm_locale(locale: str | None) -> str:
    """ "es" or "en"; "en-GB"/"en_US" count as "en", anything else is "es"."""
    if not locale:
        return "es"
    lang = str(locale).replace("_", "-").split("-", 1)[0].lower()
    return "en" if lang == "en" else "es"


def _to_decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if value is None:
        return _ZERO
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return Decimal(str(value))


def _group(digits: str, sep: str) -> str:
    if len(digits) <= 3:
        return digits
    head = len(digits) % 3 or 3
    parts = [digits[:head]]
    parts.extend(digits[i : i + 3] for i in range(head, len(digits), 3))
    return sep.join(parts)


def _plain_digits(value: Decimal) -> tuple[bool, str, str]:
    """(negative, integer digits, fraction digits) of an already quantized value."""
    negative = value < 0
    text = format(abs(value), "f")
    whole, _, frac = text.partition(".")
    return negative, whole, frac


def _join(negative: bool, whole: str, frac: str, locale: str) -> str:
    thousands, decimal_sep = _SEPARATORS[_norm_locale(locale)]
    out = _group(whole, thousands)
    if frac:
        out = f"{out}{decimal_sep}{frac}"
    return f"-{out}" if negative else out


def format_number(value, decimals: int = 2, locale: str = "es") -> str:
    """Fixed number of decimals, rounded half up: 1234.5 -> "1.234,50" (es)."""
    value = _to_decimal(value)
    exp = Decimal(1).scaleb(-decimals)
    q = value.quantize(exp, rounding=ROUND_HALF_UP)
    negative, whole, frac = _plain_digits(q)
    if q == 0:
        negative = False
    return _join(negative, whole, frac, locale)


def _format_trimmed(value, max_decimals: int, min_decimals: int, locale: str) -> str:
    value = _to_decimal(value)
    q = value.quantize(Decimal(1).scaleb(-max_decimals), rounding=ROUND_HALF_UP)
    negative, whole, frac = _plain_digits(q)
    frac = frac.rstrip("0")
    if len(frac) < min_decimals:
        frac = frac.ljust(min_decimals, "0")
    if q == 0:
        negative = False
    return _join(negative, whole, frac, locale)


def format_quantity(value, locale: str = "es") -> str:
    """Quantity without useless zeros: 2 -> "2", 1.50 -> "1,5", 0.125 -> "0,125"."""
    return _format_trimmed(value, 6, 0, locale)


def format_percent(value, locale: str = "es") -> str:
    """21 -> "21 %", 7.50 -> "7,5 %" (es); 21 -> "21%" (en)."""
    loc = _norm_locale(locale)
    num = _format_trimmed(value, 4, 0, loc)
    return f"{num}%" if loc == "en" else f"{num} %"


def _with_currency(num: str, currency: str, locale: str) -> str:
    code = (currency or "EUR").upper()
    symbol = _CURRENCY_SYMBOLS.get(code)
    if _norm_locale(locale) == "en":
        if symbol is None:
            return f"{num} {code}"
        if num.startswith("-"):
            return f"-{symbol}{num[1:]}"
        return f"{symbol}{num}"
    return f"{num} {symbol or code}"


def format_money(value, locale: str = "es", currency: str = "EUR") -> str:
    """1234.56 -> "1.234,56 €" (es) / "€1,234.56" (en); -5 -> "-5,00 €"."""
    return _with_currency(format_number(value, 2, locale), currency, locale)


def format_unit_price(value, locale: str = "es", currency: str = "EUR") -> str:
    """Like :func:`format_money` but keeps up to 6 significant decimals (0,0125 €)."""
    return _with_currency(_format_trimmed(value, 6, 2, locale), currency, locale)


def format_date(value: date | None, locale: str = "es") -> str:
    """21/11/2026 (es) or 2026-11-21 (en, ISO 8601, unambiguous)."""
    if value is None:
        return ""
    if _norm_locale(locale) == "en":
        return value.isoformat()
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


# ------------------------------------------------------------------------- labels

_LABELS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Factura",
        "number": "Número",
        "series": "Serie",
        "issue_date": "Fecha de expedición",
        "operation_date": "Fecha de operación",
        "due_date": "Vencimiento",
        "client": "Cliente",
        "tax_id": "NIF",
        "amount_due": "Importe total",
        "description": "Descripción",
        "quantity": "Cantidad",
        "unit_price": "Precio unitario",
        "discount_short": "Dto.",
        "iva_short": "IVA",
        "surcharge_short": "Rec. eq.",
        "line_total": "Importe",
        "breakdown": "Desglose de impuestos",
        "rate": "Tipo",
        "base": "Base imponible",
        "iva_amount": "Cuota IVA",
        "surcharge_rate": "Rec. eq.",
        "surcharge_amount": "Cuota rec.",
        "iva_rate_label": "IVA {rate}",
        "subtotal": "Subtotal",
        "discount": "Descuento",
        "discount_pct": "Descuento ({rate})",
        "tax_base": "Base imponible",
        "total_iva": "Total IVA",
        "total_surcharge": "Recargo de equivalencia",
        "irpf": "Retención IRPF ({rate})",
        "total": "TOTAL",
        "paid_amount": "Pagado",
        "outstanding": "Pendiente de pago",
        "payment": "Datos de pago",
        "payment_transfer": "Forma de pago: transferencia bancaria a {iban}",
        "due_line": "Fecha de vencimiento: {date}",
        "notes": "Observaciones",
        "paid_stamp": "PAGADA",
        "page": "Página {page} de {pages}",
        "no_lines": "(sin conceptos)",
    },
    "en": {
        "title": "Invoice",
        "number": "Invoice no.",
        "series": "Series",
        "issue_date": "Issue date",
        "operation_date": "Operation date",
        "due_date": "Due date",
        "client": "Bill to",
        "tax_id": "Tax ID",
        "amount_due": "Invoice total",
        "description": "Description",
        "quantity": "Qty",
        "unit_price": "Unit price",
        "discount_short": "Disc.",
        "iva_short": "VAT",
        "surcharge_short": "Surch.",
        "line_total": "Amount",
        "breakdown": "Tax breakdown",
        "rate": "Rate",
        "base": "Tax base",
        "iva_amount": "VAT amount",
        "surcharge_rate": "Surch. rate",
        "surcharge_amount": "Surcharge",
        "iva_rate_label": "VAT {rate}",
        "subtotal": "Subtotal",
        "discount": "Discount",
        "discount_pct": "Discount ({rate})",
        "tax_base": "Tax base",
        "total_iva": "Total VAT",
        "total_surcharge": "Equivalence surcharge",
        "irpf": "IRPF withholding ({rate})",
        "total": "TOTAL",
        "paid_amount": "Paid",
        "outstanding": "Outstanding",
        "payment": "Payment details",
        "payment_transfer": "Payment method: bank transfer to {iban}",
        "due_line": "Due date: {date}",
        "notes": "Notes",
        "paid_stamp": "PAID",
        "page": "Page {page} of {pages}",
        "no_lines": "(no items)",
    },
}

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


# ----------------------------------------------------------------------- helpers


def _esc(text: str) -> str:
    """Escape user text for a Paragraph; keep line breaks."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\n", "<br/>")


def _width(text: str, font: str = FONT, size: float = TABLE_FS) -> float:
    return pdfmetrics.stringWidth(text, font, size)


_SPACES_RE = re.compile(r"[ \t]+")


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
    the table measures and draws); used for every table cell.
    """
    measure = pdfmetrics.getFont(font).stringWidth
    space = measure(" ", size)
    lines: list[str] = []
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    for para in text.split("\n"):
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
    """Table cell text wrapped to ``avail`` points (a plain string, "\n" between lines).

    ``numeric`` keeps "21 %" / "1.234,56 €" in one piece: if it does not fit it is cut
    between characters rather than at the space. "15 %" in labels is never split.
    """
    if "\n" not in text and pdfmetrics.stringWidth(text, font, size) <= avail:
        return text
    # no-break spaces only while wrapping, so that the PDF text keeps plain spaces
    text = text.replace(" ", "\u00a0") if numeric else text.replace(" %", "\u00a0%")
    return "\n".join(_wrap_lines(text, font, size, avail)).replace("\u00a0", " ")


CHUNK_LINES = 12  # descriptions longer than this many lines are cut into several rows


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


class _PaidStamp(Flowable):
    """A rubber-stamp style "PAGADA"/"PAID" mark, slightly rotated."""

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
        self.L = _LABELS[locale]
        self.S = _get_styles()
        self.cur = inv.currency or "EUR"

    # formatting shortcuts
    def money(self, v) -> str:
        return format_money(v, self.loc, self.cur)

    def pct(self, v) -> str:
        return format_percent(v, self.loc)

    def when(self, d) -> str:
        return format_date(d, self.loc)

    def invoice_ref(self) -> str:
        inv = self.inv
        ref = f"{self.L['title']} {inv.number}"
        if inv.series.strip():
            ref += f" · {self.L['series']} {inv.series}"
        return ref

    # ------------------------------------------------------------------ header
    def header(self) -> list:
        inv, L, S = self.inv, self.L, self.S
        left_w = CONTENT_W * 0.56
        right_w = CONTENT_W - left_w

        issuer = [
            Paragraph(_esc(inv.issuer.name), S["issuer_name"]),
            Spacer(0, 3),
            _party_paragraph(inv.issuer, L, S["party"]),
        ]

        meta_rows = []
        if inv.series.strip():
            meta_rows.append((L["series"], inv.series))
        meta_rows.append((L["number"], inv.number))
        meta_rows.append((L["issue_date"], self.when(inv.issue_date)))
        if inv.operation_date and inv.operation_date != inv.issue_date:
            meta_rows.append((L["operation_date"], self.when(inv.operation_date)))
        if inv.due_date:
            meta_rows.append((L["due_date"], self.when(inv.due_date)))
        label_w = max(_width(k, FONT, 8) for k, _ in meta_rows) + 2 * CELL_PAD
        label_w = min(label_w, right_w * 0.6)
        value_w = right_w - label_w
        meta = Table(
            [[k, _cell(v, value_w - 2 * CELL_PAD, FONT_BOLD, 8.5)] for k, v in meta_rows],
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
        right = [Paragraph(_esc(L["title"].upper()), S["title"]), Spacer(0, 6), meta]

        top = Table(
            [[issuer, right]],
            colWidths=[left_w, right_w],
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
        if inv.due_date:
            amount.append(
                Paragraph(_esc(L["due_line"].format(date=self.when(inv.due_date))), S["small"])
            )
        if not inv.paid and inv.paid_amount and inv.paid_amount > 0:
            amount.append(
                Paragraph(_esc(f"{L['outstanding']}: {self.money(inv.outstanding)}"), S["small"])
            )
        if inv.paid:
            amount += [Spacer(0, 4), _PaidStamp(L["paid_stamp"])]

        boxes = Table(
            [[client, amount]],
            colWidths=[client_w - 8, total_w + 8],
            style=TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 9),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBEFORE", (0, 0), (0, 0), 2, ACCENT),
                    ("BACKGROUND", (1, 0), (1, 0), ACCENT_LIGHT),
                    ("LEFTPADDING", (0, 0), (0, 0), 9),
                    ("LEFTPADDING", (1, 0), (1, 0), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                    ("TOPPADDING", (0, 0), (-1, -1), 6),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            ),
        )
        if self._header_may_be_huge():
            # A one-row table taller than a page cannot be split: with absurdly long
            # party data fall back to stacking the blocks, which flow over pages.
            frame_h = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM
            if top.wrap(CONTENT_W, frame_h)[1] + boxes.wrap(CONTENT_W, frame_h)[1] > frame_h * 0.8:
                return [
                    *issuer,
                    Spacer(0, 8),
                    *right,
                    Spacer(0, 14),
                    *client,
                    Spacer(0, 10),
                    *amount,
                    Spacer(0, 16),
                ]
        return [top, Spacer(0, 14), boxes, Spacer(0, 16)]

    def _header_may_be_huge(self) -> bool:
        inv = self.inv
        size = len(inv.number) + len(inv.series)
        for party in (inv.issuer, inv.client):
            size += sum(len(getattr(party, f.name)) for f in dataclasses.fields(party))
        return size > 800

    # ------------------------------------------------------------------- lines
    def lines_table(self) -> Table:
        inv, L = self.inv, self.L
        lines = list(inv.lines)
        show_re = any(_to_decimal(ln.surcharge_percent) != 0 for ln in lines)

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
            row = [
                format_quantity(ln.quantity, self.loc),
                format_unit_price(ln.unit_price, self.loc, self.cur),
                self.pct(ln.discount_percent),
                self.pct(ln.iva_percent),
            ]
            if show_re:
                row.append(self.pct(ln.surcharge_percent))
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

        data = [header]
        # A description taller than CHUNK_H is cut into several table rows (the numbers
        # stay on the first one) so that it can flow over pages: a single table row
        # cannot be split by platypus without splitInRow, whose by-row/in-row fallback
        # repeats the header in the middle of a page.
        groups: list[tuple[int, int]] = []  # (first row, last row) of each invoice line
        for ln, row in zip(lines, rows_txt, strict=True):
            first = len(data)
            desc = _cell(ln.description or "", desc_w - 2 * CELL_PAD)
            if desc.count("\n") >= CHUNK_LINES:
                split = desc.split("\n")
                chunks = [
                    "\n".join(split[i : i + CHUNK_LINES]) for i in range(0, len(split), CHUNK_LINES)
                ]
            else:
                chunks = [desc]
            data.append(
                [
                    chunks[0],
                    *(
                        _cell(
                            t,
                            widths[i] - 2 * CELL_PAD,
                            FONT_BOLD if i == ncols - 1 else FONT,
                            numeric=True,
                        )
                        for i, t in enumerate(row)
                    ),
                ]
            )
            data.extend([chunk] + [""] * ncols for chunk in chunks[1:])
            groups.append((first, len(data) - 1))
        if not lines:
            data.append([L["no_lines"]] + [""] * ncols)

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
        if len(groups) == len(data) - 1:  # one row per line: the cheap, common case
            style += [
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
            ]
        else:
            for n, (r0, r1) in enumerate(groups):
                if n % 2:
                    style.append(("BACKGROUND", (0, r0), (-1, r1), ZEBRA))
                style.append(("LINEBELOW", (0, r1), (-1, r1), 0.25, RULE))
                if r1 > r0:  # glue the chunks of one description together
                    style.append(("BOTTOMPADDING", (0, r0), (-1, r1 - 1), 0))
                    style.append(("TOPPADDING", (0, r0 + 1), (-1, r1), 1))
        return LongTable(data, colWidths=col_widths, repeatRows=1, style=TableStyle(style))

    # ----------------------------------------------------------------- summary
    def breakdown_table(self, width: float) -> Table:
        inv, L = self.inv, self.L
        taxes = list(inv.taxes)
        show_re = any(
            _to_decimal(t.surcharge) != 0 or _to_decimal(t.surcharge_percent) != 0 for t in taxes
        )
        header = [L["rate"], L["base"], L["iva_amount"]]
        if show_re:
            header += [L["surcharge_rate"], L["surcharge_amount"]]
        rows = []
        for t in taxes:
            row = [
                L["iva_rate_label"].format(rate=self.pct(t.iva_percent)),
                self.money(t.base),
                self.money(t.iva),
            ]
            if show_re:
                row += [self.pct(t.surcharge_percent), self.money(t.surcharge)]
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
            [_cell(r[0], col_widths[0] - 2 * CELL_PAD, numeric=True)]
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

    def payment(self) -> list:
        inv, L, S = self.inv, self.L, self.S
        out: list = []
        items = []
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
            out.append(Paragraph(_esc(inv.notes.strip()), S["small"]))
        if inv.footer.strip():
            out.append(Spacer(0, 10))
            out.append(Paragraph(_esc(inv.footer.strip()), S["muted"]))
        return out

    # -------------------------------------------------------------------- page
    def on_page(self, canv: Canvas, doc) -> None:
        canv.page_label_fmt = self.L["page"]
        canv.saveState()
        y_line = MARGIN_BOTTOM - 7 * mm
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.5)
        canv.line(MARGIN_X, y_line, PAGE_W - MARGIN_X, y_line)
        canv.setStrokeColor(ACCENT)
        canv.setLineWidth(2.5)
        canv.line(0, PAGE_H - 1.2, PAGE_W, PAGE_H - 1.2)
        canv.setFont(FONT, 7.5)
        canv.setFillColor(MUTED)
        inv = self.inv
        parts = [inv.issuer.name.strip()]
        if inv.issuer.tax_id.strip():
            parts.append(f"{self.L['tax_id']} {inv.issuer.tax_id.strip()}")
        parts.append(self.invoice_ref())
        text = " · ".join(p for p in parts if p).replace("\n", " ")
        text = _truncate(text, FONT, 7.5, CONTENT_W - 30 * mm)
        canv.drawString(MARGIN_X, MARGIN_BOTTOM - 11 * mm, text)
        canv.restoreState()

    def build(self) -> bytes:
        inv = self.inv
        buf = BytesIO()
        doc = BaseDocTemplate(
            buf,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=self.invoice_ref(),
            author=inv.issuer.name,
            subject=f"{self.invoice_ref()} · {inv.client.name}",
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
        doc.addPageTemplates([PageTemplate(id="invoice", frames=[frame], onPage=self.on_page)])
        story: list = []
        story += self.header()
        story.append(self.lines_table())
        story += self.summary()
        story += self.payment()
        doc.build(story, canvasmaker=_NumberedCanvas)
        return buf.getvalue()


_INVOICE_TEXT_FIELDS = ("number", "series", "currency", "iban", "notes", "footer")


def _none_to_empty(obj, names):
    changes = {n: "" for n in names if getattr(obj, n) is None}
    return dataclasses.replace(obj, **changes) if changes else obj


def _tolerant(inv: InvoicePdf) -> InvoicePdf:
    """Treat None in text fields (a nullable model column) as ""; freeze the sequences."""
    party_fields = [f.name for f in dataclasses.fields(PdfParty)]
    inv = _none_to_empty(inv, _INVOICE_TEXT_FIELDS)
    return dataclasses.replace(
        inv,
        issuer=_none_to_empty(inv.issuer, party_fields),
        client=_none_to_empty(inv.client, party_fields),
        lines=tuple(inv.lines or ()),
        taxes=tuple(inv.taxes or ()),
    )


def render_invoice_pdf(invoice: InvoicePdf, *, locale: str = "es") -> bytes:
    """Render ``invoice`` as an A4 PDF and return its bytes.

    ``locale`` is "es" (default) or "en"; "en-GB"/"en_US" count as "en" and anything
    else falls back to "es".
    """
    return _Builder(_tolerant(invoice), _norm_locale(locale)).build()
