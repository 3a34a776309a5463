"""The student's progress: an SQLite database of cards, their FSRS state and every review.

Nothing is ever lost or silently replaced:
- each answer is its own committed transaction (``BEGIN IMMEDIATE``), so an interrupted session keeps
  every answer given so far, and two sessions on one database serialize their writes (WAL, busy timeout)
  instead of overwriting each other: a review reads the card's latest state inside its transaction;
- cards are never deleted: a card whose fact left the knowledge base is marked retired, with its history;
- a damaged or foreign database is reported (``StudyDatabaseError``), never reset; ``reset`` keeps a copy.
The schema is versioned with ``PRAGMA user_version`` and upgraded by numbered migrations.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hamknee.errors import StudyDatabaseError
from hamknee.study.cards import Card
from hamknee.study.schedule import MASTERED_STABILITY_DAYS, RATING_NAMES, Outcome, Spacer, local_time, start_of_day

if TYPE_CHECKING:
    from fsrs import Rating

DB_NAME = "study.sqlite3"
BUSY_TIMEOUT_MS = 30_000  # how long opening waits for a database another program holds
_LOCK_POLL_MS = 500  # SQLite's own wait before hamknee looks again (and can say that it is waiting)

# Each migration takes the schema from version i to i + 1; never edit one that has shipped, add another.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE cards (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            entity TEXT NOT NULL,
            qtype TEXT NOT NULL,
            field TEXT NOT NULL,
            front TEXT NOT NULL,
            back TEXT NOT NULL,
            regions TEXT NOT NULL DEFAULT '',
            added_at REAL NOT NULL,
            retired_at REAL,
            state TEXT NOT NULL DEFAULT 'new',
            due REAL,
            stability REAL,
            fsrs TEXT,
            reps INTEGER NOT NULL DEFAULT 0,
            lapses INTEGER NOT NULL DEFAULT 0,
            first_review REAL,
            last_review REAL
        )""",
        "CREATE INDEX cards_due ON cards (retired_at, due)",
        """CREATE TABLE reviews (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            card_id TEXT NOT NULL REFERENCES cards (id),
            reviewed_at REAL NOT NULL,
            rating INTEGER NOT NULL,
            correct INTEGER NOT NULL,
            answer TEXT NOT NULL,
            duration_ms INTEGER,
            state_before TEXT NOT NULL,
            due_after REAL NOT NULL,
            session TEXT NOT NULL
        )""",
        "CREATE INDEX reviews_card ON reviews (card_id)",
        "CREATE INDEX reviews_time ON reviews (reviewed_at)",
    ),
    (
        # Small facts about the database itself, e.g. the deck it was last brought in line with.
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # What each card looked like when last exported to Anki, and since when: Anki takes a note from a
        # package only if its modification time is newer than its own copy's.
        """CREATE TABLE exported (
            card_id TEXT PRIMARY KEY,
            hash TEXT NOT NULL,
            changed_at INTEGER NOT NULL,
            content TEXT NOT NULL
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def _squeezed(sql: object) -> str | None:
    return " ".join(sql.split()) if isinstance(sql, str) else None


# Each kind of schema object in words, and what it does in the file: what a student reads for "a trigger".
_OBJECTS = {
    "trigger": ("a trigger", "SQL that runs by itself whenever hamknee saves or reads your answers, and could "
                             "change or delete them; another program's, or a hostile file's"),
    "view": ("a view", "a stored query another program added, which hamknee could read in place of its own data"),
    "index": ("an index", "a lookup table another program added, which changes how hamknee's own queries run"),
    "table": ("a table", "its own data, which another program added or defined"),
}
_MAX_IDENTIFIER = 60  # longer names are not written into a command for the student to type


def _sql_identifier(name: str) -> str | None:
    """The name quoted as an SQL identifier (in double quotes, each one inside doubled), or None when it
    cannot be shown whole and safely."""
    from hamknee.sanitize import first_unsafe

    if not name or len(name) > _MAX_IDENTIFIER or not name.isprintable() or first_unsafe(name):
        return None
    return '"' + name.replace('"', '""') + '"'


_SCHEMAS: dict[int, dict[tuple[str, str], tuple[str, str | None]]] = {}


def _schema_at(version: int) -> dict[tuple[str, str], tuple[str, str | None]]:
    """Every schema object our migrations make up to ``version``: (type, name) -> (table, SQL)."""
    if version not in _SCHEMAS:
        made = sqlite3.connect(":memory:")
        try:
            for statements in MIGRATIONS[:version]:
                for statement in statements:
                    made.execute(statement)
            _SCHEMAS[version] = {(kind, name): (table, _squeezed(sql)) for kind, name, table, sql in
                                 made.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")}
        finally:
            made.close()
    return _SCHEMAS[version]


def default_path() -> Path:
    """``HAMKNEE_DB`` if set, else ``study.sqlite3`` in the user data directory (or under ``HAMKNEE_HOME``)."""
    chosen = os.environ.get("HAMKNEE_DB")
    if chosen:
        from hamknee.paths import user_path

        return user_path(chosen, "HAMKNEE_DB")
    from hamknee.paths import data_dir

    return data_dir() / DB_NAME


_LOW_SPACE = 1 << 20  # less free space than this on the database's disk: an I/O error is a full disk


def _free_bytes(path: Path) -> int | None:
    for place in (path, path.parent):
        try:
            info = os.statvfs(place)
        except OSError:
            continue
        return info.f_bavail * info.f_frsize
    return None


def _read_only_fs(path: Path) -> bool:
    """Whether the file, or the folder it would be made in (the nearest one that exists), is on a read-only disk."""
    place = path
    while True:
        try:
            return bool(os.statvfs(place).f_flag & os.ST_RDONLY)
        except (FileNotFoundError, NotADirectoryError):
            if place.parent == place:
                return False
            place = place.parent
        except (OSError, AttributeError):
            return False


def _folder_cause(path: Path) -> tuple[str, str] | None:
    """Why nothing can be written beside the database, if that is so: SQLite keeps its journal there."""
    folder = path.parent
    if _read_only_fs(path):
        if not os.path.lexists(path):
            return ("cannot be created: its folder is on a read-only file system",
                    "Choose a database on a writable disk with --db PATH or HAMKNEE_DB, or set HAMKNEE_HOME to a "
                    "writable folder.")
        return ("is on a read-only file system; nothing was changed",
                "Copy it to a writable disk and pass the copy with --db PATH (or HAMKNEE_DB).")
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        return (f"is in a folder that cannot be written ({folder}), and SQLite keeps its journal beside the "
                "file; nothing was changed",
                f"Make the folder writable (chmod u+w {folder}), or move the database to a writable folder "
                "and pass it with --db PATH.")
    return None


def _unwritable(path: Path) -> tuple[str, str] | None:
    """Why the database cannot be written, when that is so: its folder, its disk or its permissions."""
    folder = _folder_cause(path)
    if folder is not None:
        return folder
    if path.exists() and not os.access(path, os.W_OK):
        return ("is read-only (its permissions); nothing was changed",
                f"Make it writable (chmod u+w {path}), or choose another file with --db PATH or HAMKNEE_DB.")
    return None


def _reason(exc: BaseException, path: Path) -> tuple[str, str]:
    import errno

    text = str(exc).lower()
    code = getattr(exc, "errno", None)
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return ("is damaged or is not a hamknee study database; it was left untouched",
                "Move it aside, or run 'hamknee quiz --reset' (it keeps a backup copy).")
    free = _free_bytes(path)
    if "full" in text or code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)) or (
            ("disk i/o error" in text or "unable to open" in text) and free is not None and free < _LOW_SPACE):
        left = f" ({free // 1024} KB free)" if free is not None else ""
        return (f"could not be written: the disk is full{left}; what was saved before is kept",
                "Free some space, then run the command again.")
    if "readonly" in text or "read-only" in text or "unable to open" in text or \
            code in (errno.EACCES, errno.EPERM, errno.EROFS):
        cause = _unwritable(path)
        if cause is not None:
            return cause
    if "readonly" in text or "read-only" in text:
        return "is read-only", "Make it writable, or choose another file with --db PATH or HAMKNEE_DB."
    if "locked" in text or "busy" in text:
        return "is busy: another program holds it locked", "Try again in a moment."
    if "unable to open" in text or isinstance(exc, OSError):
        return ("cannot be opened or created", "Check that its folder exists and is writable, or choose another "
                                               "file with --db PATH or HAMKNEE_DB.")
    from hamknee.safe_write import file_size_limit

    limit = file_size_limit()
    if limit is not None and ("disk i/o error" in text or code == errno.EFBIG):
        return (f"could not be written: it would grow past your file size limit (ulimit -f, {limit:,} bytes); "
                "what was saved before is kept", "Raise the limit (ulimit -f unlimited), then run the command again.")
    # Said in its own words, named as what it is: nothing above explains it.
    return (f"could not be used: the database library reported {str(exc)[:200]!r}; nothing was changed",
            "If it happens again, move the file aside or run 'hamknee quiz --reset' (it keeps a backup copy).")


@contextlib.contextmanager
def _guard(path: Path) -> Iterator[None]:
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        reason, hint = _reason(exc, path)
        raise StudyDatabaseError(f"Study database {path} {reason}.", hint) from None


def _patiently(step: Callable[[], object], wait: float | None = BUSY_TIMEOUT_MS / 1000,
               on_wait: Callable[[float], None] | None = None) -> None:
    """Run a step, retrying while the database is busy (for ever when ``wait`` is None).

    SQLite's own busy timeout is kept short so that ``on_wait`` hears about a long wait (and can say so,
    or stop it) instead of the student facing silence; SQLite also reports some contention at once (a
    session switching a new file to WAL while another opens it), which is retried the same way.
    """
    import time

    start = time.monotonic()
    pause = 0.01
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            elapsed = time.monotonic() - start
            if ("locked" not in text and "busy" not in text) or (wait is not None and elapsed > wait):
                raise
            if on_wait is not None:
                on_wait(elapsed)
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


@contextlib.contextmanager
def _values(path: Path) -> Iterator[None]:
    """A value in the database that hamknee cannot read (hand-edited, damaged) is a study database error."""
    try:
        yield
    except (ValueError, TypeError, KeyError, OverflowError, AttributeError) as exc:
        raise StudyDatabaseError(
            f"Study database {path} holds a value hamknee cannot read ({str(exc)[:120]}); it was left "
            "untouched.",
            "Repair it with the sqlite3 tool, or run 'hamknee quiz --reset' to start over (it keeps a backup "
            "copy).") from None


def _readable(value: Any, key: str = "") -> Any:
    """Figures computed from the database, checked before anything shows them: a hand-edited row can hold
    binary data where text belongs, or a count so large that a share of it is infinite."""
    import math

    if isinstance(value, dict):
        return {k: _readable(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_readable(v, key) for v in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"binary data in {key or 'a text column'}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"a number out of range in {key or 'a column'}")
    if key in ("accuracy", "retention") and value is not None and not 0 <= value <= 1:
        raise ValueError(f"{key} of {value!r} is not a share between 0 and 1")
    return value


def _regular_or_absent(path: Path) -> None:
    try:
        info = os.stat(path)
    except OSError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise StudyDatabaseError(f"Study database {path} is not a regular file (a device, folder or pipe); "
                                 "nothing was changed.", "Choose a file with --db PATH or HAMKNEE_DB.")
    real = Path(os.path.realpath(path))
    for suffix in _SIDECARS:
        side = real.with_name(real.name + suffix)
        try:
            mode = os.lstat(side).st_mode
        except OSError:
            continue
        if not stat.S_ISREG(mode):
            # SQLite opens these files beside the database and reads them: a pipe there waits for ever, a link
            # sends its writes elsewhere.
            raise StudyDatabaseError(
                f"Study database {path} cannot be used: {side} beside it, where SQLite keeps its journal, is "
                f"{_kind_of_file(mode)}, not a file SQLite made; nothing was changed.",
                f"If it is not yours, remove it (rm {side}), then run the command again.")


_SIDECARS = ("-wal", "-journal", "-shm")


def _kind_of_file(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _ts(when: datetime) -> float:
    return when.timestamp()


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


# What a review changes on a card's row: saved before each review, so the review can be rated again.
_SCHEDULE_COLUMNS = "fsrs, state, due, stability, reps, lapses, first_review, last_review"


@dataclass(frozen=True)
class _Receipt:
    """The last answer a store recorded, and the card's row before it."""

    card: Card
    before: tuple[Any, ...]
    review_id: int
    answer: str
    when: datetime
    session: str
    duration_ms: int | None


