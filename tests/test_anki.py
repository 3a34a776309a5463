"""The Anki export against the real Anki library: import, change the knowledge base, export, import again.

A student imports the package into their collection and studies; the knowledge base then changes (one
summary rewritten, one entry removed). A fresh export imported into the same collection must update the
changed notes in place (no duplicates), keep the review history, tag the cards of the removed entry
``hamknee::retired``, and importing the same file twice must change nothing.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

collection = pytest.importorskip("anki.collection", reason="the test extra installs the anki package")

STUDY_KB = Path(__file__).parent / "data" / "study_kb.yaml"
CHANGED = "bakers-cyst"
OLD_SUMMARY = "A fluid-filled swelling behind the knee, usually from the semimembranosus-gastrocnemius bursa."
NEW_SUMMARY = "A swelling full of fluid at the back of the knee, usually from the semimembranosus-gastrocnemius bursa."
REMOVED = "referred-pain"
# Cards show a summary with the entry's own names masked: these words of each version survive that.
OLD_WORDS = "fluid-filled swelling"
NEW_WORDS = "full of fluid at the back"
COUNTS = ("new", "updated", "duplicate", "conflicting", "first_field_match", "missing_notetype", "missing_deck",
          "empty_first_field")


def import_package(col: Any, package: Path) -> dict[str, int]:
    request = collection.ImportAnkiPackageRequest(package_path=str(package),
                                                  options=collection.ImportAnkiPackageOptions())
    log = col.import_anki_package(request).log
    return {name: len(getattr(log, name)) for name in COUNTS}


def notes(col: Any) -> dict[str, Any]:
    """Every note of the collection by hamknee card id."""
    found = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        assert note["CardId"] not in found, "two notes for one card"
        found[note["CardId"]] = note
    return found


def package_fields(package: Path, tmp_path: Path) -> dict[str, list[str]]:
    """The notes inside a package (card id -> fields), read with sqlite3 as Anki would find them."""
    import sqlite3
    import zipfile

    target = tmp_path / f"{package.stem}.anki2"
    with zipfile.ZipFile(package) as archive:
        target.write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(target) as conn:
        rows = [r[0].split("\x1f") for r in conn.execute("SELECT flds FROM notes")]
    return {fields[3]: fields for fields in rows}


def review(col: Any, card_id: int) -> None:
    from anki.scheduler.v3 import CardAnswer

    card = col.get_card(card_id)
    card.start_timer()
    states = col._backend.get_scheduling_states(card.id)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))


def export(hk, kb: Path, package: Path, db: Path, *extra: str) -> str:  # type: ignore[no-untyped-def]
    result = hk("--kb", str(kb), "export", "anki", str(package), "--db", str(db), *extra)
    assert result.exit_code == 0, result.stderr
    return " ".join(result.stdout.split())  # as one line, however the terminal width wrapped it


def test_reimport_after_a_change_updates_in_place_and_tags_retired_cards(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "study.sqlite3"
    kb = tmp_path / "kb.yaml"
    kb.write_text(STUDY_KB.read_text(encoding="utf-8"), encoding="utf-8")
    col = collection.Collection(str(tmp_path / "collection.anki2"))
    try:
        # 1. The first export, imported twice: every note new, then nothing changes.
        first = tmp_path / "first.apkg"
        said = export(hk, kb, first, db)
        total = int(re.search(r"Wrote (\d+) notes", said).group(1))  # type: ignore[union-attr]
        assert import_package(col, first) == dict.fromkeys(COUNTS, 0) | {"new": total}
        before = notes(col)
        assert len(before) == total == len(col.find_cards(""))
        assert all(tag.startswith("hamknee::") for note in before.values() for tag in note.tags)
        assert "hamknee::entity::semitendinosus" in before["semitendinosus:insertion:recall"].tags
        assert "hamknee::region::medial-knee" in before["semitendinosus:insertion:recall"].tags
        assert import_package(col, first) == dict.fromkeys(COUNTS, 0) | {"duplicate": total}
        assert {i: (n.mod, n.fields) for i, n in notes(col).items()} == {i: (n.mod, n.fields)
                                                                          for i, n in before.items()}

        # New cards come round-robin over the entities, not one entity's cards in a block.
        new_cards = sorted((col.get_card(c) for c in col.find_cards("is:new")), key=lambda c: c.due)
        entities = [col.get_note(c.nid)["CardId"].split(":")[0] for c in new_cards]
        distinct = len(set(entities))
        assert distinct > 5 and len(set(entities[:distinct])) == distinct  # the first round: one card each

        # 2. The student studies: a card of the entry whose summary will change, and one that will not.
        changing = [i for i, n in before.items() if OLD_WORDS in " ".join(n.fields)]
        assert changing, "the summary is on some cards"
        studied = [col.find_cards(f'"CardId:{changing[0]}"')[0],
                   col.find_cards('"CardId:semitendinosus:insertion:recall"')[0]]
        for card_id in studied:
            review(col, card_id)
        history = {c: (col.get_card(c).reps, col.get_card(c).due, col.get_card(c).type) for c in studied}
        revlog = col.db.scalar("SELECT COUNT(*) FROM revlog")
        assert revlog == 2

        # 3. The knowledge base changes: one summary rewritten, one entry removed.
        text = kb.read_text(encoding="utf-8")
        assert OLD_SUMMARY in text
        start = text.index(f"  - id: {REMOVED}\n")
        end = text.find("\n  - id: ", start + 1)
        text = text[:start] + (text[end + 1:] if end != -1 else "")
        kb.write_text(text.replace(OLD_SUMMARY, NEW_SUMMARY), encoding="utf-8")
        assert hk("--kb", str(kb), "validate").exit_code == 0

        second = tmp_path / "second.apkg"
        said = export(hk, kb, second, db)
        # Retired: every card exported before that the changed knowledge base no longer yields (the removed
        # entry's, and a choice card left without enough distractors), as the deck itself lists it.
        listed = hk("--kb", str(kb), "export", "csv", "-")
        assert listed.exit_code == 0, listed.stderr
        deck = {row["id"] for row in csv.DictReader(io.StringIO(listed.stdout))}
        removed = set(before) - deck
        assert {i for i in before if i.startswith(f"{REMOVED}:")} <= removed
        packaged = package_fields(second, tmp_path)
        changed = {i for i, fields in packaged.items() if i in before and fields != before[i].fields
                   and i not in removed}
        assert removed and changed
        assert any(i.startswith(f"{CHANGED}:") for i in changed)
        counts = import_package(col, second)
        after = notes(col)
        # Updated in place: the changed notes and the retired ones (now tagged), nothing added twice.
        assert counts["new"] == len(set(after) - set(before))
        assert counts["updated"] == len(changed | removed)
        assert counts["updated"] + counts["duplicate"] + counts["new"] == len(after) == len(packaged)
        assert set(before) <= set(after)
        assert len(col.find_cards("")) == len(after)
        for ident, fields in packaged.items():
            assert after[ident].fields == fields  # Anki now holds exactly what was exported
            if ident in before:
                assert after[ident].id == before[ident].id  # the same note, not a new one
        assert all(OLD_WORDS not in " ".join(after[i].fields) for i in after if i not in removed)
        assert any(NEW_WORDS in " ".join(after[i].fields) for i in changed)
        # Review history kept: the studied cards keep their reps, due date and type, and the log.
        assert {c: (col.get_card(c).reps, col.get_card(c).due, col.get_card(c).type) for c in studied} == history
        assert col.db.scalar("SELECT COUNT(*) FROM revlog") == revlog
        # Retired cards are found by the tag a student searches for.
        retired = {col.get_note(n)["CardId"] for n in col.find_notes("tag:hamknee::retired")}
        assert retired == removed
        assert f"{len(removed)} retired" in said
        # Notes neither changed nor retired kept their modification time.
        untouched = set(before) - changed - removed
        assert untouched and all(after[i].mod == before[i].mod for i in untouched
                                 if after[i].fields == before[i].fields)

        # 4. The same file again, and a fresh export of the unchanged knowledge base: nothing changes.
        state = {i: (n.mod, n.fields, n.tags) for i, n in notes(col).items()}
        assert import_package(col, second) == dict.fromkeys(COUNTS, 0) | {"duplicate": len(after)}
        third = tmp_path / "third.apkg"
        said = export(hk, kb, third, db)
        assert "(0 new or changed since the last export" in said
        assert import_package(col, third) == dict.fromkeys(COUNTS, 0) | {"duplicate": len(after)}
        assert {i: (n.mod, n.fields, n.tags) for i, n in notes(col).items()} == state

        # 5. Leaving retired cards out: the package holds only the live deck.
        fourth = tmp_path / "fourth.apkg"
        said = export(hk, kb, fourth, db, "--no-retired")
        assert f"Wrote {len(after) - len(removed)} notes" in said
    finally:
        col.close()


def test_bracket_tags_in_the_knowledge_base_stay_text_in_anki(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A knowledge base is text: a [sound:] tag must not play a file, nor [latex] run LaTeX, in Anki."""
    hostile = "[sound:alarm.mp3] [latex]\\input{/etc/passwd}[/latex] [$]x[/$]"
    kb = tmp_path / "kb.yaml"
    kb.write_text(STUDY_KB.read_text(encoding="utf-8").replace(OLD_SUMMARY, f"{OLD_SUMMARY} {hostile}"),
                  encoding="utf-8")
    package = tmp_path / "deck.apkg"
    export(hk, kb, package, tmp_path / "p.sqlite3")
    col = collection.Collection(str(tmp_path / "col.anki2"))
    try:
        assert import_package(col, package)["new"] > 0
        shown = []
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            html = card.question() + card.answer()
            if "alarm.mp3" in html:
                shown.append(html)
                assert card.question_av_tags() == [] and card.answer_av_tags() == []
                assert "[sound:" not in html and "[latex]" not in html and "[$]" not in html
                assert "&#91;sound:alarm.mp3]" in html  # shown as the text "[sound:alarm.mp3]"
        assert shown, "no card shows the summary"
    finally:
        col.close()
