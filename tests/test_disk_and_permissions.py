"""A study database or export on a read-only file, folder or disk, a full disk, a database behind a link:
the work goes on where it can, and every refusal names its real cause and what to do."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ptyrun import HAMKNEE
from tests.test_study import STUDY_KB

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux permissions and mounts")

NOBODY = 65534
ROOT = os.geteuid() == 0


# As root, permissions do not hold: run as nobody, without root's capabilities or groups.
DROP = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if ROOT else []


def _can_run_as_nobody() -> bool:
    if not ROOT:
        return True  # permissions already apply to this user
    try:
        done = subprocess.run([*DROP, *HAMKNEE, "--version"], capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _can_mount() -> bool:
    if not ROOT or shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                          capture_output=True, timeout=60).returncode == 0


needs_permissions = pytest.mark.skipif(not _can_run_as_nobody(), reason="cannot run hamknee as an ordinary user")
needs_tmpfs = pytest.mark.skipif(not _can_mount(), reason="needs root to mount a private tmpfs")


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder an ordinary user can reach (pytest's own tmp_path is private to its user)."""
    base = Path(tempfile.mkdtemp(prefix="hamknee-perm-"))
    base.chmod(0o755)
    yield base
    for root, dirs, _ in os.walk(base):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
    shutil.rmtree(base, ignore_errors=True)


