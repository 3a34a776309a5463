"""Write a file the user named without ever clobbering anything: the one way every export and SVG is written.

- Only a regular file is ever replaced. A device (``/dev/null``), a FIFO, a socket, a directory or a
  symbolic link (``/dev/stdout`` is one) is refused: ``-`` is how to ask for standard output.
- An existing file is replaced only with ``--force``, or after a yes at a prompt on a terminal.
- The data goes to a temporary file in the target's folder, is flushed to disk, and is then put in place
  in one step (a rename, or a link that fails if the name was taken meanwhile), so a reader sees the old
  file or the new one, never half of one. Any failure removes the temporary file and leaves the target as
  it was. On Linux the temporary file has no name until it is complete (``O_TMPFILE``), so even a killed
  run leaves nothing behind; elsewhere its name carries the writer's process id, and a later write to the
  same target removes what a dead writer left.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from hamknee.errors import CannotWriteError, UsageProblem
from hamknee.sanitize import visible

_TMP_MARK = ".hamknee-tmp"


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def target_path(name: str, what: str = "file") -> Path:
    """The path for a file name given on the command line: ``~`` expanded, never empty."""
    from hamknee.paths import user_path

    if not name.strip():
        raise UsageProblem(f"No {what} name given.", "Give a file name, or - for standard output.")
    last = name.rstrip("/").rsplit("/", 1)[-1]
    if name.endswith("/") or last in (".", ".."):
        # A path that can only name a folder ('out/', '.', 'out/..'): written as given, 'out/' would become a
        # file named 'out', and '.' a hidden file beside the folder's own entries.
        shown = visible(name if len(name) <= 80 else name[:79] + "…")
        raise CannotWriteError(f"Cannot write {shown}: it names a folder, not a file.",
                               "Add a file name to it, for example out/cards.csv.")
    return user_path(name, what)


def _refuse(target: Path, reason: str, hint: str) -> CannotWriteError:
    return CannotWriteError(f"Cannot write {visible(str(target))}: {reason}.", hint)


def check_target(target: Path, force: bool) -> bool:
    """Refuse what must never be replaced; True when a regular file is there (and may be replaced)."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        if not target.parent.is_dir():  # refused now, before anything (the study database) records the export
            raise _refuse(target, os.strerror(errno.ENOENT), "Choose a writable location.") from None
        return False
    except OSError as exc:
        raise _refuse(target, exc.strerror or str(exc), "Choose a writable location.") from None
    kind = _kind(info.st_mode)
    if kind is not None:
        raise _refuse(target, f"it is {kind}, and only a regular file is ever replaced",
                      "To write to standard output use -; otherwise choose a file name.")
    if _is_database(target):
        # Never an export's own format: replacing it would destroy study progress, --force or not.
        raise _refuse(target, "it is an SQLite database (a study database?), which an export never replaces",
                      "Choose another file name.")
    if not force and not _confirmed(target):
        raise _refuse(target, "the file exists", "Add --force to replace it, or choose another name.")
    return True


def _is_database(target: Path) -> bool:
    try:
        with target.open("rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def keep_mode(target: Path, fd: int) -> None:
    """A replaced file keeps its permissions: a private (0600) export stays private."""
    with contextlib.suppress(OSError):
        os.fchmod(fd, stat.S_IMODE(os.stat(target).st_mode))


def _confirmed(target: Path) -> bool:
    """Ask on the terminal whether to replace an existing file; False when there is no one to ask."""
    try:
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            return False
        sys.stderr.write(f"{visible(str(target))} exists. Replace it? [y/N] ")
        sys.stderr.flush()
        reply = sys.stdin.readline(100)
    except (AttributeError, OSError, ValueError):
        return False
    return reply.strip().lower() in ("y", "yes")


def _clean_leftovers(target: Path) -> None:
    """Remove temporary files that writers which were killed left beside this target."""
    prefix = f".{target.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            name = entry.name
            if not (name.startswith(prefix) and name.endswith(_TMP_MARK)):
                continue
            pid_text = name[len(prefix):-len(_TMP_MARK)].split(".", 1)[0]
            if not pid_text.isdigit() or _alive(int(pid_text)):
                continue
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def _tmp_name(target: Path) -> str:
    # os.urandom is what secrets.token_hex reads, without importing secrets (and hmac and OpenSSL with it).
    return str(target.parent / f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}{_TMP_MARK}")


def _open_temporary(target: Path) -> tuple[int, str | None]:
    """A descriptor to write the new content to, and its temporary name (None: it has no name yet)."""
    cloexec = getattr(os, "O_CLOEXEC", 0)
    tmpfile = getattr(os, "O_TMPFILE", 0)
    if tmpfile and os.path.isdir("/proc/self/fd"):
        try:
            # 0o666 less the umask: an export is an ordinary file, not a private one.
            return os.open(target.parent, os.O_WRONLY | tmpfile | cloexec, 0o666), None
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise  # e.g. the folder does not exist: the named route would fail the same way
    tmp_name = _tmp_name(target)
    return os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | cloexec, 0o666), tmp_name


