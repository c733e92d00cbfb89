"""The AEAT's XSDs (copied unmodified into verifactu/schemas/), loaded once, offline.

`SuministroInformacion.xsd` imports XML-DSig by its absolute W3C URL: a resolver maps it to
the local copy, so validation never touches the network.
"""

from functools import cache
from pathlib import Path

from lxml import etree

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


class SchemaError(ValueError):
    """A document the AEAT's schema refuses; `errors` lists libxml2's messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors) or "invalid document")
        self.errors = errors


class _LocalResolver(etree.Resolver):
    def resolve(self, url, pubid, context):
        name = (url or "").rsplit("/", 1)[-1]
        local = SCHEMA_DIR / name
        if name.endswith(".xsd") and local.is_file():
            return self.resolve_filename(str(local), context)
        return None


@cache
def load(name: str) -> etree.XMLSchema:
    """`load("SuministroLR")`: the compiled schema (thread-safe once built)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    parser.resolvers.add(_LocalResolver())
    document = etree.parse(str(SCHEMA_DIR / f"{name}.xsd"), parser)
    return etree.XMLSchema(document)


def validate(document: etree._Element | bytes, name: str = "SuministroInformacion") -> None:
    """Raises SchemaError unless `document` is valid against schema `name`."""
    if isinstance(document, bytes):
        document = etree.fromstring(document, etree.XMLParser(resolve_entities=False,
                                                              no_network=True))
    schema = load(name)
    if not schema.validate(document):
        raise SchemaError([f"line {e.line}: {e.message}" for e in schema.error_log])
