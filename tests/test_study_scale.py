"""Study commands on a large knowledge base read only what they need, and their memory does not grow with
the deck: stats reads the deck's fingerprint alone, a quiz the cards it asks and the names its answer needs,
an export streams the cards to the file, a sync writes only the rows that changed."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from hamknee import cache
from tests import rss
from tests.ptyrun import HAMKNEE

BENCH = Path(__file__).resolve().parents[1] / "bench"
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in KB is Linux")


@pytest.fixture
def sections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """Every section read from a cache file, as (file name, section)."""
    read: list[tuple[str, str]] = []
    opened: dict[int, str] = {}
    original_init, original_section = cache.CacheReader.__init__, cache.CacheReader.section

    def init(self: cache.CacheReader, path: Path) -> None:
        original_init(self, path)
        opened[id(self)] = Path(path).name

    def section(self: cache.CacheReader, name: str) -> Any:
        read.append((opened.get(id(self), "?"), name))
        return original_section(self, name)

    monkeypatch.setattr(cache.CacheReader, "__init__", init)
    monkeypatch.setattr(cache.CacheReader, "section", section)
    yield read


def _deck_sections(read: list[tuple[str, str]]) -> set[str]:
    return {name for file, name in read if file.startswith("deck-")}


def test_stats_on_an_unchanged_deck_reads_only_its_fingerprint(hk, sections) -> None:  # type: ignore[no-untyped-def]
    assert hk("stats").exit_code == 0  # generates and caches the deck, syncs the database
    sections.clear()
    r = hk("stats")
    assert r.exit_code == 0, r.stderr
    assert "Cards: " in r.stdout
    assert _deck_sections(sections) == {"meta"}, sections


def test_a_quiz_reads_the_cards_it_asks_and_the_names_its_answer_needs(hk, sections) -> None:  # type: ignore[no-untyped-def]
    assert hk("stats").exit_code == 0
    sections.clear()
    r = hk("quiz", "--count", "1", "--seed", "1", "--type", "recall", input="a wrong answer\n")
    assert r.exit_code == 0, r.stderr
    assert "Not this time" in r.stdout
    read = _deck_sections(sections)
    # --type reads the heads to choose; the answer reads the forms of its own length (and of the words left
    # once the question's are taken out) and the forms of the card's answers, never the whole name index.
    lengths = {name for name in read if name.startswith("names:length:")}
    assert "names:length:2" in lengths and len(lengths) <= 2, read  # "wrong answer": "a" does not count
    assert read - lengths <= {"meta", "heads", "names:forms_of"}, read
    sections.clear()
    r = hk("quiz", "--count", "1", "--seed", "2", input="1\n")
    assert r.exit_code == 0, r.stderr
    assert "heads" not in _deck_sections(sections)  # the whole deck: no head is read to choose


def test_a_sync_writes_only_the_cards_that_changed(tmp_path: Path) -> None:
    from hamknee.kb import open_kb
    from hamknee.paths import shipped_kb
    from hamknee.study.deck import load
    from hamknee.study.store import Store

    kb = open_kb(shipped_kb())
    deck = load(kb)
    cards = deck.cards()
    when = datetime.now(timezone.utc)
    with Store(tmp_path / "study.sqlite3") as store:
        assert store.sync(cards, when, "first")["added"] == len(cards)
        sent: list[str] = []
        store._db.set_trace_callback(sent.append)
        changed = [c if i else replace(c, explanation=c.explanation + " More.") for i, c in enumerate(cards)]
        result = store.sync(changed, when, "second")
        store._db.set_trace_callback(None)
        assert result == {"added": 0, "revived": 0, "retired": 0}
        inserts = [s for s in sent if s.lstrip().upper().startswith("INSERT INTO CARDS")]
        assert len(inserts) == 1 and cards[0].id in inserts[0], inserts[:3]
        with contextlib.closing(sqlite3.connect(store.path)) as check:
            row = check.execute("SELECT back FROM cards WHERE id = ?", (cards[0].id,)).fetchone()
        assert row[0].endswith(" More.")
    deck.close()
    kb.close()


@pytest.fixture(scope="module")
def large_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("large") / "large.yaml"
    subprocess.run([sys.executable, str(BENCH / "gen_kb.py"), "1500", str(target)], check=True,
                   capture_output=True)
    return target


def _peak_mb(args: list[str], home: Path) -> float:
    launched, report = rss.popen([*HAMKNEE, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 stdin=subprocess.DEVNULL, env=dict(os.environ, HAMKNEE_HOME=str(home)))
    with launched as proc:
        errors = proc.communicate()[1].decode()
    code, peak_kb = rss.outcome(report)
    assert code == 0, errors[-500:]
    return peak_kb / 1024


@linux
def test_exports_hold_no_more_of_a_large_deck_than_of_a_small_one(large_kb: Path, tmp_path: Path) -> None:
    """1,500 entities (about 1,900 cards) against the shipped knowledge base (about 330): an export writes
    the cards as it reads them, so its peak memory barely grows with the deck."""
    peaks: dict[str, dict[str, float]] = {}
    for name, kb in (("small", []), ("large", ["--kb", str(large_kb)])):
        home = tmp_path / name
        _peak_mb([*kb, "stats"], home)  # the caches and the progress database, as a student's are
        _peak_mb([*kb, "export", "anki", str(home / "first.apkg")], home)  # every note new
        peaks[name] = {
            "anki": _peak_mb([*kb, "export", "anki", str(home / "again.apkg")], home),
            "cards": _peak_mb([*kb, "export", "cards", str(home / "deck.json")], home),
            "csv": _peak_mb([*kb, "export", "csv", str(home / "deck.csv")], home),
        }
    growth = {k: peaks["large"][k] - peaks["small"][k] for k in peaks["large"]}
    assert growth["anki"] < 12, (growth, peaks)
    assert growth["cards"] < 12, (growth, peaks)
    assert growth["csv"] < 6, (growth, peaks)


@linux
def test_a_cold_study_command_adds_little_to_the_first_load(large_kb: Path, tmp_path: Path) -> None:
    """With no cache at all, stats loads the knowledge base, generates the deck and fills the progress
    database: the deck is generated from the cache just written, not beside the whole compiled form."""
    load = _peak_mb(["--kb", str(large_kb), "explain", "pes-anserine"], tmp_path / "lookup")
    study = _peak_mb(["--kb", str(large_kb), "stats"], tmp_path / "study")
    assert study - load < 20, (load, study)
