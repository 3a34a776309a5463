"""Writing files is safe and explicit: exports and SVG never replace what is not theirs, never half a file.

Each writer (export anki, csv, json and diagram --svg) refuses a device, a FIFO, a symbolic link (such as
/dev/stdout) and a directory, replaces an existing file only with --force or a yes at a terminal prompt,
and leaves the old file whole when the disk fills or the run is killed, with no temporary file left.
"""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ptyrun import HAMKNEE, Session, acting

STUDY_KB = Path(__file__).parent / "data" / "study_kb.yaml"
WRITERS = {
    "anki": ["export", "anki"],
    "csv": ["export", "csv"],
    "json": ["export", "json"],
    "svg": ["diagram", "semitendinosus", "--svg"],
}


def env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home"))


def write(tmp_path: Path, writer: str, target: Path | str, *extra: str, **kwargs: object
          ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HAMKNEE, "--kb", str(STUDY_KB), *WRITERS[writer], str(target), *extra],
                          capture_output=True, text=True, env=env(tmp_path), timeout=120,
                          **kwargs)  # type: ignore[call-overload]


def everything_in(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))  # hidden files included


def refused(r: subprocess.CompletedProcess[str], target: Path, what: str) -> None:
    assert r.returncode == 4, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: Cannot write {target}: it is {what}"), r.stderr
    assert "Traceback" not in r.stderr and not acting(r.stderr)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_device_is_never_replaced(tmp_path, writer):
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private /dev/null
    r = write(tmp_path, writer, device)
    refused(r, device, "a device")
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert everything_in(tmp_path) == ["home", "null"] or everything_in(tmp_path) == ["null"]


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_link_to_standard_output_is_refused_and_the_pipe_is_untouched(tmp_path, writer):
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")  # what /dev/stdout is
    r = write(tmp_path, writer, link)
    refused(r, link, "a symbolic link")
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    assert r.stdout == ""


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_fifo_is_never_replaced(tmp_path, writer):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    r = write(tmp_path, writer, fifo)
    refused(r, fifo, "a named pipe (FIFO)")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_symbolic_link_is_neither_replaced_nor_followed(tmp_path, writer):
    precious = tmp_path / "precious.txt"
    precious.write_text("my notes\n")
    link = tmp_path / "out"
    link.symlink_to(precious)
    r = write(tmp_path, writer, link)
    refused(r, link, "a symbolic link")
    assert link.is_symlink() and precious.read_text() == "my notes\n"


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_directory_is_refused(tmp_path, writer):
    folder = tmp_path / "folder"
    folder.mkdir()
    r = write(tmp_path, writer, folder)
    refused(r, folder, "a directory")
    assert folder.is_dir() and not list(folder.iterdir())


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_an_existing_file_is_replaced_only_with_force(tmp_path, writer):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / f"file.{writer}"
    target.write_text("old\n")
    r = write(tmp_path, writer, target)
    assert r.returncode == 4, r.stderr
    assert r.stderr.startswith(f"Error: Cannot write {target}: the file exists. Add --force to replace it")
    assert target.read_text() == "old\n"
    r = write(tmp_path, writer, target, "--force")
    assert r.returncode == 0, r.stderr
    assert target.read_bytes() != b"old\n" and target.stat().st_size > 100
    assert everything_in(folder) == [target.name]
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("reply", ["n", "y", ""])
def test_at_a_terminal_you_are_asked_before_a_file_is_replaced(tmp_path, reply):
    target = tmp_path / "cards.csv"
    target.write_text("old\n")
    session = Session(["--kb", str(STUDY_KB), "export", "csv", str(target)], {"HAMKNEE_HOME": str(tmp_path / "h")})
    session.expect("exists. Replace it? [y/N]")
    session.type(reply + "\r")
    code, output = session.finish()
    if reply == "y":
        assert code == 0, output
        assert target.read_text().startswith("front,back")
    else:
        assert code == 4, output
        # On a terminal the error is wrapped between words to its width.
        assert "the file exists" in " ".join(output.split()) and target.read_text() == "old\n"
    assert everything_in(tmp_path) == ["cards.csv", "h"]


def test_an_empty_file_name_is_a_usage_error(tmp_path):
    for writer in WRITERS:
        r = write(tmp_path, writer, "")
        assert r.returncode == 2, (writer, r.stderr)
        assert r.stderr.startswith("Error: No ") and "name given" in r.stderr


