"""Export the cards to Anki (.apkg) and CSV, and the whole knowledge base to JSON.

Anki re-imports update notes in place: the model and deck ids are fixed, each note's guid is derived from
the card's stable id, and each note carries the time its content last changed (kept in the progress
database), because Anki takes a note from a package only when it is newer than its own copy. So a
re-import after the knowledge base changed updates exactly the notes that changed, keeping their review
history, and a re-import without a change changes nothing. Cards whose fact left the knowledge base are
exported once more, tagged ``hamknee::retired``, so that a student can find and suspend them. New cards
are ordered round-robin over the entities, so that one entity's cards do not arrive as a block. Files
are written by ``hamknee.safe_write`` (nothing but a regular file is replaced, never without --force, never
half a file); ``-`` writes CSV or JSON to standard output.
"""

from __future__ import annotations

import csv
import errno
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO

from hamknee.sanitize import json_safe, visible
from hamknee.study.cards import Card

if TYPE_CHECKING:
    from hamknee.study.store import Store

# Fixed forever: Anki matches models and decks by id on re-import.
ANKI_MODEL_ID = 1_739_120_417
ANKI_DECK_ID = 1_739_120_433
ANKI_DECK_NAME = "hamknee: hamstrings and the knee"
# 2025-01-01T00:00:00Z: the package's own time (note ids, the model), fixed so that exports are reproducible.
ANKI_TIMESTAMP = 1_735_689_600.0
RETIRED_TAG = "hamknee::retired"

_CSS = """.card { font-family: sans-serif; font-size: 18px; text-align: left; color: black; background: white; }
.source { font-size: 12px; color: #666; margin-top: 1em; }"""


def _html(text: str) -> str:
    from html import escape

    # Anki acts on bracket tags in a field's text ([sound:...] plays a file, [latex] and [$] run LaTeX,
    # [anki:...] tags): the bracket as an entity shows the same character and is never read as a tag.
    return "<br>".join(escape(visible(line)).replace("[", "&#91;") for line in text.split("\n"))


def _atomic(target: str, write: Callable[[BinaryIO], None], force: bool = False) -> None:
    from hamknee.safe_write import write_file

    write_file(target, write, force=force)


def write_chunks(target: str, chunks: Iterable[bytes], force: bool = False) -> None:
    """Write the chunks as they come, to standard output (``-``) or to the named file (see ``safe_write``)."""
    if target == "-":
        for chunk in chunks:
            write_bytes("-", chunk)
        return

    def put(handle: BinaryIO) -> None:
        for chunk in chunks:
            handle.write(chunk)

    _atomic(target, put, force)


def write_bytes(target: str, data: bytes, force: bool = False) -> None:
    """The data to the named file (see ``safe_write``), or to standard output for ``-``."""
    if target == "-":
        from hamknee.safe_write import write_stdout

        write_stdout(data)
        return
    def put(handle: BinaryIO) -> None:
        handle.write(data)

    _atomic(target, put, force)


def tags(card: Card) -> list[str]:
    """Flashcard-tool tags, all under ``hamknee::`` and without spaces: kind, entity, question type, regions."""
    found = [f"hamknee::kind::{card.kind}", f"hamknee::entity::{card.entity}", f"hamknee::type::{card.qtype}"]
    found += [f"hamknee::region::{r}" for r in card.regions]
    return [re.sub(r"\s+", "_", t) for t in found]


def interleave(cards: Iterable[Card]) -> list[Card]:
    """Round-robin over the entities (in deck order): each entity's first card, then each one's second..."""
    groups: dict[str, list[Card]] = {}
    for card in cards:
        groups.setdefault(card.entity, []).append(card)
    ordered: list[Card] = []
    depth = max((len(g) for g in groups.values()), default=0)
    for level in range(depth):
        ordered += [group[level] for group in groups.values() if level < len(group)]
    return ordered


@dataclass(frozen=True)
class AnkiResult:
    notes: int  # notes in the package
    retired: int  # of which retired cards, tagged RETIRED_TAG
    changed: int  # notes whose content is new or changed since the last export to Anki