class Store:
    def __init__(self, path: Path, on_wait: Callable[[float], None] | None = None) -> None:
        self.path = path
        # Called while a write waits for another program's lock: writes then wait for as long as it takes
        # (an answer is kept, not dropped); without it they give up after BUSY_TIMEOUT_MS.
        self.on_wait = on_wait
        self._last: _Receipt | None = None
        self.read_only = False  # a snapshot (see ``snapshot``) writes only to its copy in memory
        self._opened: tuple[int, int] | None = None
        _regular_or_absent(path)  # before the lock file or a journal is made beside a device
        if os.path.exists(path) and not writable(path):
            # Refused before SQLite opens it: opened read-only, it would leave a read-only WAL index
            # beside the file, which stops the next quiz even once the file is writable again.
            reason, hint = _unwritable(path) or ("cannot be written", "Choose another file with --db PATH.")
            raise StudyDatabaseError(f"Study database {path} {reason}.", hint)
        created = not os.path.lexists(path)
        with _guard(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            self._session_lock = _hold(path, exclusive=False)
            self._db = sqlite3.connect(str(path), timeout=_LOCK_POLL_MS / 1000, isolation_level=None)
        try:
            with _guard(path):
                _patiently(self._configure, on_wait=on_wait)
                _patiently(self._migrate, on_wait=on_wait)
            with contextlib.suppress(OSError):
                info = os.stat(path)
                self._opened = (info.st_dev, info.st_ino)
        except BaseException:
            self._db.close()
            if created:
                _remove_stub(path, self._session_lock)
            _release(self._session_lock)
            raise

    @classmethod
    def snapshot(cls, path: Path) -> Store:
        """The database copied into memory, for reading one that cannot be written (read-only file, folder
        or disk): it is opened read-only, and syncing or migrating changes only the copy."""
        _regular_or_absent(path)
        store = cls.__new__(cls)
        store.path, store.on_wait, store.read_only = path, None, True
        store._opened, store._session_lock = None, None
        store._db = sqlite3.connect(":memory:", isolation_level=None)
        try:
            with _guard(path):
                source = _open_read_only(path)
                try:
                    _patiently(lambda: source.backup(store._db))
                finally:
                    source.close()
                check = store._db.execute("PRAGMA quick_check").fetchone()
                if not check or check[0] != "ok":
                    raise sqlite3.DatabaseError("database disk image is malformed")
                store._ours()
                store._migrate()
        except BaseException:
            store._db.close()
            raise
        return store

    def _same_file(self) -> None:
        """Refuse to write once the file at the path is not the one opened (moved, replaced, restored):
        the write would go to a file the student no longer has, and be reported as saved."""
        if self._opened is None:
            return
        try:
            info = os.stat(self.path)
            now: tuple[int, int] | None = (info.st_dev, info.st_ino)
        except OSError:
            now = None
        if now != self._opened:
            raise StudyDatabaseError(
                f"Study database {self.path} was moved or replaced while this session had it open; this "
                "answer was not saved (the earlier ones are in the file that was there).",
                "Run the command again to use the file now at that path.")

    def close(self) -> None:
        self._db.close()
        _release(self._session_lock)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- setup ------------------------------------------------------------------------------------
    def _configure(self) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {_LOCK_POLL_MS}")
        check = db.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise sqlite3.DatabaseError("database disk image is malformed")
        self._ours()  # before anything writes: switching to WAL already changes another program's file
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()
        if mode and str(mode[0]).lower() != "wal":
            # WAL needs shared memory beside the file; rollback journal still keeps every commit.
            db.execute("PRAGMA journal_mode = DELETE")
        # FULL: a committed answer survives a power cut, not only a crash.
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")

    def _ours(self) -> None:
        """Refuse, touching nothing, a file that is not a hamknee study database (or is a newer one)."""
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StudyDatabaseError(
                f"Study database {self.path} was written by a newer hamknee (its layout is version {version}; this "
                f"one reads up to version {SCHEMA_VERSION}); it was left untouched.",
                "Upgrade hamknee, or choose another file with --db PATH.")
        self._only_ours(version)

    def _only_ours(self, version: int) -> None:
        """Refuse a file whose schema holds anything our migrations did not make at its version.

        A trigger, view, index or table added beside ours (or one of ours defined otherwise) runs or
        answers whenever hamknee reads or writes: a trigger on reviews could delete every answer as it is
        saved. Version 0 with any object, even one named like ours, is not ours either: our first
        migration sets the version in the same transaction that creates the tables.
        """
        from hamknee.errors import safe_text

        rows = self._db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
        if version < 0 or (version == 0 and rows):
            raise StudyDatabaseError(
                f"Study database {self.path} is an SQLite file of another program; it was left untouched.",
                "Choose another file with --db PATH or HAMKNEE_DB.")
        expected = _schema_at(version)
        for kind, name, table, sql in rows:
            if kind == "table" and name in ("sqlite_stat1", "sqlite_stat4"):
                continue  # the planner's statistics (ANALYZE, PRAGMA optimize): data, never run
            if expected.get((str(kind), str(name))) == (table, _squeezed(sql)):
                continue
            kind, name, table = str(kind), str(name), str(table)
            shown = safe_text(name, 60)
            on = f" on the table {safe_text(table, 60)!r}" if kind in ("trigger", "index") and table != name else ""
            made = ("that hamknee made, defined otherwise" if (kind, name) in expected
                    else "that hamknee did not make")
            what, why = _OBJECTS.get(kind, (f"a {safe_text(kind, 20)}", "something SQLite keeps"))
            drop = _sql_identifier(name)
            repair = (f"remove it with the sqlite3 tool (DROP {kind.upper()} {drop}) after making a copy"
                      if drop is not None and kind in _OBJECTS else
                      "remove it with the sqlite3 tool after making a copy (its name cannot be shown here whole "
                      "and safely, so no command is given: list it with .schema)")
            raise StudyDatabaseError(
                f"Study database {self.path} holds {what} {shown!r}{on} {made} ({why}); it was left untouched.",
                f"Choose another file with --db PATH or HAMKNEE_DB, or if the file is yours {repair}.")

    def _migrate(self) -> None:
        db = self._db
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StudyDatabaseError(
                f"Study database {self.path} was written by a newer hamknee (its layout is version {version}; this "
                f"one reads up to version {SCHEMA_VERSION}); it was left untouched.",
                "Upgrade hamknee, or choose another file with --db PATH.")
        if version == SCHEMA_VERSION:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            # Another session may have migrated while we waited for the lock.
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                self._only_ours(version)
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number + 1}")
            db.execute("COMMIT")
        except BaseException:
            # A failed ROLLBACK (nothing left to roll back after a full disk) must not hide the real error.
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction: the write lock is taken first, so what we read is what we update."""
        with _guard(self.path):
            _patiently(lambda: self._db.execute("BEGIN IMMEDIATE"), wait=None if self.on_wait else
                       BUSY_TIMEOUT_MS / 1000, on_wait=self.on_wait)
            try:
                self._same_file()
                yield self._db
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with _guard(self.path):
            return list(self._db.execute(sql, params))

    # -- cards --------------------------------------------------------------------------------------
    def synced_deck(self) -> str | None:
        """The fingerprint of the deck the card list was last brought in line with."""
        rows = self._read("SELECT value FROM meta WHERE key = 'deck'")
        return str(rows[0][0]) if rows else None

    def sync(self, cards: Iterable[Card], when: datetime, fingerprint: str | None = None) -> dict[str, int]:
        """Bring the card list in line with the knowledge base: add, update wording, retire, revive.

        With the deck's ``fingerprint``, it is remembered, so that the same deck need not be synced again.
        """
        stamp = _ts(when)
        with self._write() as db:
            # Only the rows that are new or differ are sent (the statement's own condition stays the rule):
            # a changed knowledge base changes a few cards of thousands.
            before = {r[0]: r[1:] for r in db.execute(
                "SELECT id, retired_at, kind, entity, front, back, regions FROM cards")}
            current: set[str] = set()
            rows = []
            for c in cards:
                current.add(c.id)
                front, back, regions = c.front, c.back, " ".join(c.regions)
                old = before.get(c.id)
                if old is not None and old == (None, c.kind, c.entity, front, back, regions):
                    continue
                rows.append((c.id, c.kind, c.entity, c.qtype, c.field, front, back, regions, stamp))
            db.executemany(
                """INSERT INTO cards (id, kind, entity, qtype, field, front, back, regions, added_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, entity = excluded.entity,
                       qtype = excluded.qtype, field = excluded.field, front = excluded.front,
                       back = excluded.back, regions = excluded.regions, retired_at = NULL
                   WHERE cards.front IS NOT excluded.front OR cards.back IS NOT excluded.back
                       OR cards.regions IS NOT excluded.regions OR cards.retired_at IS NOT NULL
                       OR cards.kind IS NOT excluded.kind OR cards.entity IS NOT excluded.entity""",
                rows,
            )
            gone = [(stamp, ident) for ident, row in before.items() if ident not in current and row[0] is None]
            db.executemany("UPDATE cards SET retired_at = ? WHERE id = ?", gone)
            if fingerprint is not None:
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('deck', ?)", (fingerprint,))
        return {
            "added": len(current - set(before)),
            "revived": sum(1 for i in current if i in before and before[i][0] is not None),
            "retired": len(gone),
        }

    def due(self, when: datetime) -> list[str]:
        """Reviewed cards due now, most overdue first."""
        rows = self._read("SELECT id FROM cards WHERE retired_at IS NULL AND reps > 0 AND due <= ? ORDER BY due, id",
                          (_ts(when),))
        return [r[0] for r in rows]

    def unseen(self) -> list[str]:
        return [r[0] for r in self._read("SELECT id FROM cards WHERE retired_at IS NULL AND reps = 0 ORDER BY id")]

    def introduced_since(self, since: datetime) -> int:
        return int(self._read("SELECT COUNT(*) FROM cards WHERE first_review >= ?", (_ts(since),))[0][0])

    def next_due(self) -> datetime | None:
        row = self._read("SELECT MIN(due) FROM cards WHERE retired_at IS NULL AND reps > 0")[0]
        with _values(self.path):
            return _dt(float(row[0])) if row[0] is not None else None

    def card(self, card_id: str) -> dict[str, Any] | None:
        with _guard(self.path):
            cursor = self._db.execute("SELECT * FROM cards WHERE id = ?", (card_id,))
            row = cursor.fetchone()
            names = [d[0] for d in cursor.description]
        return dict(zip(names, row, strict=True)) if row else None

    def retired(self, current: Iterable[str] = ()) -> list[dict[str, Any]]:
        """Studied cards whose fact left the knowledge base: marked so, or not in ``current``."""
        now = set(current)
        rows = self._read("SELECT id, entity, qtype, front, back, retired_at FROM cards WHERE reps > 0 ORDER BY id")
        with _values(self.path):
            found: list[dict[str, Any]] = _readable(
                [dict(zip(("id", "entity", "qtype", "front", "back"), r[:5], strict=True)) for r in rows
                 if r[5] is not None or (now and r[0] not in now)])
            return found

    # -- reviews ----------------------------------------------------------------------------------
    def record(self, card: Card, rating: Rating, *, correct: bool, answer: str, when: datetime,
               spacer: Spacer, session: str, duration_ms: int | None = None) -> Outcome:
        """Schedule the card from its latest saved state and log the review, in one committed transaction.

        The card's state before the review is kept in memory, so that :meth:`revise` can rate the same
        answer again (the student changed the rating, or said a strict verdict was wrong)."""
        with self._write() as db:
            row = db.execute("SELECT " + _SCHEDULE_COLUMNS + " FROM cards WHERE id = ?", (card.id,)).fetchone()
            if row is None:
                db.execute("""INSERT INTO cards (id, kind, entity, qtype, field, front, back, regions, added_at)
                              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                           (card.id, card.kind, card.entity, card.qtype, card.field, card.front, card.back,
                            " ".join(card.regions), _ts(when)))
                row = db.execute("SELECT " + _SCHEDULE_COLUMNS + " FROM cards WHERE id = ?",
                                 (card.id,)).fetchone()
            outcome, review_id = self._apply(db, card, row, rating, correct, answer, when, spacer, session,
                                             duration_ms)
        self._last = _Receipt(card, tuple(row), review_id, answer, when, session, duration_ms)
        return outcome

    def revise(self, card: Card, rating: Rating, *, correct: bool, spacer: Spacer) -> Outcome:
        """Rate the answer last recorded for ``card`` again: its review is replaced, and the card is scheduled
        from the state it had before that review, in one committed transaction."""
        last = self._last
        if last is None or last.card.id != card.id:
            raise ValueError(f"no answer to {card.id} was recorded by this store")
        with self._write() as db:
            db.execute("UPDATE cards SET " + ", ".join(f"{c} = ?" for c in _SCHEDULE_COLUMNS.split(", ")) +
                       " WHERE id = ?", (*last.before, card.id))
            db.execute("DELETE FROM reviews WHERE id = ?", (last.review_id,))
            outcome, review_id = self._apply(db, card, last.before, rating, correct, last.answer, last.when,
                                             spacer, last.session, last.duration_ms)
        self._last = _Receipt(card, last.before, review_id, last.answer, last.when, last.session,
                              last.duration_ms)
        return outcome

    def _apply(self, db: sqlite3.Connection, card: Card, row: Sequence[Any], rating: Rating, correct: bool,
               answer: str, when: datetime, spacer: Spacer, session: str,
               duration_ms: int | None) -> tuple[Outcome, int]:
        saved, state_before = row[0], row[1]
        with _values(self.path):
            outcome = spacer.review(card.id, saved, rating, when)
        lapse = 1 if int(rating) == 1 and state_before == "review" else 0  # Rating.Again
        db.execute(
            """UPDATE cards SET state = ?, due = ?, stability = ?, fsrs = ?, reps = reps + 1,
                   lapses = lapses + ?, first_review = COALESCE(first_review, ?), last_review = ?
               WHERE id = ?""",
            (outcome.state, _ts(outcome.due), outcome.stability, outcome.fsrs, lapse, _ts(when), _ts(when),
             card.id),
        )
        cursor = db.execute(
            """INSERT INTO reviews (card_id, reviewed_at, rating, correct, answer, duration_ms, state_before,
                                    due_after, session) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (card.id, _ts(when), int(rating), int(correct), answer[:500], duration_ms, state_before,
             _ts(outcome.due), session),
        )
        return outcome, int(cursor.lastrowid or 0)

    def review_count(self) -> int:
        return int(self._read("SELECT COUNT(*) FROM reviews")[0][0])

    # -- export ledger ----------------------------------------------------------------------------------
    def exported(self) -> dict[str, tuple[str, int, str]]:
        """Every card ever exported to Anki: id -> (content hash, changed at (s), content as exported)."""
        rows = self._read("SELECT card_id, hash, changed_at, content FROM exported")
        return {r[0]: (r[1], stamp, r[3]) for r in rows if (stamp := _ledger_stamp(r)) is not None}

    def export_hashes(self) -> dict[str, tuple[str, int]]:
        """Every card ever exported to Anki: id -> (content hash, changed at (s)), without the contents."""
        return _ledger(self._read("SELECT card_id, hash, changed_at FROM exported"))

    def exported_contents(self, ids: Iterable[str]) -> dict[str, str]:
        """The content last exported of each of these cards (those ever exported)."""
        import json

        found: dict[str, str] = {}
        wanted = list(ids)
        for start in range(0, len(wanted), 500):
            batch = wanted[start:start + 500]
            marks = ", ".join("?" * len(batch))
            found.update((r[0], r[1]) for r in self._read(
                f"SELECT card_id, content FROM exported WHERE card_id IN ({marks})", batch))
        with _values(self.path):
            for ident, text in found.items():
                # Written back to Anki as the note's fields and tags: front, back, source, id, then tags.
                content = json.loads(text) if isinstance(text, str) else None
                if not (isinstance(content, list) and len(content) >= 4 and
                        all(isinstance(part, str) for part in content)):
                    raise ValueError(f"the exported content of card {str(ident)[:60]!r} is not a list of fields")
        return found

    @contextlib.contextmanager
    def stamping_exports(self, contents: Mapping[str, tuple[str, str | None]], when: datetime,
                         fill: Callable[[list[str]], Mapping[str, str]] | None = None) -> Iterator[dict[str, int]]:
        """The modification time (whole seconds) of each card's content: kept while the content hash stays
        the same, moved forward (past the previous one) when it changes, ``when`` for a card never exported.

        ``contents`` maps card id -> (content hash, content); the content may be None where the caller
        found the hash unchanged when it looked, and ``fill`` then gives it for those that changed after
        all (another export in between). Rows are only added or updated, never removed.

        The new times are committed only when the block ends without an error: the package they go into is
        written inside it, and a package that never reached its place must not count as exported (the
        next export would take its notes for unchanged, and Anki would never get them).
        """
        now = int(when.timestamp())
        stamps: dict[str, int] = {}
        with self._write() as db:
            known = _ledger(db.execute("SELECT card_id, hash, changed_at FROM exported"))
            changes = []
            unread: dict[str, tuple[str, int]] = {}
            for ident, (digest, content) in contents.items():
                previous = known.get(ident)
                if previous is not None and previous[0] == digest:
                    stamps[ident] = previous[1]
                    continue
                stamp = now if previous is None else max(now, previous[1] + 1)
                stamps[ident] = stamp
                if content is None:
                    unread[ident] = (digest, stamp)
                else:
                    changes.append((ident, digest, stamp, content))
            if unread:
                if fill is None:
                    raise ValueError(f"no content given for {len(unread)} changed cards")
                filled = fill(list(unread))
                changes += [(ident, digest, stamp, filled[ident]) for ident, (digest, stamp) in unread.items()]
            db.executemany(
                """INSERT INTO exported (card_id, hash, changed_at, content) VALUES (?, ?, ?, ?)
                   ON CONFLICT (card_id) DO UPDATE SET hash = excluded.hash, changed_at = excluded.changed_at,
                       content = excluded.content""", changes)
            yield stamps

    # -- statistics ---------------------------------------------------------------------------------
    def stats(self, when: datetime, days: int = 7) -> dict[str, Any]:
        with _values(self.path):
            checked: dict[str, Any] = _readable(self._stats(when, days))
            return checked

    def _stats(self, when: datetime, days: int) -> dict[str, Any]:
        now = _ts(when)
        cards = self._read(
            "SELECT kind, entity, state, reps, due, stability, retired_at FROM cards")
        active = [c for c in cards if c[6] is None]
        counts = {
            "total": len(active),
            "new": sum(1 for c in active if c[3] == 0),
            "learning": sum(1 for c in active if c[3] > 0 and c[2] in ("learning", "relearning")),
            "due": sum(1 for c in active if c[3] > 0 and c[4] is not None and c[4] <= now),
            "young": sum(1 for c in active if c[2] == "review" and (c[5] or 0) < MASTERED_STABILITY_DAYS),
            "mastered": sum(1 for c in active if c[2] == "review" and (c[5] or 0) >= MASTERED_STABILITY_DAYS),
            "retired": len(cards) - len(active),
        }
        today = _ts(start_of_day(when))
        total, right, today_count = self._read(
            "SELECT COUNT(*), COALESCE(SUM(correct), 0), COALESCE(SUM(reviewed_at >= ?), 0) FROM reviews",
            (today,))[0]
        kept = self._read("SELECT COUNT(*), COALESCE(SUM(correct), 0) FROM reviews WHERE state_before = 'review'")[0]
        ratings = dict(self._read("SELECT rating, COUNT(*) FROM reviews GROUP BY rating"))

        def accuracy(column: str) -> list[dict[str, Any]]:
            rows = self._read(
                f"""SELECT c.{column}, COUNT(*), SUM(r.correct) FROM reviews r JOIN cards c ON c.id = r.card_id
                    GROUP BY c.{column} ORDER BY c.{column}""")
            return [{column: key, "reviews": n, "correct": ok, "accuracy": round(ok / n, 3)} for key, n, ok in rows]

        start = start_of_day(when)
        forecast = []
        for day in range(days):
            begin = start + timedelta(days=day)
            end = begin + timedelta(days=1)
            low = float("-inf") if day == 0 else _ts(begin)
            n = sum(1 for c in active if c[3] > 0 and c[4] is not None and low <= c[4] < _ts(end))
            forecast.append({"date": local_time(begin).date().isoformat(), "due": n})
        next_due = self.next_due()
        return {
            "database": str(self.path),
            "read_only": self.read_only,
            "cards": counts,
            "reviews": {"total": total, "correct": right, "today": today_count,
                        "ratings": {RATING_NAMES[k]: v for k, v in sorted(ratings.items())}},
            "accuracy": round(right / total, 3) if total else None,
            "retention": round(kept[1] / kept[0], 3) if kept[0] else None,
            "by_kind": accuracy("kind"),
            "by_entity": accuracy("entity"),
            "forecast": forecast,
            "next_due": next_due.isoformat() if next_due else None,
        }


# Anki keeps a note's modification time in whole seconds; beyond this no clock will reach.
_LATEST_STAMP = 1 << 40


def _ledger_stamp(row: Sequence[Any]) -> int | None:
    """The export time in a ledger row, or None where the row cannot be read (a hand-edited or damaged one).

    Such a row is passed over: the card counts as never exported, so its next export stamps it afresh and
    writes the row anew, which loses nothing the student made."""
    ident, digest, stamp = row[0], row[1], row[2]
    if not (isinstance(ident, str) and isinstance(digest, str)) or isinstance(stamp, bool):
        return None
    if isinstance(stamp, float) and stamp.is_integer():
        stamp = int(stamp)
    if not isinstance(stamp, int) or not 0 <= stamp < _LATEST_STAMP:
        return None
    return stamp


def _ledger(rows: Iterable[Sequence[Any]]) -> dict[str, tuple[str, int]]:
    return {r[0]: (r[1], stamp) for r in rows if (stamp := _ledger_stamp(r)) is not None}


def _lock_file(path: Path) -> Path:
    # Beside the file itself, not beside a symbolic link to it: every way to the database shares one lock.
    real = Path(os.path.realpath(path))
    return real.with_name(f"{real.name}.lock")


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection that creates nothing beside the file (a WAL index made here would be
    read-only too, and would stop the next quiz once the file is writable again)."""
    from urllib.parse import quote

    uri = f"file:{quote(str(path))}?mode=ro"
    try:
        pending = os.path.getsize(f"{path}-wal") > 0
    except OSError:
        pending = False
    if not pending:
        # Every commit is in the file itself: read it as it stands, without locks or WAL index.
        return sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None)
    # Commits still in the WAL (a session running, or one that was killed): read through its index.
    return sqlite3.connect(uri, uri=True, timeout=_LOCK_POLL_MS / 1000, isolation_level=None)


