"""Exports: an Anki package that re-imports as updates, CSV for other flashcard tools, the KB as JSON."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import genanki

from hamknee.kb import open_kb
from hamknee.study.cards import generate
from hamknee.study.export import ANKI_DECK_ID, ANKI_MODEL_ID

STUDY_KB = Path(__file__).parent / "data" / "study_kb.yaml"


def card_ids() -> list[str]:
    return [c.id for c in generate(open_kb(STUDY_KB, use_cache=False).records())]


def anki_notes(package: Path, tmp_path: Path) -> tuple[list[tuple[str, str, str]], dict[str, object], str]:
    with zipfile.ZipFile(package) as archive:
        assert "collection.anki2" in archive.namelist()
        target = tmp_path / "collection.anki2"
        target.write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(target) as conn:
        notes = list(conn.execute("SELECT guid, flds, tags FROM notes ORDER BY id"))
        models, decks = conn.execute("SELECT models, decks FROM col").fetchone()
    return notes, json.loads(models), decks


def test_anki_package_holds_every_card_as_a_note(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    package = tmp_path / "hamknee.apkg"
    result = hk("--kb", str(STUDY_KB), "export", "anki", str(package))
    assert result.exit_code == 0, result.stderr
    ids = card_ids()
    assert f"Wrote {len(ids)} notes to {package}" in result.stdout
    notes, models, decks = anki_notes(package, tmp_path)
    assert len(notes) == len(ids)
    assert str(ANKI_MODEL_ID) in models
    assert str(ANKI_DECK_ID) in json.loads(decks)
    by_id = {}
    for guid, fields, tags in notes:
        front, back, source, card_id = fields.split("\x1f")
        assert guid == genanki.guid_for("hamknee", card_id)
        by_id[card_id] = (front, back, source, tags.split())
    assert set(by_id) == set(ids)
    front, back, source, tags = by_id["semitendinosus:insertion:recall"]
    assert front == "Where does Semitendinosus insert?"
    assert back.startswith("Pes anserinus<br>")
    assert "Gray" in source and "hamknee explain semitendinosus" in source
    assert {"hamknee::kind::muscle", "hamknee::entity::semitendinosus", "hamknee::type::recall",
            "hamknee::region::medial-knee"} <= set(tags)
    assert all(tag.startswith("hamknee::") for _, _, t in notes for tag in t.split())
    front, _, _, _ = by_id["pes-anserine-bursitis:card:vignette"]
    assert "<br>1. " in front  # the options are on the card


def test_anki_export_is_stable_so_reimport_updates(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, second = tmp_path / "a.apkg", tmp_path / "b.apkg"
    hk("--kb", str(STUDY_KB), "export", "anki", str(first))
    hk("--kb", str(STUDY_KB), "export", "anki", str(second))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert anki_notes(first, tmp_path / "a") == anki_notes(second, tmp_path / "b")


def test_anki_export_of_a_topic(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    package = tmp_path / "m.apkg"
    assert hk("--kb", str(STUDY_KB), "export", "anki", str(package), "--topic", "condition").exit_code == 0
    notes, _, _ = anki_notes(package, tmp_path)
    assert notes and all("hamknee::kind::condition" in tags.split() for _, _, tags in notes)


def test_csv_export(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "cards.csv"
    result = hk("--kb", str(STUDY_KB), "export", "csv", str(target))
    assert result.exit_code == 0
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["front", "back", "tags", "source", "id"]
    assert sorted(r[4] for r in rows[1:]) == sorted(card_ids())
    recall = next(r for r in rows if r[0] == "Which nerve supplies Semitendinosus?" and "type::recall" in r[2])
    assert recall[1].startswith("Tibial division of the sciatic nerve\n")
    assert "Roots: L5, S1, S2." in recall[1]
    assert recall[4] == "semitendinosus:innervation:recall"
    assert "Gray" in recall[3]
    assert all(" " not in tag for row in rows[1:] for tag in row[2].split(" "))
    # Round-robin over the entities: the first rows are each about another entry.
    entities = [r[4].split(":")[0] for r in rows[1:]]
    distinct = len(set(entities))
    assert distinct > 10 and len(set(entities[:distinct])) == distinct


def test_quizlet_export_is_one_card_a_line_with_a_tab(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "quizlet.txt"
    result = hk("--kb", str(STUDY_KB), "export", "csv", str(target), "--quizlet")
    assert result.exit_code == 0, result.stderr
    lines = target.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""  # ends with a line break
    lines = lines[:-1]
    assert len(lines) == len(card_ids())
    assert all(line.count("\t") == 1 and "\r" not in line for line in lines)
    _, definition = next(line.split("\t") for line in lines
                         if line.startswith("Which nerve supplies Semitendinosus?"))
    assert definition.startswith("Tibial division of the sciatic nerve / ")
    vignette = next(line for line in lines if " / 1. " in line.split("\t")[0])
    assert " / 2. " in vignette.split("\t")[0]  # the options stay on the card, on one line


def test_csv_to_stdout(hk) -> None:  # type: ignore[no-untyped-def]
    result = hk("--kb", str(STUDY_KB), "export", "csv", "-", "--type", "vignette")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) == 1 + 1  # the one vignette, written on its entry
    assert all(row[0].count("\n") >= 3 for row in rows[1:])  # question and numbered options


def test_json_export_is_the_whole_knowledge_base(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "kb.json"
    assert hk("--kb", str(STUDY_KB), "export", "json", str(target)).exit_code == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    kb = open_kb(STUDY_KB, use_cache=False)
    assert [r["id"] for r in document["records"]] == kb.ids()
    assert document["records"][0]["relations"]
    assert {s["id"] for s in document["sources"]} == {"grays-1918-posterior-femoral",
                                                      "statpearls-pes-anserine-bursitis"}
    piped = hk("--kb", str(STUDY_KB), "export", "json", "-")
    assert json.loads(piped.stdout) == document


def test_unwritable_target_is_one_line_and_exit_4(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for kind, name in (("anki", "x.apkg"), ("csv", "x.csv"), ("json", "x.json")):
        target = tmp_path / "no-such-folder" / name
        result = hk("--kb", str(STUDY_KB), "export", kind, str(target))
        assert result.exit_code == 4, kind
        assert result.stderr.startswith(f"Error: Cannot write {target}")
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "no-such-folder").exists()


def test_export_replaces_the_file_and_leaves_no_temporary_file(hk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "cards.csv"
    target.write_text("old", encoding="utf-8")
    bad = hk("--kb", str(STUDY_KB), "export", "csv", str(target), "--type", "essay")
    assert bad.exit_code == 2
    assert target.read_text(encoding="utf-8") == "old"
    kept = hk("--kb", str(STUDY_KB), "export", "csv", str(target))
    assert kept.exit_code == 4 and "Add --force to replace it" in kept.stderr
    assert target.read_text(encoding="utf-8") == "old"
    assert hk("--kb", str(STUDY_KB), "export", "csv", str(target), "--force").exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("front,back,tags")
    assert [p.name for p in folder.iterdir()] == ["cards.csv"]


def test_anki_cannot_go_to_stdout(hk) -> None:  # type: ignore[no-untyped-def]
    result = hk("--kb", str(STUDY_KB), "export", "anki", "-")
    assert result.exit_code == 2


def test_export_help_has_examples(hk) -> None:  # type: ignore[no-untyped-def]
    for args in (("export", "--help"), ("export", "anki", "--help"), ("quiz", "--help"), ("stats", "--help")):
        result = hk(*args)
        assert result.exit_code == 0
        assert "Examples:" in result.stdout


def _ledger(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        rows = list(conn.execute("SELECT card_id, hash, changed_at, content FROM exported ORDER BY card_id"))
    conn.close()
    return rows


def test_an_anki_package_that_cannot_be_put_in_place_records_nothing(hk, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    import errno
    import os

    db = tmp_path / "p.sqlite3"
    package = tmp_path / "deck.apkg"
    edited = tmp_path / "kb.yaml"
    edited.write_text(STUDY_KB.read_text(encoding="utf-8"), encoding="utf-8")
    first = hk("--kb", str(edited), "export", "anki", str(package), "--db", str(db))
    assert first.exit_code == 0, first.stderr
    recorded = _ledger(db)
    assert recorded
    # The knowledge base changes, so the next export would stamp the changed notes anew.
    text = edited.read_text(encoding="utf-8")
    assert "name: Pes anserinus\n" in text
    edited.write_text(text.replace("name: Pes anserinus\n", "name: Pes anserinus (goose foot)\n"), encoding="utf-8")
    old_package = package.read_bytes()

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    for name, target in (("replace", package), ("link", tmp_path / "new.apkg")):
        with monkeypatch.context() as patched:
            patched.setattr(os, name, refused)
            r = hk("--kb", str(edited), "export", "anki", str(target), "--db", str(db), "--force")
        assert r.exit_code == 4, (name, r.stdout, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and "disk is full" in r.stderr, r.stderr
        assert _ledger(db) == recorded, name  # what was exported is recorded only once the package is there
    assert package.read_bytes() == old_package
    assert not (tmp_path / "new.apkg").exists()
    again = hk("--kb", str(edited), "export", "anki", str(package), "--db", str(db), "--force")
    assert again.exit_code == 0, again.stderr
    changed = int(again.stdout.split("(")[1].split()[0])
    assert changed > 0 and _ledger(db) != recorded
