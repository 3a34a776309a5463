"""The study database is checked to be ours before anything writes to it, and bad values are reported."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.ptyrun import HAMKNEE
from tests.test_study import STUDY_KB


def hk_run(tmp_path: Path, *args: str, input: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HAMKNEE, "--kb", str(STUDY_KB), *args], capture_output=True, text=True, input=input,
                          env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "h")), timeout=60)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


FOREIGN = {
    "other-tables": ["CREATE TABLE things (x)", "INSERT INTO things VALUES (1)"],
    "a-cards-table": ["CREATE TABLE cards (id TEXT, other TEXT)", "INSERT INTO cards VALUES ('a', 'b')"],
    "negative-version": ["CREATE TABLE t (x)", "PRAGMA user_version = -1"],
}


@pytest.mark.parametrize("kind", sorted(FOREIGN))
@pytest.mark.parametrize("command", [["quiz", "--count", "1"], ["stats"]])
def test_another_programs_database_is_not_modified_at_all(tmp_path, kind, command):
    db = tmp_path / "theirs.sqlite3"
    with sqlite3.connect(db) as conn:
        for statement in FOREIGN[kind]:
            conn.execute(statement)
    conn.close()
    before = digest(db)
    r = hk_run(tmp_path, *command, "--db", str(db), input="x\n")
    assert r.returncode == 5, r.stderr
    assert "is an SQLite file of another program; it was left untouched" in r.stderr
    assert "Traceback" not in r.stderr
    assert digest(db) == before
    assert sorted(os.listdir(tmp_path)) in (["h", "theirs.sqlite3"], ["h", "theirs.sqlite3", "theirs.sqlite3.lock"])


def _studied(tmp_path: Path) -> Path:
    db = tmp_path / "p.sqlite3"
    r = hk_run(tmp_path, "quiz", "--count", "2", "--seed", "1", "--db", str(db), input="x\nx\n")
    assert r.returncode == 0, r.stderr
    return db


BAD_VALUES = {
    "fsrs-not-json": "UPDATE cards SET fsrs = 'not json', due = 0 WHERE reps > 0",
    "due-text": "UPDATE cards SET due = 'abc' WHERE reps > 0",
    "due-huge": "UPDATE cards SET due = 1e300 WHERE reps > 0",
    "rating-seven": "UPDATE reviews SET rating = 7",
    "correct-huge": "UPDATE reviews SET correct = 1e308",
    "entity-binary": "UPDATE cards SET entity = X'00ff'",
}


@pytest.mark.parametrize("bad", sorted(BAD_VALUES))
def test_a_bad_value_is_exit_5_with_a_repair_hint(tmp_path, bad):
    db = _studied(tmp_path)
    with sqlite3.connect(db) as conn:
        conn.execute(BAD_VALUES[bad])
    conn.close()
    outcomes = [hk_run(tmp_path, "stats", "--db", str(db)), hk_run(tmp_path, "stats", "--json", "--db", str(db)),
                hk_run(tmp_path, "quiz", "--count", "2", "--db", str(db), input="x\nx\n")]
    assert all("Traceback" not in r.stderr for r in outcomes), [r.stderr for r in outcomes]
    failed = [r for r in outcomes if r.returncode != 0]
    assert failed, [r.stdout for r in outcomes]
    for r in failed:
        assert r.returncode == 5, r.stderr
        assert "holds a value hamknee cannot read" in r.stderr and "hamknee quiz --reset" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_study_database_that_is_not_a_regular_file_is_refused_untouched(tmp_path: Path) -> None:
    pipe = tmp_path / "study.sqlite3"
    os.mkfifo(pipe)
    r = subprocess.run([*HAMKNEE, "stats", "--db", str(pipe)], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home")))
    assert r.returncode == 5
    assert "is not a regular file" in r.stderr and "Traceback" not in r.stderr
    # No lock file or journal was made beside it.
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("study")] == ["study.sqlite3"]


def test_a_database_replaced_during_a_session_is_not_written_to(tmp_path: Path) -> None:
    from tests.ptyrun import Session

    db = tmp_path / "study.sqlite3"
    home = {"HAMKNEE_HOME": str(tmp_path / "home")}
    session = Session(["--kb", str(STUDY_KB), "quiz", "--count", "3", "--type", "recall", "--seed", "1",
                       "--db", str(db)], home)
    session.expect("> ")
    session.type("first answer\r")
    session.expect("> ")  # the first answer is judged and saved; the next question is asked
    moved = tmp_path / "moved.sqlite3"
    db.rename(moved)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{db}{suffix}")
        if side.exists():
            side.rename(Path(f"{moved}{suffix}"))
    db.write_bytes(b"")  # another file now stands at the path
    session.type("second answer\r")
    code, output = session.finish()
    assert code == 5, output
    assert "was moved or replaced while this session had it open" in " ".join(output.split())
    assert db.read_bytes() == b""  # nothing written into the file that replaced it


# Schema objects another program (or a hostile file) may add beside our own tables: each could change or
# delete the student's answers as hamknee writes them, or make a read show something else.
ADDED_OBJECTS = {
    "trigger-deleting-answers": ("trigger", "wipe",
                                 "CREATE TRIGGER wipe AFTER INSERT ON reviews BEGIN DELETE FROM reviews; END"),
    "trigger-on-cards": ("trigger", "t2", "CREATE TRIGGER t2 BEFORE UPDATE ON cards BEGIN SELECT RAISE(IGNORE); END"),
    "view": ("view", "v", "CREATE VIEW v AS SELECT * FROM reviews"),
    "extra-index": ("index", "i", "CREATE INDEX i ON reviews (answer)"),
    "extra-table": ("table", "x", "CREATE TABLE x (a)"),
    "redefined-table": ("table", "meta", "DROP TABLE meta; CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT "
                                         "NOT NULL CHECK (value = 'x'))"),
}


@pytest.mark.parametrize("kind", sorted(ADDED_OBJECTS))
@pytest.mark.parametrize("command", [["quiz", "--count", "2"], ["stats"], ["export", "cards", "-"]])
def test_a_schema_object_hamknee_did_not_make_marks_the_file_as_not_ours(tmp_path, kind, command):
    db = _studied(tmp_path)
    what, name, sql = ADDED_OBJECTS[kind]
    conn = sqlite3.connect(db)
    conn.executescript(sql)
    conn.close()
    before = digest(db)
    sides = sorted(p.name for p in tmp_path.iterdir())
    r = hk_run(tmp_path, *command, "--db", str(db), input="x\nx\n")
    assert r.returncode == 5, (r.stdout, r.stderr)
    line = " ".join(r.stderr.split())
    article = "an" if what == "index" else "a"
    assert f"holds {article} {what} {name!r}" in line, r.stderr
    assert "holds a index" not in line
    assert ("that hamknee made, defined otherwise" if kind == "redefined-table" else "that hamknee did not make") \
        in line
    assert "it was left untouched" in line and "--db PATH" in line
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert digest(db) == before  # not even switched to WAL
    assert sorted(p.name for p in tmp_path.iterdir()) == sides
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] >= 2
    conn.close()


def test_an_older_schema_with_only_its_own_objects_is_upgraded(tmp_path):
    db = tmp_path / "old.sqlite3"
    from hamknee.study.store import MIGRATIONS

    conn = sqlite3.connect(db)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    r = hk_run(tmp_path, "quiz", "--count", "1", "--db", str(db), input="x\n")
    assert r.returncode == 0, r.stderr
    with sqlite3.connect(db) as conn:
        conn.execute("ANALYZE")  # the planner's statistics are data hamknee can live with
    conn.close()
    r = hk_run(tmp_path, "stats", "--db", str(db))
    assert r.returncode == 0, r.stderr


def _studied_and_exported(tmp_path: Path) -> Path:
    """Progress with answers, an Anki export ledger, and a studied card whose fact left the knowledge base."""
    db = _studied(tmp_path)
    r = hk_run(tmp_path, "export", "anki", str(tmp_path / "first.apkg"), "--db", str(db))
    assert r.returncode == 0, r.stderr
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT id FROM cards WHERE reps > 0 LIMIT 1").fetchone()
        conn.execute("""INSERT INTO cards SELECT 'gone:card:x', kind, entity, qtype, field, front, back, regions,
                        added_at, 1.0, state, due, stability, fsrs, reps, lapses, first_review, last_review
                        FROM cards WHERE id = ?""", row)
        conn.execute("INSERT INTO exported SELECT 'gone:card:x', hash, changed_at, content FROM exported LIMIT 1")
        conn.execute("UPDATE cards SET due = 0 WHERE reps > 0")  # due now: the quiz reads their saved state
    conn.close()
    return db


# Every column the study commands read, with a value no hamknee wrote; each must be refused (exit 5, one line,
# a repair hint) or ignored where that loses nothing.
HOSTILE_VALUES = {
    "ledger-stamp-text": "UPDATE exported SET changed_at = 'abc'",
    "ledger-stamp-huge": "UPDATE exported SET changed_at = 1e308",
    "ledger-stamp-over-2-63": "UPDATE exported SET changed_at = '99999999999999999999'",
    "ledger-stamp-negative": "UPDATE exported SET changed_at = -1",
    "retired-content-not-json": "UPDATE exported SET content = 'not json' WHERE card_id = 'gone:card:x'",
    "retired-content-wrong-shape": "UPDATE exported SET content = '{\"a\": 1}' WHERE card_id = 'gone:card:x'",
    "retired-id-binary": "UPDATE cards SET id = X'00ff' WHERE id = 'gone:card:x'",
    "due-past-year-9999": "UPDATE cards SET due = 1e12 WHERE reps > 0",
    "stability-negative": "UPDATE cards SET stability = -1 WHERE reps > 0",
    "fsrs-wrong-shape": "UPDATE cards SET fsrs = '{\"a\": 1}' WHERE reps > 0",
    "fsrs-empty": "UPDATE cards SET fsrs = '' WHERE reps > 0",
    "reps-huge": "UPDATE cards SET reps = 9223372036854775807 WHERE reps > 0",
    "rating-zero": "UPDATE reviews SET rating = 0",
    "reviewed-at-huge": "UPDATE reviews SET reviewed_at = 1e308",
    "review-of-an-unknown-card": "UPDATE reviews SET card_id = 'no:such:card'",
    "meta-deck-binary": "UPDATE meta SET value = X'00ff'",
}
STUDY_COMMANDS = {
    "quiz": (["quiz", "--count", "2"], "x\nx\nx\nx\n"), "stats": (["stats"], ""),
    "stats-json": (["stats", "--json"], ""), "export-anki": (["export", "anki", "OUT.apkg", "--force"], ""),
    "export-cards": (["export", "cards", "OUT.json"], ""), "reset": (["quiz", "--reset"], ""),
}


@pytest.mark.parametrize("bad", sorted(HOSTILE_VALUES))
def test_a_hostile_value_in_any_column_is_refused_or_ignored_never_a_traceback(tmp_path, bad):
    db = _studied_and_exported(tmp_path)
    with sqlite3.connect(db) as conn:
        conn.execute(HOSTILE_VALUES[bad])
    conn.close()
    snapshot = db.read_bytes()
    outcomes = {}
    for name, (args, stdin) in STUDY_COMMANDS.items():
        for leftover in tmp_path.glob("p.sqlite3*"):
            leftover.unlink()
        db.write_bytes(snapshot)
        out = str(tmp_path / f"out-{name}")
        r = hk_run(tmp_path, *[a.replace("OUT", out) for a in args], "--db", str(db), input=stdin)
        outcomes[name] = r
        assert "Traceback" not in r.stderr, (name, r.stderr[-800:])
        assert r.returncode in (0, 1, 5), (name, r.returncode, r.stderr)
        if r.returncode == 5:
            lines = r.stderr.strip().splitlines()
            assert len(lines) == 1, (name, r.stderr)
            assert str(db) in lines[0] and "hamknee quiz --reset" in lines[0], (name, lines[0])
    if bad.startswith("ledger-stamp"):  # the ledger only dates notes for Anki: a row it cannot read is redone
        assert outcomes["export-anki"].returncode == 0, outcomes["export-anki"].stderr
    if bad.startswith("retired-"):
        refused = "export-cards" if bad == "retired-id-binary" else "export-anki"
        assert outcomes[refused].returncode == 5, (refused, outcomes[refused].stderr)
    assert outcomes["reset"].returncode == 0, outcomes["reset"].stderr  # the way out always works


# -- repairs a student can paste, in words a student reads -------------------------------------------------------

@pytest.mark.parametrize(("name", "drop"), [
    ('say "hi"', 'DROP TRIGGER "say ""hi"""'),
    ("wipe; DROP TABLE reviews; --", 'DROP TRIGGER "wipe; DROP TABLE reviews; --"'),
    ("x" * 200, None),
    ("bell\x07\x1b]0;t\x07", None),
    ("rtl\u202eevil", None),
])
def test_a_repair_names_the_object_as_a_quoted_sql_identifier_or_gives_no_sql(tmp_path, name, drop):
    db = _studied(tmp_path)
    quoted = '"' + name.replace('"', '""') + '"'
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TRIGGER {quoted} AFTER INSERT ON reviews BEGIN SELECT 1; END")
    conn.commit()
    conn.close()
    r = hk_run(tmp_path, "stats", "--db", str(db))
    assert r.returncode == 5, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert not any(ch in r.stderr for ch in "\x07\x1b\u202e")
    if drop is not None:
        assert f"({drop})" in lines[0], lines[0]
    else:
        assert "DROP" not in lines[0], lines[0]
        assert "its name cannot be shown here" in lines[0], lines[0]
    assert len(lines[0]) < 700