# -- a full disk ---------------------------------------------------------------------------------------------

def _file_size_limit(limit: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        # A fake full disk: writes past `limit` bytes fail with EFBIG (SIGXFSZ ignored, as a shell can).
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_full_disk_keeps_the_old_file_whole(tmp_path, writer):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / f"old.{writer}"
    old = b"the previous export, kept whole\n" * 20
    target.write_bytes(old)
    limit = 1500
    if writer == "anki":
        # The progress database records each export: it is made full-size first, and the limit lets it be
        # rewritten in place while the package, larger than it, cannot be written.
        first = tmp_path / "first.apkg"
        assert write(tmp_path, writer, first).returncode == 0
        limit = max(p.stat().st_size for p in (tmp_path / "home").rglob("study.sqlite3*")) + 512
        assert first.stat().st_size > limit
    r = write(tmp_path, writer, target, "--force", preexec_fn=_file_size_limit(limit))
    assert r.returncode == 4, r.stderr
    assert r.stderr.startswith(f"Error: Cannot write {target}: ")
    assert "File too large" in r.stderr or "passed the file size limit" in r.stderr
    assert "disk I/O error" not in r.stderr
    assert target.read_bytes() == old
    assert everything_in(folder) == [target.name]


@pytest.mark.skipif(os.geteuid() != 0 or not sys.platform.startswith("linux"), reason="mounting needs root")
@pytest.mark.parametrize("writer", ["svg", "json"])
def test_a_full_tmpfs_keeps_the_old_file_whole(tmp_path, writer):
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12k", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        target = mount / f"old.{writer}"
        old = b"x" * 6000
        target.write_bytes(old)
        ballast = os.open(mount / "ballast", os.O_WRONLY | os.O_CREAT)  # fill what is left
        try:
            while os.write(ballast, b"\0" * 512):
                pass
        except OSError:
            pass
        finally:
            os.close(ballast)
        r = write(tmp_path, writer, target, "--force")
        assert r.returncode == 4, r.stderr
        assert "No space left on device" in r.stderr
        assert target.read_bytes() == old
        assert everything_in(mount) == ["ballast", target.name]
    finally:
        subprocess.run(["umount", str(mount)], check=True)


# -- killed runs -----------------------------------------------------------------------------------------------

KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
import genanki
from datetime import datetime, timezone
from hamknee.kb import open_kb
from hamknee.study.cards import generate
from hamknee.study import export
from hamknee.study.store import Store, default_path

def write_then_die(self, handle, timestamp=None):
    handle.write(b"PK" * 100000)
    handle.flush()
    os.kill(os.getpid(), signal.SIGKILL)

genanki.Package.write_to_file = write_then_die
cards = generate(open_kb(Path(sys.argv[1]), use_cache=False).records())
with Store(default_path()) as store:
    export.anki(cards, sys.argv[2], store, datetime.now(timezone.utc))
"""


def test_a_killed_export_leaves_nothing_behind(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "deck.apkg"
    r = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(STUDY_KB), str(target)], capture_output=True,
                       text=True, env=env(tmp_path), timeout=120)
    assert r.returncode == -signal.SIGKILL, r.stderr
    assert everything_in(folder) == []


def test_leftovers_of_dead_writers_are_removed_by_the_next_write(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = folder / f".cards.csv.{dead.pid}.0a1b2c3d.hamknee-tmp"
    stale.write_bytes(b"half an export")
    live = folder / f".cards.csv.{os.getpid()}.0a1b2c3d.hamknee-tmp"  # a writer still at work
    live.write_bytes(b"in progress")
    other = folder / ".notes.txt"
    other.write_text("not ours")
    r = write(tmp_path, "csv", folder / "cards.csv")
    assert r.returncode == 0, r.stderr
    assert everything_in(folder) == sorted([".notes.txt", live.name, "cards.csv"])


# -- paths that do not resolve ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["--kb", "~nosuchuser-hamknee/kb.yaml", "list"], ["validate", "~nosuchuser-hamknee/kb.yaml"],
    ["export", "csv", "~nosuchuser-hamknee/cards.csv"], ["diagram", "--svg", "~nosuchuser-hamknee/d.svg"],
    ["stats", "--db", "~nosuchuser-hamknee/p.sqlite3"], ["quiz", "--db", "~nosuchuser-hamknee/p.sqlite3"],
])
def test_an_unknown_user_in_a_path_is_a_clear_error(tmp_path, args):
    r = subprocess.run([*HAMKNEE, *args], capture_output=True, text=True, env=env(tmp_path), timeout=60, input="")
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == [r.stderr.strip()]
    assert r.stderr.startswith("Error: Cannot find the home folder of '~nosuchuser-hamknee'")


# -- what an export must never replace, and what it keeps ----------------------------------------------------

@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_an_export_never_replaces_a_study_database_even_with_force(tmp_path, writer):
    db = tmp_path / "study.sqlite3"
    assert subprocess.run([*HAMKNEE, "--kb", str(STUDY_KB), "quiz", "--count", "1", "--type", "recall", "--db",
                           str(db)], input="x\n", capture_output=True, text=True, env=env(tmp_path),
                          timeout=120).returncode == 0
    before = db.read_bytes()
    r = write(tmp_path, writer, db, "--force")
    assert r.returncode == 4, r.stderr
    assert "it is an SQLite database" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert db.read_bytes() == before


def test_a_replaced_private_file_stays_private(tmp_path):
    target = tmp_path / "private.csv"
    target.write_text("old\n")
    target.chmod(0o600)
    assert write(tmp_path, "csv", target, "--force").returncode == 0
    assert target.read_text().startswith("front,back")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_an_anki_export_refused_for_a_missing_folder_records_nothing(tmp_path):
    r = write(tmp_path, "anki", tmp_path / "no-such-folder" / "deck.apkg")
    assert r.returncode == 4 and "No such file or directory" in r.stderr
    # The next export still finds every note new: the refused one was not recorded as exported.
    again = write(tmp_path, "anki", tmp_path / "deck.apkg")
    assert again.returncode == 0, again.stderr
    notes = int(again.stdout.split("Wrote ")[1].split()[0])
    assert f"({notes} new or changed" in " ".join(again.stdout.split())


def test_quizlet_rows_run_no_formula(tmp_path):
    hostile = tmp_path / "kb.yaml"
    text = STUDY_KB.read_text(encoding="utf-8")
    # A site's name opens the answer cell of the cards that ask for that site.
    assert "name: Pes anserinus\n" in text
    formula = "name: \"=HYPERLINK('http://x.invalid') Pes anserinus\"\n"
    hostile.write_text(text.replace("name: Pes anserinus\n", formula), encoding="utf-8")
    r = subprocess.run([*HAMKNEE, "--kb", str(hostile), "export", "csv", "-", "--quizlet"], capture_output=True,
                       text=True, env=env(tmp_path), timeout=120)
    assert r.returncode == 0, r.stderr
    cells = [cell for line in r.stdout.splitlines() for cell in line.split("\t")]
    assert any("HYPERLINK" in c for c in cells)
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


@pytest.mark.parametrize("args", [
    ["--kb", "~{user}/kb.yaml", "list"], ["validate", "~{user}/kb.yaml"], ["export", "csv", "~{user}/cards.csv"],
    ["stats", "--db", "~{user}/p.sqlite3"],
])
def test_a_very_long_unknown_user_in_a_path_is_echoed_cut_short(hk, args):
    user = "u" * 5_000_000
    r = hk(*(arg.replace("{user}", user) for arg in args), input="")
    assert r.exit_code == 2, r.stderr[:300]
    assert len(r.stderr.strip().splitlines()) == 1 and len(r.stderr) < 400, r.stderr[:400]
    assert r.stderr.startswith("Error: Cannot find the home folder of '~" + "u" * 78 + "…'"), r.stderr[:300]
    assert "Traceback" not in r.stderr


# -- a name that is a folder's ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["out/", "out//", "out/.", "existing/", "existing", ".", "..", "./", "existing/.."])
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_name_that_names_a_folder_is_refused_and_nothing_is_written(tmp_path, writer, name):
    work = tmp_path / "work"
    (work / "existing").mkdir(parents=True)
    before = sorted(str(p.relative_to(work)) for p in work.rglob("*"))
    r = write(tmp_path, writer, name, cwd=work)
    assert r.returncode == 4, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: Cannot write "), r.stderr
    assert "folder" in lines[0] or "directory" in lines[0], lines[0]
    assert "Traceback" not in r.stderr
    assert sorted(str(p.relative_to(work)) for p in work.rglob("*")) == before  # no file, hidden or not
