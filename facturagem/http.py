"""HTTP details shared by every download (invoice PDFs, FacturaE documents, zips)."""

import re
import unicodedata
from urllib.parse import quote

MAX_FILENAME_LENGTH = 150
FALLBACK_FILENAME = "download"

_PATH_SEPARATORS = re.compile(r"[/\\]")
# Outside printable ASCII, or what a naive header parser trips on (quotes, backslash, percent,
# semicolon, equals sign): replaced in the ASCII `filename=` that old clients read.
_FALLBACK_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()+@-]")
# RFC 8187 attr-char, besides letters and digits: what `filename*` may carry unencoded.
_ATTR_CHARS = "!#$&+-.^_`|~"
# Unicode categories that no header and no file name should carry: controls (CR, LF, NUL,
# TAB…), format characters (bidi overrides that disguise an extension), line and paragraph
# separators (U+2028, U+2029), surrogates, private use, unassigned.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_DROPPED_RUN = re.compile("\0+")


def safe_filename(filename: str) -> str:
    """``filename`` as a single, harmless file name: no path, no control or invisible
    characters, at most MAX_FILENAME_LENGTH characters (the extension kept)."""
    name = unicodedata.normalize("NFC", _PATH_SEPARATORS.sub("-", filename or ""))
    # Any space or line break (CR, LF, TAB, U+2028…) is a space; the other unwanted
    # characters are a dash, one per run.
    name = "".join(
        " " if ch.isspace() else "\0" if unicodedata.category(ch) in _DROPPED_CATEGORIES else ch
        for ch in name
    )
    name = _DROPPED_RUN.sub("-", name)
    name = " ".join(name.split()).strip(" .")  # no leading dot (hidden), no trailing dot
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = f"{stem[: MAX_FILENAME_LENGTH - len(extension) - 1].rstrip(' .')}.{extension}"
        else:
            name = name[:MAX_FILENAME_LENGTH]
    return name or FALLBACK_FILENAME


def ascii_filename(filename: str) -> str:
    """An ASCII spelling of a safe file name: accents dropped (Peña → Pena), anything else
    that is not plain ASCII replaced by "_"."""
    decomposed = unicodedata.normalize("NFKD", filename)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _FALLBACK_UNSAFE.sub("_", ascii_only)


def content_disposition(filename: str, *, inline: bool = True) -> str:
    """A `Content-Disposition` header value (RFC 6266) for a download named ``filename``.

    Whatever the name holds (quotes, CR/LF, U+2028, non-ASCII, any length), the value is a
    single well-formed header: `filename="…"` is an ASCII fallback for old clients, and when
    it is not the name itself, `filename*=UTF-8''…` (RFC 8187, percent-encoded) follows it
    with the exact name, which current browsers prefer.
    """
    name = safe_filename(filename)
    fallback = ascii_filename(name)
    value = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe=_ATTR_CHARS)}"
    return value