def _remove_stub(path: Path, lock: int | None) -> None:
    """Remove a database this run created but could not set up (a full disk): an empty file is no progress,
    and it would be mistaken for one. Only while no other run has it open (the lock says so)."""
    import fcntl

    if lock is None:
        return
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return
    from urllib.parse import quote

    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        try:
            tables = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        tables = 0  # not even a header: nothing in it
    if tables:
        return
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _hold(path: Path, exclusive: bool) -> int | None:
    """A lock beside the database: shared for every open store, exclusive for a reset.

    A reset moves the file away; a session that kept it open would go on writing to a file nobody can see
    (and report its answers saved). The lock file is never removed, so both always lock the same file.
    None where locking is not possible (a read-only folder): nothing is moved there anyway.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    try:
        fd = os.open(_lock_file(path), os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX | fcntl.LOCK_NB) if exclusive else fcntl.LOCK_SH)
    except BlockingIOError:
        os.close(fd)
        raise StudyDatabaseError(f"Study database {path} is in use by a quiz or stats right now; it was left "
                                 "untouched.", "Finish that session first, then reset.") from None
    except OSError:
        os.close(fd)
        return None
    return fd


def _release(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


def reset(path: Path, when: datetime) -> Path | None:
    """Move the progress aside as a timestamped backup (with its WAL, so it stays readable); None if none.

    Through a symbolic link, the file it points at is reset and the link kept: the next quiz starts
    afresh where the link points. Nothing is changed unless the backup copy is complete.
    """
    real = Path(os.path.realpath(path))
    if not real.exists():
        return None
    _regular_or_absent(real)
    _resettable(path, real)
    stamp = local_time(when).strftime("%Y%m%d-%H%M%S")
    backup = real.with_name(f"{real.name}.{stamp}.bak")
    counter = 1
    while os.path.lexists(backup):  # a dangling link there is taken too: a backup never goes through one
        counter += 1
        backup = real.with_name(f"{real.name}.{stamp}-{counter}.bak")
    held = _hold(real, exclusive=True)
    try:
        _move_aside(path, real, backup)
    finally:
        _release(held)
    return backup


def _resettable(path: Path, real: Path) -> None:
    """Refuse, before anything is copied, a reset that could not complete, saying why."""
    folder = real.parent
    if _read_only_fs(real):
        raise StudyDatabaseError(f"Study database {path} cannot be reset: it is on a read-only file system; it "
                                 "was left untouched.", "Copy it to a writable disk and use the copy with --db PATH.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StudyDatabaseError(
            f"Study database {path} cannot be reset: its folder {folder} cannot be written, so neither the "
            "backup copy nor the fresh start can be made there; it was left untouched.",
            f"Make the folder writable (chmod u+w {folder}), then reset again.")
    if not os.access(real, os.W_OK):
        raise StudyDatabaseError(
            f"Study database {path} cannot be reset: it is read-only (its permissions); it was left untouched.",
            f"Make it writable (chmod u+w {real}) if you mean to start over, then reset again.")


def _copy_new(source: Path, copy: Path) -> None:
    """Copy to a name that must not exist yet (never through a link, never over a file made meanwhile)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(copy, flags, 0o600)
    try:
        with open(source, "rb") as reading, os.fdopen(os.dup(fd), "wb") as writing:
            shutil.copyfileobj(reading, writing, 1 << 20)
            writing.flush()
            os.fsync(writing.fileno())
        shutil.copystat(source, copy)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(copy)  # ours, and half made
        raise
    finally:
        os.close(fd)


