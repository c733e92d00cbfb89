"""The invoice PDF's translation catalogues (invoices/locale/): the compiled .mo files are
committed (a deployment may have no gettext tools), so they must say what the .po files say;
and every word the PDF asks for must be in each catalogue.

After editing a .po: `msgfmt -o django.mo django.po` in its folder (or `manage.py
compilemessages`)."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import invoices
from invoices import pdf as pdfmod

LOCALE_DIR = Path(invoices.__file__).parent / "locale"
LANGUAGES = ("es", "en")
CONTEXT = "invoice pdf"


def messages(catalog) -> dict[tuple[str | None, str], str]:
    """(context, msgid) → msgstr of what gettext would use: no header, no fuzzy entries,
    no untranslated ones."""
    return {
        (message.context, message.id): message.string
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }


def po_messages(language: str) -> dict[tuple[str | None, str], str]:
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "django.po", "rb") as po:
        return messages(read_po(po))


def words_of_the_pdf() -> set[str]:
    """The msgids of every pgettext("invoice pdf", …) call in invoices/pdf.py."""
    found = extract_from_file(
        "python", pdfmod.__file__, keywords={"pgettext": ((1, "c"), 2)}
    )
    return {msgid for _, msgid, _, context in found if context == CONTEXT}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_says_what_the_po_says(language):
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    with open(folder / "django.mo", "rb") as mo:
        compiled = messages(read_mo(mo))
    assert compiled == po_messages(language), (
        f"{folder / 'django.mo'} is out of date: run msgfmt -o django.mo django.po there"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_word_of_the_pdf_is_translated_in_each_catalogue(language):
    translated = {msgid for context, msgid in po_messages(language) if context == CONTEXT}
    missing = words_of_the_pdf() - translated
    assert not missing, f"not in {language}/django.po (run makemessages): {sorted(missing)}"


def test_the_catalogues_hold_no_word_the_pdf_no_longer_uses():
    for language in LANGUAGES:
        stale = {msgid for context, msgid in po_messages(language) if context == CONTEXT}
        assert stale <= words_of_the_pdf(), sorted(stale - words_of_the_pdf())


def test_the_spanish_catalogue_is_spanish():
    spanish = po_messages("es")
    assert spanish[(CONTEXT, "Invoice")] == "Factura"
    assert spanish[(CONTEXT, "Reverse charge (art. 84.One.2 LIVA)")] == (
        "Inversión del sujeto pasivo (art. 84.Uno.2.º LIVA)"
    )
    assert sum(msgstr != msgid for (_, msgid), msgstr in spanish.items()) > 60