def _note_content(card: Card) -> list[str]:
    """The note as Anki stores it: the four fields, then the tags."""
    source = card.source + f"\nhamknee explain {card.entity}"
    return [_html(card.front), _html(card.back), _html(source.strip()), card.id, *tags(card)]


def _digest(content: list[str]) -> str:
    import hashlib

    return hashlib.blake2b(json.dumps(content, ensure_ascii=False).encode("utf-8"), digest_size=16).hexdigest()


def anki(cards: Iterable[Card], target: str, store: Store, when: datetime, *, deck_ids: set[str] | None = None,
         retired: bool = True, force: bool = False, ordered: bool = False) -> AnkiResult:
    """Write the package; ``deck_ids`` (all the deck's card ids) tells which exported cards have retired.

    Retired cards are those exported before and no longer in the deck; they are left out when ``retired``
    is false or ``deck_ids`` is None (an export of a topic cannot tell a retired card from one not chosen).
    ``cards`` is read twice (once for what changed, once to write the notes), so that no more than one
    card's note is held at a time: a list, or a stream that reads the cards again; ``ordered``: they come
    in the order of the package already (``interleave``).
    """
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

    if not ordered:
        cards = interleave(cards)
    # What each note holds now, by its hash; the content itself is kept only where it differs from the
    # last export's (the progress database records it).
    known = store.export_hashes()
    digests: dict[str, str] = {}
    contents: dict[str, tuple[str, str | None]] = {}
    for card in cards:
        content = _note_content(card)
        digest = _digest(content)
        digests[card.id] = digest
        unchanged = known.get(card.id, ("",))[0] == digest
        contents[card.id] = (digest, None if unchanged else json.dumps(content, ensure_ascii=False))
    live = len(contents)
    gone: dict[str, list[str]] = {}
    if retired and deck_ids is not None:
        saved = store.exported_contents(sorted(i for i in known if i not in deck_ids and i not in contents))
        for ident, text in sorted(saved.items()):
            content = json.loads(text)
            if RETIRED_TAG not in content[4:]:
                content.append(RETIRED_TAG)
            gone[ident] = content
            contents[ident] = (_digest(content), json.dumps(content, ensure_ascii=False))
    from hamknee.safe_write import check_target, target_path

    def fill(ids: list[str]) -> dict[str, str]:
        # Another export changed the record in between: the contents are read again from the cards.
        wanted = set(ids)
        return {card.id: json.dumps(_note_content(card), ensure_ascii=False) for card in cards
                if card.id in wanted}

    # Refused before the progress database records this export, so a refusal leaves it as it was.
    existed = check_target(target_path(target), force)
    before = store.export_hashes()
    with store.stamping_exports(contents, when, fill) as stamps:
        changed = sum(1 for ident, (digest, _) in contents.items() if before.get(ident, ("",))[0] != digest)
        _write_package(model, cards, gone, stamps, contents, target, force or existed)
    return AnkiResult(notes=len(contents), retired=len(contents) - live, changed=changed)


