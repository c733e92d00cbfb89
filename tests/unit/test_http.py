"""facturagem.http.content_disposition: one safe `Content-Disposition` for every download.

Each header is read back as a browser does (Django's parser of header parameters, where an
RFC 8187 `filename*` wins over the ASCII `filename`): whatever the name held, there is one
disposition, one file name, and that name is the one given, minus what no file name may
carry."""

import re

import pytest
from django.http import HttpResponse
from django.utils.http import parse_header_parameters

from facturagem.http import MAX_FILENAME_LENGTH, content_disposition


def parsed(value: str) -> tuple[str, str, list[str]]:
    """(disposition, the file name a client uses, the parameter names in order)."""
    disposition, params = parse_header_parameters(value)
    names = re.findall(r';\s*([A-Za-z*]+)=', value)
    assert set(params) == {"filename"}
    return disposition, params["filename"], names


def test_a_plain_name_is_one_quoted_filename():
    assert content_disposition("factura-2026-0007.pdf") == (
        'inline; filename="factura-2026-0007.pdf"'
    )
    assert content_disposition("facturas.zip", inline=False) == (
        'attachment; filename="facturas.zip"'
    )


def test_a_slash_becomes_a_dash_because_a_file_name_has_no_folders():
    assert parsed(content_disposition("factura-2026/0007.pdf"))[1] == "factura-2026-0007.pdf"
    assert parsed(content_disposition("../../etc/passwd"))[1] == "-..-etc-passwd"


def test_a_quote_cannot_inject_a_second_filename():
    value = content_disposition("factura-1\"; filename*=UTF-8''evil.exe.pdf")
    disposition, name, params = parsed(value)
    assert disposition == "inline"
    assert params == ["filename", "filename*"]
    assert name == "factura-1\"; filename*=UTF-8''evil.exe.pdf"  # the name, not an injection
    assert value.count("filename*=") == 1
    assert '"' not in value.split('filename="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    "number",
    ["2026\r\n0007", "2026\n0007", "2026\r0007", "2026\u20280007", "2026\u20290007",
     "2026\x000007", "2026\t0007", "2026\x850007"],
)
def test_line_breaks_and_control_characters_never_reach_the_header(number):
    value = content_disposition(f"factura-{number}.pdf")
    assert value.isprintable() and value.isascii()
    response = HttpResponse()
    response["Content-Disposition"] = value  # Django refuses CR/LF with BadHeaderError
    assert parsed(value)[1] in {"factura-2026-0007.pdf", "factura-2026 0007.pdf"}


def test_non_ascii_names_get_an_ascii_fallback_and_the_exact_name():
    value = content_disposition("factura-Peña-€-№1.pdf")
    assert value == (
        "inline; filename=\"factura-Pena-_-No1.pdf\"; "
        "filename*=UTF-8''factura-Pe%C3%B1a-%E2%82%AC-%E2%84%961.pdf"
    )
    assert parsed(value)[1] == "factura-Peña-€-№1.pdf"


def test_invisible_direction_marks_cannot_disguise_the_extension():
    name = parsed(content_disposition("factura-\u202egpj.exe.pdf"))[1]
    assert name == "factura--gpj.exe.pdf"


def test_a_very_long_name_is_shortened_keeping_its_extension():
    value = content_disposition("factura-" + "Ñ" * 5000 + ".pdf")
    name = parsed(value)[1]
    assert len(name) == MAX_FILENAME_LENGTH
    assert name.endswith("Ñ.pdf")
    assert len(value) < 2000


def test_an_empty_name_still_names_a_file():
    assert parsed(content_disposition(""))[1] == "download"
    assert parsed(content_disposition(" . "))[1] == "download"
