"""Export the cards to Anki (.apkg) and CSV, and the whole knowledge base to JSON.

Anki re-imports update rather than duplicate: the model and deck ids are fixed, and each note's guid is
derived from the card's stable id. The package is written with a fixed timestamp so the same knowledge
base gives the same notes. Files are written by ``hamknee.safe_write`` (nothing but a regular file is
replaced, never without --force, never half a file); ``-`` writes CSV or JSON to standard output.
"""

from __future__ import annotations

import csv
import errno
import io
import json
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from hamknee.sanitize import json_safe, visible
from hamknee.study.cards import Card

# Fixed forever: Anki matches models and decks by id on re-import.
ANKI_MODEL_ID = 1_739_120_417
ANKI_DECK_ID = 1_739_120_433
ANKI_DECK_NAME = "hamknee: hamstrings and the knee"
# 2025-01-01T00:00:00Z: the notes' modification time, fixed so that exports are reproducible.
ANKI_TIMESTAMP = 1_735_689_600.0

_CSS = """.card { font-family: sans-serif; font-size: 18px; text-align: left; color: black; background: white; }
.source { font-size: 12px; color: #666; margin-top: 1em; }"""


def _html(text: str) -> str:
    from html import escape

    return "<br>".join(escape(visible(line)) for line in text.split("\n"))


def _atomic(target: str, write: Callable[[BinaryIO], None], force: bool = False) -> None:
    from hamknee.safe_write import write_file

    write_file(target, write, force=force)


def write_bytes(target: str, data: bytes, force: bool = False) -> None:
    """The data to the named file (see ``safe_write``), or to standard output for ``-``."""
    if target == "-":
        from hamknee.safe_write import write_stdout

        write_stdout(data)
        return
    def put(handle: BinaryIO) -> None:
        handle.write(data)

    _atomic(target, put, force)


def anki(cards: Iterable[Card], target: str, force: bool = False) -> int:
    import genanki

    model = genanki.Model(
        ANKI_MODEL_ID,
        "hamknee card",
        fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Source"}, {"name": "CardId"}],
        templates=[{
            "name": "Card 1",
            "qfmt": "{{Front}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Back}}<div class="source">{{Source}}</div>',
        }],
        css=_CSS,
    )
    deck = genanki.Deck(ANKI_DECK_ID, ANKI_DECK_NAME)
    count = 0
    for card in cards:
        source = card.source + (f"\nhamknee explain {card.entity}")
        deck.add_note(genanki.Note(
            model=model,
            fields=[_html(card.front), _html(card.back), _html(source.strip()), card.id],
            tags=card.tags,
            guid=genanki.guid_for("hamknee", card.id),
        ))
        count += 1
    package = genanki.Package(deck)
    def put(handle: BinaryIO) -> None:
        import sqlite3

        try:
            package.write_to_file(handle, timestamp=ANKI_TIMESTAMP)
        except sqlite3.Error as exc:  # genanki builds the collection in a temporary SQLite file first
            raise OSError(errno.EIO, f"cannot build the package ({exc})") from None

    _atomic(target, put, force)
    return count


# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets; a leading
# apostrophe makes them show it as text (OWASP ASVS 1.2.10).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A cell that a spreadsheet shows as the text it is: no formula, no control characters."""
    text = visible(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_text(cards: Iterable[Card]) -> tuple[str, int]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["front", "back", "tags"])
    count = 0
    for card in cards:
        writer.writerow([csv_cell(card.front), csv_cell(card.back), csv_cell(" ".join(card.tags))])
        count += 1
    return buffer.getvalue(), count


def json_text(meta: dict[str, Any], sources: list[dict[str, Any]], records: list[dict[str, Any]]) -> str:
    document = {"meta": meta, "sources": sources, "records": records}
    return json_safe(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