def _write_package(model: Any, cards: Iterable[Card], gone: dict[str, list[str]], stamps: dict[str, int],
                   contents: dict[str, tuple[str, str | None]], target: str, force: bool) -> None:
    """The package of the cards' notes (then the retired ones) with their stamps, put in place at ``target``."""
    import genanki

    class _Note(genanki.Note):  # type: ignore[misc]
        """A note stamped with the time its own content last changed, not the package's time."""

        def __init__(self, modified: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.modified = modified

        def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
            super().write_to_db(cursor, self.modified, deck_id, id_gen)

    def notes() -> Iterator[Any]:
        entries: Iterator[tuple[str, list[str]]] = itertools.chain(
            ((card.id, _note_content(card)) for card in cards), gone.items())
        for position, (ident, content) in enumerate(entries):
            yield _Note(
                stamps[ident],
                model=model,
                fields=content[:4],
                tags=content[4:],
                guid=genanki.guid_for("hamknee", ident),
                due=position,
            )

    class _Deck(genanki.Deck):  # type: ignore[misc]
        """The deck's notes made one at a time as the package is written, not all held first."""

        def write_to_db(self, cursor: Any, timestamp: float, id_gen: Any) -> None:
            super().write_to_db(cursor, timestamp, id_gen)  # the deck and its model
            for note in notes():
                note.write_to_db(cursor, timestamp, self.deck_id, id_gen)

    deck = _Deck(ANKI_DECK_ID, ANKI_DECK_NAME)
    if contents:
        deck.add_model(model)  # as a deck of notes does; an empty one names no model
    package = genanki.Package(deck)

    def put(handle: BinaryIO) -> None:
        import sqlite3

        try:
            package.write_to_file(handle, timestamp=ANKI_TIMESTAMP)
        except sqlite3.Error as exc:  # genanki builds the collection in a temporary SQLite file first
            from hamknee.safe_write import file_size_limit

            if "full" in str(exc).lower():
                raise OSError(errno.ENOSPC, "no space left for the package being built in the temporary "
                                            "folder") from None
            if "disk i/o" in str(exc).lower() and file_size_limit() is not None:
                # SQLite reports a write past ``ulimit -f`` (EFBIG) as an I/O error: name the likely cause.
                raise OSError(errno.EFBIG, "the package being built in the temporary folder passed the file "
                                           "size limit") from None
            raise OSError(errno.EIO, f"cannot build the package ({exc})") from None

    _atomic(target, put, force=force)


# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets; a leading
# apostrophe makes them show it as text (OWASP ASVS 1.2.10).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A cell that a spreadsheet shows as the text it is: no formula, no control characters."""
    text = visible(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


_CSV_HEADER = ["front", "back", "tags", "source", "id"]


def csv_chunks(cards: Iterable[Card]) -> Iterator[bytes]:
    """The CSV of ``csv_text``, a batch of rows at a time, for cards already in order (``interleave``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_CSV_HEADER)
    for count, card in enumerate(cards, 1):
        writer.writerow([csv_cell(card.front), csv_cell(card.back), csv_cell(" ".join(tags(card))),
                         csv_cell(card.source), csv_cell(card.id)])
        if count % 200 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def csv_text(cards: Iterable[Card]) -> tuple[str, int]:
    """Front, back, tags, source and card id, one row per card (a field may hold line breaks, quoted)."""
    ordered = interleave(cards)
    return b"".join(csv_chunks(ordered)).decode("utf-8"), len(ordered)


def _one_line(text: str) -> str:
    return " / ".join(part.strip() for part in text.replace("\t", " ").splitlines() if part.strip())


def quizlet_chunks(cards: Iterable[Card]) -> Iterator[bytes]:
    """The lines of ``quizlet_text``, a batch at a time, for cards already in order (``interleave``)."""
    lines: list[str] = []
    for card in cards:
        # Quizlet rows are pasted, but the same file opened in a spreadsheet must not run a formula.
        lines.append(f"{csv_cell(_one_line(card.front))}\t{csv_cell(_one_line(card.back))}\n")
        if len(lines) >= 200:
            yield "".join(lines).encode("utf-8")
            lines = []
    yield "".join(lines).encode("utf-8")


def quizlet_text(cards: Iterable[Card]) -> tuple[str, int]:
    """Term, tab, definition, one card a line, for Quizlet's paste import (it splits rows on line breaks,
    so the lines of a field are joined with ' / ')."""
    ordered = interleave(cards)
    return b"".join(quizlet_chunks(ordered)).decode("utf-8"), len(ordered)


def json_chunks(meta: dict[str, Any], sources: list[dict[str, Any]],
                records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """The knowledge base as one JSON document, ``{"meta", "sources", "records"}``, a record a line.

    A record a line keeps the file easy to grep and lets the C encoder write it (an indented dump runs in
    Python, several times slower on a large knowledge base); it is produced as it is read.
    """
    def line(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    yield json_safe(f'{{"meta": {line(meta)},\n"sources": [\n' + ",\n".join(line(s) for s in sources)
                    + '\n],\n"records": [').encode("utf-8")
    first = True
    batch: list[str] = []
    for record in records:
        batch.append(("\n" if first else ",\n") + line(record))
        first = False
        if len(batch) >= 200:
            yield json_safe("".join(batch)).encode("utf-8")
            batch = []
    batch.append("]}\n" if first else "\n]}\n")
    yield json_safe("".join(batch)).encode("utf-8")