@pytest.mark.parametrize("kind", sorted(ADDED_OBJECTS))
def test_a_schema_object_is_named_in_words_a_student_reads(tmp_path, kind):
    db = _studied(tmp_path)
    what, _, sql = ADDED_OBJECTS[kind]
    conn = sqlite3.connect(db)
    conn.executescript(sql)
    conn.close()
    line = hk_run(tmp_path, "stats", "--db", str(db)).stderr.strip()
    explained = {"trigger": "(SQL that runs by itself", "view": "(a stored query", "index": "(a lookup table",
                 "table": "(its own data"}
    words = line.replace(str(db), "DB")
    assert explained[what] in words and "schema" not in words, line


def test_an_unexplained_database_failure_says_what_happened_in_words(tmp_path, monkeypatch):
    from hamknee.study.store import _reason

    reason, hint = _reason(sqlite3.OperationalError("no such column: foo"), tmp_path / "p.sqlite3")
    assert reason.startswith("could not be used: the database library reported 'no such column: foo'"), reason
    assert "hamknee quiz --reset" in hint


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("side", ["-wal", "-journal", "-shm"])
@pytest.mark.parametrize("command", [["quiz", "--reset"], ["quiz", "--count", "1"], ["stats"]])
def test_a_named_pipe_beside_the_database_is_refused_not_waited_on(tmp_path, side, command):
    db = _studied(tmp_path)
    for leftover in (f"{db}-wal", f"{db}-shm"):
        Path(leftover).unlink(missing_ok=True)
    before = digest(db)
    os.mkfifo(f"{db}{side}")
    r = hk_run(tmp_path, *command, "--db", str(db), input="x\n")  # timeout=60: a wait on the pipe fails the test
    assert r.returncode == 5, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"{db.name}{side}" in lines[0] and "named pipe" in lines[0], lines[0]
    assert digest(db) == before
    assert not list(tmp_path.glob("*.bak"))
