"""The FacturaE 3.2.2 XSD (copied into facturae/schemas/, see its README), loaded once,
offline. Every document this app serves is validated against it before it leaves."""

from functools import cache
from pathlib import Path

from lxml import etree

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMA_FILE = SCHEMA_DIR / "Facturaev3_2_2.xsd"
XS = "{http://www.w3.org/2001/XMLSchema}"


class SchemaError(ValueError):
    """A document the FacturaE schema refuses; `errors` lists libxml2's messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors) or "invalid document")
        self.errors = errors


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True)


@cache
def _schema_document() -> etree._ElementTree:
    # The xmldsig import is a relative schemaLocation: resolved beside the file, offline.
    return etree.parse(str(SCHEMA_FILE), _parser())


@cache
def load() -> etree.XMLSchema:
    """The compiled schema (thread-safe once built)."""
    return etree.XMLSchema(_schema_document())


@cache
def enumeration(type_name: str) -> frozenset[str]:
    """The values a simple type of the schema allows (`CountryType` → {"ESP", …}): the
    schema is the source of truth, not a list kept here."""
    for simple_type in _schema_document().getroot().iter(f"{XS}simpleType"):
        if simple_type.get("name") == type_name:
            return frozenset(e.get("value") for e in simple_type.iter(f"{XS}enumeration"))
    raise LookupError(type_name)


def validate(document: etree._Element | bytes) -> None:
    """Raises SchemaError unless `document` is a valid FacturaE 3.2.2 file."""
    if isinstance(document, bytes):
        document = etree.fromstring(document, _parser())
    schema = load()
    if not schema.validate(document):
        raise SchemaError([f"line {e.line}: {e.message}" for e in schema.error_log])