def _as_user(args: list[str], home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """hamknee as an ordinary user, so that read-only permissions hold (root would write anyway)."""
    return subprocess.run([*DROP, *HAMKNEE, "--kb", str(STUDY_KB), *args], input=stdin, capture_output=True,
                          text=True, env=dict(os.environ, HAMKNEE_HOME=str(home)), timeout=120)


def _owned_folder(shared: Path, name: str) -> Path:
    folder = shared / name
    folder.mkdir()
    if ROOT:
        os.chown(folder, NOBODY, NOBODY)
    return folder


def _home(shared: Path) -> Path:
    return _owned_folder(shared, "home")


def _one_answer(db: Path, home: Path) -> None:
    done = _as_user(["quiz", "--topic", "semitendinosus", "--type", "recall", "--count", "1", "--db", str(db)],
                    home, stdin="pes anserinus\n")
    assert done.returncode == 0, done.stderr
    assert len(reviews(db)) == 1


def reviews(db: Path) -> list[str]:
    """The reviews saved, read without leaving a connection (or a WAL index made by root) behind."""
    import contextlib
    from urllib.parse import quote

    with contextlib.closing(sqlite3.connect(f"file:{quote(str(db))}?mode=ro&immutable=1", uri=True)) as conn:
        return [row[0] for row in conn.execute("SELECT card_id FROM reviews ORDER BY id")]


def _listing(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


# -- stats on a database that cannot be written ---------------------------------------------------------

@needs_permissions
@pytest.mark.parametrize(("file_mode", "folder_mode"), [(0o444, 0o755), (0o644, 0o555), (0o444, 0o555)],
                         ids=["read-only-file", "read-only-folder", "both"])
def test_stats_shows_a_read_only_database_and_writes_nothing(shared, file_mode, folder_mode):
    home = _home(shared)
    folder = _owned_folder(shared, "db")
    db = folder / "p.sqlite3"
    _one_answer(db, home)
    before = _listing(folder)
    content = db.read_bytes()
    db.chmod(file_mode)
    folder.chmod(folder_mode)
    done = _as_user(["stats", "--db", str(db)], home)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "Answers: 1," in done.stdout
    assert "Database (read-only: shown as it is, nothing was written):" in done.stdout
    as_json = _as_user(["stats", "--json", "--db", str(db)], home)
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["read_only"] is True and data["reviews"]["total"] == 1
    folder.chmod(0o755)
    assert _listing(folder) == before  # no WAL index or journal left beside it
    assert db.read_bytes() == content
    db.chmod(0o644)
    _one_answer_more(db, home)


def _one_answer_more(db: Path, home: Path) -> None:
    # Once writable again, the next quiz works as before: nothing left behind stands in its way.
    done = _as_user(["quiz", "--topic", "semitendinosus", "--type", "recall", "--count", "1", "--new", "100",
                     "--db", str(db)], home, stdin="pes anserinus\n")
    assert done.returncode == 0, done.stderr


@needs_permissions
def test_a_quiz_in_a_read_only_folder_says_the_folder_is_the_cause(shared):
    home = _home(shared)
    folder = _owned_folder(shared, "db")
    db = folder / "p.sqlite3"
    _one_answer(db, home)
    folder.chmod(0o555)
    done = _as_user(["quiz", "--count", "1", "--db", str(db)], home, stdin="x\n")
    assert done.returncode == 5, done.stderr
    assert f"is in a folder that cannot be written ({folder})" in done.stderr, done.stderr
    assert f"chmod u+w {folder}" in done.stderr
    assert "Make it writable" not in done.stderr  # the file itself is writable


# -- reset -------------------------------------------------------------------------------------------------

@needs_permissions
def test_reset_in_a_read_only_folder_names_the_folder_and_changes_nothing(shared):
    home = _home(shared)
    folder = _owned_folder(shared, "db")
    db = folder / "p.sqlite3"
    _one_answer(db, home)
    before = _listing(folder)
    folder.chmod(0o555)
    done = _as_user(["quiz", "--reset", "--db", str(db)], home)
    assert done.returncode == 5, done.stderr
    assert (f"Study database {db} cannot be reset: its folder {folder} cannot be written, so neither the backup "
            "copy nor the fresh start can be made there; it was left untouched.") in done.stderr, done.stderr
    assert f"Make the folder writable (chmod u+w {folder}), then reset again." in done.stderr
    folder.chmod(0o755)
    assert _listing(folder) == before and len(reviews(db)) == 1


@needs_permissions
def test_reset_of_a_read_only_database_says_so_and_changes_nothing(shared):
    home = _home(shared)
    folder = _owned_folder(shared, "db")
    db = folder / "p.sqlite3"
    _one_answer(db, home)
    before = _listing(folder)
    db.chmod(0o444)
    done = _as_user(["quiz", "--reset", "--db", str(db)], home)
    assert done.returncode == 5, done.stderr
    assert f"Study database {db} cannot be reset: it is read-only (its permissions); it was left untouched." \
        in done.stderr, done.stderr
    assert f"chmod u+w {db}" in done.stderr
    assert _listing(folder) == before and len(reviews(db)) == 1


def test_reset_through_a_link_resets_the_file_it_points_at_and_keeps_the_link(tmp_path):
    env = dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home"), COLUMNS="200")
    real = tmp_path / "sync" / "p.sqlite3"
    real.parent.mkdir()
    link = tmp_path / "p.sqlite3"
    link.symlink_to(real)

    def quiz(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([*HAMKNEE, "--kb", str(STUDY_KB), "quiz", *args, "--db", str(link)], input=stdin,
                              capture_output=True, text=True, env=env, timeout=120)

    first = quiz("--topic", "semitendinosus", "--type", "recall", "--count", "1", stdin="pes anserinus\n")
    assert first.returncode == 0, first.stderr
    done = quiz("--reset")
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    backups = sorted(real.parent.glob("p.sqlite3.*.bak"))
    assert len(backups) == 1 and f"kept as {backups[0]}" in " ".join(done.stdout.split())
    assert f"{link} is still a link to {real}, where the next quiz starts afresh." in " ".join(done.stdout.split())
    assert len(reviews(backups[0])) == 1
    assert not real.exists()
    again = quiz("--topic", "semitendinosus", "--type", "recall", "--count", "1", stdin="pes anserinus\n")
    assert again.returncode == 0, again.stderr
    assert link.is_symlink() and real.is_file() and len(reviews(real)) == 1
    assert len(reviews(backups[0])) == 1


# -- a full disk -----------------------------------------------------------------------------------------

_IN_TMPFS = textwrap.dedent("""
    import os, subprocess, sys
    sys.path.insert(0, {root!r})
    from tests.ptyrun import HAMKNEE
    disk = sys.argv[1]

    def hk(*args, stdin=""):
        return subprocess.run([*HAMKNEE, "--kb", {kb!r}, *args], input=stdin, capture_output=True, text=True,
                              timeout=120)

    def fill():
        try:
            with open(os.path.join(disk, "filler"), "wb", buffering=0) as handle:
                while True:
                    handle.write(bytes(4096))
        except OSError:
            pass
""")


def _on_small_disk(tmp_path: Path, size: str, script: str) -> dict[str, object]:
    """Run a script with a private tmpfs of this size at its first argument; it prints a JSON report."""
    disk = tmp_path / "disk"
    disk.mkdir()
    code = tmp_path / "script.py"
    root = str(Path(__file__).resolve().parent.parent)
    code.write_text(_IN_TMPFS.format(root=root, kb=str(STUDY_KB)) + textwrap.dedent(script), encoding="utf-8")
    done = subprocess.run(["unshare", "-m", "sh", "-c", f'mount -t tmpfs -o size={size} tmpfs "$1" && '
                           f'exec "$2" "$3" "$1"', "sh", str(disk), sys.executable, str(code)],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home"), COLUMNS="300"))
    assert done.returncode == 0, done.stderr
    report: dict[str, object] = json.loads(done.stdout)
    return report


@needs_tmpfs
def test_a_full_disk_when_the_database_is_created_says_so_and_leaves_no_empty_database(tmp_path):
    report = _on_small_disk(tmp_path, "16k", """
        import json
        done = hk("quiz", "--count", "1", "--db", os.path.join(disk, "p.sqlite3"), stdin="x\\n")
        print(json.dumps({"code": done.returncode, "err": done.stderr, "left": sorted(os.listdir(disk))}))
    """)
    assert report["code"] == 5, report
    assert "could not be written: the disk is full" in str(report["err"]), report
    assert "Free some space, then run the command again." in str(report["err"])
    assert "disk I/O error" not in str(report["err"]) and "rollback" not in str(report["err"])
    assert "p.sqlite3" not in report["left"], report  # type: ignore[operator]


@needs_tmpfs
def test_a_full_disk_during_a_session_says_so_and_what_was_kept(tmp_path):
    report = _on_small_disk(tmp_path, "2m", """
        import json, sqlite3
        from tests.test_lost_answers import _order, _quiz
        from tests.test_study import ANSWERS
        db = os.path.join(disk, "p.sqlite3")
        order = _order()
        proc = subprocess.Popen([*HAMKNEE, *_quiz(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        proc.stdin.write(ANSWERS[order[0].id][0] + "\\n")
        proc.stdin.flush()
        for line in proc.stdout:
            if line.startswith("Question 2/"):
                break
        fill()
        proc.stdin.write(ANSWERS[order[1].id][2] + "\\n" + ANSWERS[order[2].id][2] + "\\n")
        proc.stdin.close()
        out, err = proc.stdout.read(), proc.stderr.read()
        code = proc.wait(timeout=120)
        os.unlink(os.path.join(disk, "filler"))
        with sqlite3.connect(db) as conn:
            saved = [row[0] for row in conn.execute("SELECT card_id FROM reviews ORDER BY id")]
        print(json.dumps({"code": code, "err": err, "saved": saved, "first": order[0].id}))
    """)
    assert report["code"] == 5, report
    err = str(report["err"])
    assert "Traceback" not in err
    assert err.startswith("Error: Stopped after 1 of 3 cards asked, 1 answer saved"), err
    assert len(err.strip().splitlines()) == 1
    assert "could not be written: the disk is full" in err and "what was saved before is kept" in err, err
    assert report["saved"] == [report["first"]]


@needs_tmpfs
@pytest.mark.parametrize("command", [["export", "csv"], ["export", "json"], ["export", "cards"],
                                     ["export", "anki"], ["diagram", "semitendinosus", "--svg"]])
def test_a_full_disk_during_an_export_says_the_disk_is_full_and_leaves_nothing(tmp_path, command):
    report = _on_small_disk(tmp_path, "256k", f"""
        import json
        target = os.path.join(disk, "out.file")
        with open(target, "w") as old:
            old.write("old")
        fill()
        done = hk(*{command!r}, target, "--force", "--db", os.path.join("{tmp_path}", "p.sqlite3")) \\
            if {command!r}[1] in ("anki", "cards") else hk(*{command!r}, target, "--force")
        os.unlink(os.path.join(disk, "filler"))
        with open(target) as kept:
            text = kept.read()
        print(json.dumps({{"code": done.returncode, "err": done.stderr, "left": sorted(os.listdir(disk)),
                          "text": text}}))
    """)
    assert report["code"] == 4, report
    err = str(report["err"])
    assert "the disk is full" in err and "Free some space, then run the command again." in err, err
    assert "Choose a writable location" not in err
    assert "the file there was left as it was" in err
    assert report["left"] == ["out.file"] and report["text"] == "old", report


@needs_tmpfs
def test_a_full_disk_during_a_reset_keeps_the_database_and_no_half_backup(tmp_path):
    report = _on_small_disk(tmp_path, "1m", """
        import json, sqlite3
        db = os.path.join(disk, "p.sqlite3")
        first = hk("quiz", "--topic", "semitendinosus", "--type", "recall", "--count", "1", "--db", db,
                   stdin="pes anserinus\\n")
        assert first.returncode == 0, first.stderr
        fill()
        done = hk("quiz", "--reset", "--db", db)
        os.unlink(os.path.join(disk, "filler"))
        with sqlite3.connect(db) as conn:
            saved = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
        print(json.dumps({"code": done.returncode, "err": done.stderr, "left": sorted(os.listdir(disk)),
                          "saved": saved}))
    """)
    assert report["code"] == 5, report
    err = str(report["err"])
    assert "cannot be reset: the disk is full" in err and "the backup copy could not be made" in err, err
    assert "Free some space, then reset again." in err
    assert not [name for name in report["left"] if name.endswith(".bak")], report  # type: ignore[union-attr]
    assert report["saved"] == 1


def test_read_only_statistics_match_the_writable_ones(tmp_path):
    from datetime import datetime, timezone

    from hamknee.study.store import Store

    db = tmp_path / "p.sqlite3"
    done = subprocess.run([*HAMKNEE, "--kb", str(STUDY_KB), "quiz", "--topic", "semitendinosus", "--type", "recall",
                           "--count", "1", "--db", str(db)], input="pes anserinus\n", capture_output=True, text=True,
                          env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home")), timeout=120)
    assert done.returncode == 0, done.stderr
    now = datetime.now(timezone.utc)
    with Store.snapshot(db) as snapshot:
        copy = snapshot.stats(now)
    with Store(db) as store:
        live = store.stats(now)
    assert copy.pop("read_only") is True and live.pop("read_only") is False
    assert copy == live
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0] == 1


@needs_permissions
def test_a_quiz_on_a_read_only_database_says_so_and_leaves_nothing_that_stops_the_next(shared):
    home = _home(shared)
    folder = _owned_folder(shared, "db")
    db = folder / "p.sqlite3"
    _one_answer(db, home)
    before = _listing(folder)
    db.chmod(0o444)
    done = _as_user(["quiz", "--count", "1", "--db", str(db)], home, stdin="x\n")
    assert done.returncode == 5, done.stderr
    assert f"Study database {db} is read-only (its permissions); nothing was changed." in done.stderr, done.stderr
    assert _listing(folder) == before  # no read-only WAL index beside it
    db.chmod(0o644)
    _one_answer_more(db, home)
    assert len(reviews(db)) == 2


@needs_permissions
def test_export_cards_reads_a_read_only_database(shared):
    home = _home(shared)
    folder = _owned_folder(shared, "db")
    out = _owned_folder(shared, "out")
    db = folder / "p.sqlite3"
    _one_answer(db, home)
    before = _listing(folder)
    db.chmod(0o444)
    done = _as_user(["export", "cards", str(out / "deck.json"), "--db", str(db)], home)
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "deck.json").read_text(encoding="utf-8"))
    assert _listing(folder) == before


def test_a_reset_never_writes_its_backup_through_a_link_planted_at_its_name(tmp_path):
    from datetime import datetime, timedelta

    env = dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home"))
    db = tmp_path / "p.sqlite3"
    first = subprocess.run([*HAMKNEE, "--kb", str(STUDY_KB), "quiz", "--topic", "semitendinosus", "--type", "recall",
                            "--count", "1", "--db", str(db)], input="pes anserinus\n", capture_output=True, text=True,
                           env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    start = datetime.now().astimezone()
    for second in range(30):  # every name the backup could take while the reset starts
        stamp = (start + timedelta(seconds=second)).strftime("%Y%m%d-%H%M%S")
        (tmp_path / f"p.sqlite3.{stamp}.bak").symlink_to(elsewhere / f"planted-{second}")
    done = subprocess.run([*HAMKNEE, "quiz", "--reset", "--db", str(db)], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert list(elsewhere.iterdir()) == []
    backups = [p for p in tmp_path.glob("p.sqlite3.*.bak") if not p.is_symlink()]
    assert len(backups) == 1 and backups[0].name.endswith("-2.bak"), backups
    assert len(reviews(backups[0])) == 1


@needs_tmpfs
def test_quiz_output_on_a_disk_that_fills_mid_session_keeps_every_judged_answer(tmp_path):
    report = _on_small_disk(tmp_path, "64k", f"""
        import json, re, sqlite3
        fill()
        filler = os.path.join(disk, "filler")
        os.truncate(filler, os.path.getsize(filler) - 4096)  # one page left: a few questions fit, not all
        db = {str(tmp_path / "p.sqlite3")!r}
        with open(os.path.join(disk, "out.txt"), "w") as out:
            done = subprocess.run([*HAMKNEE, "--kb", {str(STUDY_KB)!r}, "quiz", "--count", "10", "--seed", "1",
                                   "--db", db], input="x\\n" * 40, stdout=out, stderr=subprocess.PIPE, text=True,
                                  timeout=120)
        with sqlite3.connect(db) as conn:
            saved = conn.execute("SELECT COUNT(*) FROM reviews").fetchone()[0]
        print(json.dumps({{"code": done.returncode, "err": done.stderr, "saved": saved}}))
    """)
    err = str(report["err"])
    assert report["code"] == 4, report
    assert err.startswith("Error: cannot write output: No space left on device. Stopped after "), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    said = re.search(r"(\d+) answers? saved", err)
    assert said and int(said.group(1)) == report["saved"] > 0, report


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["quiz", "--count", "2"], ["stats"], ["stats", "--json"], ["export", "cards", "-"],
                                  ["export", "csv", "-"], ["list"], ["why", "medial knee pain"],
                                  ["where", "behind the knee"], ["path", "semitendinosus", "pes-anserine"],
                                  ["compare", "semitendinosus", "gracilis"], ["diagram"], ["search", "tendon"]])
def test_study_and_chain_commands_on_a_full_device(tmp_path, args):
    db = tmp_path / "p.sqlite3"
    with open("/dev/full", "w") as full:
        r = subprocess.run([*HAMKNEE, *args, *(["--db", str(db)] if args[0] in ("quiz", "stats") else [])],
                           input="x\nx\nx\n", stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
                           env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home")))
    assert r.returncode == 4, r.stderr
    assert r.stderr == "Error: cannot write output: No space left on device.\n"


# -- a file size limit (ulimit -f) and a read-only home -----------------------------------------------------------

def _limited(blocks: int, args: list[str], home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """hamknee under ``ulimit -f`` (1 KB blocks): a write past it fails with EFBIG (Python ignores SIGXFSZ)."""
    command = " ".join(f"'{a}'" for a in [*HAMKNEE, "--kb", str(STUDY_KB), *args])
    return subprocess.run(["bash", "-c", f"ulimit -f {blocks}; exec {command}"], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env=dict(os.environ, HAMKNEE_HOME=str(home)))


@pytest.mark.parametrize("command", [["export", "csv"], ["export", "json"], ["export", "cards"],
                                     ["diagram", "semitendinosus", "--svg"]])
def test_a_file_size_limit_during_an_export_is_one_line_and_leaves_nothing(tmp_path, command):
    out = tmp_path / "out"
    out.mkdir()
    r = _limited(1, [*command, str(out / "file")], tmp_path / "home", tmp_path)
    assert r.returncode == 4, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "file size limit" in lines[0] and "ulimit -f" in lines[0], lines[0]
    assert os.listdir(out) == []  # no partial file, no hidden temporary one


def test_a_file_size_limit_while_the_anki_package_is_built_is_one_line_and_records_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    db = tmp_path / "p.sqlite3"
    first = _limited(100_000, ["export", "anki", str(tmp_path / "first.apkg"), "--db", str(db)], tmp_path / "home",
                     tmp_path)
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM exported")  # every note new again: this export would record them all
    conn.close()
    r = _limited(64, ["export", "anki", str(out / "deck.apkg"), "--db", str(db)], tmp_path / "home", tmp_path)
    assert r.returncode == 4, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "file size limit" in lines[0] and "Choose a writable location" not in lines[0], lines[0]
    assert os.listdir(out) == []
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM exported").fetchone()[0] == 0
    conn.close()


def test_a_file_size_limit_on_the_study_database_names_the_limit(tmp_path):
    db = tmp_path / "p.sqlite3"
    r = _limited(1, ["export", "anki", str(tmp_path / "deck.apkg"), "--db", str(db)], tmp_path / "home", tmp_path)
    assert r.returncode == 5, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "file size limit (ulimit -f" in lines[0] and "disk I/O error" not in lines[0], lines[0]
    assert not (tmp_path / "deck.apkg").exists()


@needs_tmpfs
def test_a_read_only_home_says_so_in_one_line_and_exports_that_need_no_database_still_work(tmp_path):
    report = _on_small_disk(tmp_path, "64k", """
        import json, subprocess
        out = os.path.join(os.path.dirname(disk), "out")
        os.mkdir(out)
        subprocess.run(["mount", "-o", "remount,ro", disk], check=True)
        results = {}
        os.environ["HAMKNEE_HOME"] = disk
        for name, args in {"csv": ["export", "csv", os.path.join(out, "c.csv")],
                           "cards": ["export", "cards", os.path.join(out, "d.json")],
                           "anki": ["export", "anki", os.path.join(out, "a.apkg")],
                           "stats": ["stats"],
                           "csv-into-home": ["export", "csv", os.path.join(disk, "c.csv")]}.items():
            done = hk(*args)
            results[name] = [done.returncode, done.stderr]
        print(json.dumps({"results": results, "out": sorted(os.listdir(out))}))
    """)
    results = report["results"]
    assert results["csv"][0] == 0 and results["cards"][0] == 0, results  # type: ignore[index]
    for name in ("anki", "stats", "csv-into-home"):
        code, err = results[name]  # type: ignore[index]
        assert code == (4 if name == "csv-into-home" else 5), (name, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (name, err)
        assert "read-only" in err, (name, err)
    for name in ("anki", "stats"):
        err = results[name][1]  # type: ignore[index]
        assert "cannot be created" in err and "is read-only (its permissions)" not in err, (name, err)
    assert report["out"] == ["c.csv", "d.json"], report