def _link_open_file(fd: int, name: str) -> None:
    """Give a nameless (O_TMPFILE) file a name: linkat of /proc/self/fd/N, following that magic link."""
    # os.link calls link(), which would link the /proc entry itself, unless a directory descriptor is
    # given: then it calls linkat() with AT_SYMLINK_FOLLOW, as open(2) describes for O_TMPFILE.
    folder = os.open(os.path.dirname(name) or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.link(f"/proc/self/fd/{fd}", os.path.basename(name), dst_dir_fd=folder, follow_symlinks=True)
    finally:
        os.close(folder)


def _link_new(tmp_name: str, target: Path) -> None:
    """Put the file in place under a name that must not exist yet."""
    try:
        os.link(tmp_name, target)  # fails with EEXIST rather than replace a file created meanwhile
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS):
            raise
        # A file system without hard links (FAT, some network mounts): check, then rename.
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "File exists") from None
        os.replace(tmp_name, target)


def write_file(name: str, write: Callable[[BinaryIO], None], *, force: bool = False, what: str = "file") -> Path:
    """Write through ``write(handle)`` to the file the user named; the path written is returned.

    Raises CannotWriteError (exit 4) for anything that cannot or must not be written, UsageProblem for
    an empty name. ``-`` is not handled here: standard output is the caller's business.
    """
    target = target_path(name, what)
    existed = check_target(target, force)
    _clean_leftovers(target)
    tmp_name: str | None = None
    fd = -1
    try:
        fd, tmp_name = _open_temporary(target)
        if existed:
            keep_mode(target, fd)
        with os.fdopen(os.dup(fd), "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if tmp_name is None:
            # The complete file gets a name only now, for the moment between link and rename.
            tmp_name = _tmp_name(target)
            _link_open_file(fd, tmp_name)
        if existed:
            check_target(target, force=True)  # still a regular file (or gone) right before it is replaced
            os.replace(tmp_name, target)
        else:
            _link_new(tmp_name, target)
    except FileExistsError:
        raise _refuse(target, "a file of that name appeared while writing",
                      "Add --force to replace it, or choose another name.") from None
    except OSError as exc:
        raise _refuse(target, *failure(exc, existed)) from None
    finally:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
    return target


def failure(exc: OSError, existed: bool = False) -> tuple[str, str]:
    """Why a write failed and what to do, in words: a full disk is not a bad choice of location."""
    kept = "the file there was left as it was" if existed else "no file was left behind"
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        what = "the disk is full" if code == errno.ENOSPC else "your disk quota is used up"
        return f"{what} ({exc.strerror}); {kept}", "Free some space, then run the command again."
    if code == errno.EFBIG:
        return (f"the file is larger than this file system or your file size limit allows ({exc.strerror}); {kept}",
                "Write it to another file system, or raise the limit (ulimit -f).")
    if code == errno.EROFS:
        return f"the file system is read-only; {kept}", "Choose a location on a writable disk."
    if code in (errno.EACCES, errno.EPERM):
        return (f"permission denied ({exc.strerror}); {kept}",
                "Choose a folder you can write to, or check its permissions.")
    return exc.strerror or str(exc), "Choose a writable location."


def file_size_limit() -> int | None:
    """The largest file this process may write (``ulimit -f``), in bytes, or None when there is no limit."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    except (ImportError, OSError, ValueError):
        return None
    return None if soft == resource.RLIM_INFINITY else int(soft)


def write_stdout(data: bytes) -> None:
    """Bytes to standard output, as they are (a text-only stdout, as under test runners, gets the text)."""
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except AttributeError:
        sys.stdout.write(data.decode("utf-8"))
