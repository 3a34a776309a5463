"""A pager for output longer than the terminal, chosen as git chooses one.

``$HAMKNEE_PAGER``, then ``$PAGER``, then ``less -FRX`` (quit if one screen, keep colours, leave the page on
the screen). Output is held back only until it is longer than the terminal; from then on it streams to the
pager, so a long listing shows its first screen at once. Used only when stdout is a terminal.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import sys
from typing import TextIO

DEFAULT = "less -FRX"


def command() -> str | None:
    """The pager command line, or None when the user turned paging off (an empty value or ``cat``)."""
    for name in ("HAMKNEE_PAGER", "PAGER"):
        value = os.environ.get(name)
        if value is not None:
            value = value.strip()
            return None if value in ("", "cat") else value
    return DEFAULT


def wanted(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, AttributeError):
        return False


class PagedStream:
    """A text stream for the console: holds the first screen, then hands everything to the pager."""

    def __init__(self, target: TextIO, height: int, pager: str) -> None:
        self._target = target
        self._height = max(height, 2)
        self._pager = pager
        self._held: list[str] = []
        self._lines = 0
        self._process: subprocess.Popen[str] | None = None
        self.encoding = getattr(target, "encoding", "utf-8") or "utf-8"
        self.errors = "replace"

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._target.fileno()

    def writable(self) -> bool:
        return True

    def _start(self) -> None:
        env = dict(os.environ)
        # As git does: less without options of its own still keeps colours and the last screen.
        env.setdefault("LESS", "FRX")
        env.setdefault("LV", "-c")
        try:
            argv = shlex.split(self._pager)
            shell = any(ch in self._pager for ch in "|&;<>$`")
            self._process = subprocess.Popen(self._pager if shell else argv, shell=shell, stdin=subprocess.PIPE,
                                             text=True, encoding=self.encoding, errors="replace", env=env)
        except (OSError, ValueError):
            self._process = None
            self._pager = ""
            return
        held, self._held = "".join(self._held), []
        self._send(held)

    def _send(self, text: str) -> None:
        process = self._process
        if process is None or process.stdin is None:
            self._target.write(text)
            return
        try:
            process.stdin.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:  # the pager could not take it: show the page without one
            raise BrokenPipeError(exc.errno, str(exc)) from None

    def write(self, text: str) -> int:
        if self._process is not None or not self._pager:
            self._send(text)
            return len(text)
        self._held.append(text)
        self._lines += text.count("\n")
        if self._lines >= self._height:
            self._start()
        return len(text)

    def flush(self) -> None:
        if self._process is not None and self._process.stdin is not None:
            self._process.stdin.flush()
        elif not self._pager:
            self._target.flush()

    def finish(self) -> None:
        """Output is complete: print what fitted on one screen, or wait for the reader to quit the pager."""
        if self._process is None:
            if self._held:
                self._target.write("".join(self._held))
                self._held = []
            with contextlib.suppress(OSError, ValueError):
                self._target.flush()
            return
        with contextlib.suppress(OSError, ValueError):
            if self._process.stdin is not None:
                self._process.stdin.close()
        while True:
            try:
                self._process.wait()
                break
            except KeyboardInterrupt:  # Ctrl-C belongs to the pager while it is open
                continue


def paged(target: TextIO | None = None, height: int = 24) -> PagedStream | None:
    """A paging stream for ``target`` (stdout), or None when paging does not apply."""
    stream = target or sys.stdout
    pager = command()
    if pager is None or not wanted(stream):
        return None
    return PagedStream(stream, height, pager)