def _move_aside(path: Path, real: Path, backup: Path) -> None:
    import errno

    wal = Path(f"{real}-wal")
    copies = [(real, backup)] + ([(wal, Path(f"{backup}-wal"))] if wal.exists() else [])
    made: list[Path] = []
    try:
        for source, copy in copies:
            _copy_new(source, copy)
            made.append(copy)
    except OSError as exc:
        for copy in made:  # a backup without its WAL is no backup
            with contextlib.suppress(OSError):
                copy.unlink()
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            free = _free_bytes(real)
            left = f" ({free // 1024} KB free)" if free is not None else ""
            raise StudyDatabaseError(
                f"Study database {path} cannot be reset: the disk is full{left}, so the backup copy could not be "
                "made; it was left untouched.", "Free some space, then reset again.") from None
        reason, hint = _reason(exc, real)
        raise StudyDatabaseError(f"Study database {path} {reason}.", hint) from None
    with _guard(path):
        for leftover in (real, wal, Path(f"{real}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def writable(path: Path) -> bool:
    """Whether the database file at ``path`` (which exists) can be opened for writing: the file, the folder
    SQLite keeps its journal in, and the disk."""
    real = Path(os.path.realpath(path))
    return not _read_only_fs(real) and os.access(real, os.W_OK) and os.access(real.parent, os.W_OK | os.X_OK)
