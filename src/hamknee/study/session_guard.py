"""What keeps a quiz session's answers: signals end it only where nothing judged can be lost; input is bounded.

Every signal that would end the process (SIGINT, SIGHUP, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM) is
turned into ``SessionEnded``, a KeyboardInterrupt, so the session loop saves the answer just judged and
the CLI says how many were saved. While an answer is being judged and saved the signal is held and
raised as soon as it is safe.

Answers are read with ``select`` on standard input and on a wake-up pipe that the interpreter writes to
the moment a signal arrives: a signal that lands after the prompt is shown but before the read blocks
still ends the read at once, where a plain blocking read would wait for a line that may never come.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

# Longer answers are cut here before they are judged: no answer to a flashcard is this long.
MAX_ANSWER = 1000
# A line longer than this is not typed by a person: the input ends there (``quiz < /dev/zero``).
MAX_LINE = 16 << 20

_ENDING = ("SIGINT", "SIGHUP", "SIGTERM", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM")


class SessionEnded(KeyboardInterrupt):
    """A signal ended the session."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"signal {self.signum}"


class Guard:
    def __init__(self) -> None:
        self._holding = 0
        self._pending: int | None = None
        self.held_signals = 0  # signals that arrived while an answer was being saved
        self.wakeup: int | None = None  # readable as soon as a handled signal has arrived

    def _handler(self, signum: int, frame: Any) -> None:
        if self._holding:
            self._pending = signum
            self.held_signals += 1
            return
        raise SessionEnded(signum)

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """No signal ends the session inside this block; one that arrived is raised at its end."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
            if not self._holding and self._pending is not None:
                signum, self._pending = self._pending, None
                self.held_signals = 0
                raise SessionEnded(signum)

    @property
    def pending(self) -> int | None:
        return self._pending


def lock_waiter(say: Callable[[str], None], where: str, guard: Guard | None = None) -> Callable[[float], None]:
    """What to do while the database is locked by another program: say so once, and let a second signal stop it.

    The first signal while an answer waits to be saved is held (the answer is saved as soon as the lock is
    free); a second one is the student insisting, and ends the wait without that answer, saying so.
    """
    told = asked = False

    def on_wait(elapsed: float) -> None:
        nonlocal told, asked
        if elapsed >= 1 and not told:
            told = True
            say(f"Waiting for the study database {where}: another program holds it locked.")
        if guard is not None and guard.pending is not None:
            if guard.held_signals >= 2:
                raise SessionEnded(guard.pending)
            if not asked:
                asked = True
                say("Your last answer is saved as soon as the database is free; stop again to leave without it.")

    return on_wait


@contextlib.contextmanager
def guarded() -> Iterator[Guard]:
    """Install the handlers for the length of a session (only the main thread can)."""
    guard = Guard()
    previous: dict[int, Any] = {}
    pipe: tuple[int, int] | None = None
    old_wakeup = -1
    if threading.current_thread() is threading.main_thread():
        try:
            pipe = os.pipe()
            for end in pipe:
                os.set_blocking(end, False)
            old_wakeup = signal.set_wakeup_fd(pipe[1], warn_on_full_buffer=False)
            guard.wakeup = pipe[0]
        except (OSError, ValueError):
            pass
        for name in _ENDING:
            signum = getattr(signal, name, None)
            if signum is None:
                continue
            try:
                previous[signum] = signal.signal(signum, guard._handler)
            except (OSError, ValueError):
                continue
    try:
        yield guard
    finally:
        for signum, handler in previous.items():
            with contextlib.suppress(OSError, ValueError, TypeError):
                signal.signal(signum, handler)
        if pipe is not None:
            with contextlib.suppress(OSError, ValueError):
                if guard.wakeup is not None:
                    signal.set_wakeup_fd(old_wakeup)
            for end in pipe:
                with contextlib.suppress(OSError):
                    os.close(end)


def read_line() -> str | None:
    """One answer line from a pipe: undecodable bytes replaced, length capped; None at the end of input."""
    stream = sys.stdin
    if stream is None:  # standard input was closed (``quiz <&-``): nothing will ever come
        return None
    with contextlib.suppress(AttributeError, ValueError):
        stream.reconfigure(errors="replace")  # type: ignore[union-attr]
    try:
        line = stream.readline(MAX_ANSWER + 1)
    except (OSError, ValueError):
        return None
    if not line:
        return None
    if not line.endswith("\n") and len(line) > MAX_ANSWER:
        # Far longer than any answer: skip the rest of the line, but not without end.
        skipped = 0
        while skipped < MAX_LINE:
            try:
                rest = stream.readline(65536)
            except (OSError, ValueError):
                return None
            if not rest:
                break
            skipped += len(rest)
            if rest.endswith("\n"):
                break
        else:
            return None
    return line.rstrip("\r\n")[:MAX_ANSWER]


class LineReader:
    """Answer lines straight from standard input's file descriptor, a terminal's or a pipe's.

    Each wait is a ``select`` on the input and on the guard's wake-up pipe, so that a signal at any moment
    of a prompt ends the wait; bytes are buffered here (never in ``sys.stdin``, which would hide them from
    ``select``), undecodable bytes replaced and lines capped.
    """

    def __init__(self, fd: int, wakeup: int | None, encoding: str = "utf-8") -> None:
        self.fd, self.wakeup, self.encoding = fd, wakeup, encoding
        self.buffer = bytearray()
        self.ended = False

    @classmethod
    def for_stdin(cls, guard: Guard | None) -> LineReader | None:
        """A reader on standard input, or None where it has no file descriptor (input given in-process)."""
        stream = sys.stdin
        if stream is None:
            return None
        try:
            fd = stream.fileno()
            os.fstat(fd)
        except (AttributeError, OSError, ValueError):
            return None
        encoding = getattr(stream, "encoding", None) or "utf-8"
        return cls(fd, guard.wakeup if guard is not None else None, encoding)

    def _wait(self) -> None:
        watched = [self.fd] if self.wakeup is None else [self.fd, self.wakeup]
        while True:
            # A signal's handler runs as soon as select returns (or interrupts it) and ends the session.
            ready, _, _ = select.select(watched, [], [])
            if self.wakeup is not None and self.wakeup in ready:
                with contextlib.suppress(OSError):
                    while os.read(self.wakeup, 512):
                        pass
            if self.fd in ready:
                return

    def _fill(self) -> bool:
        """Read what is there; False at the end of input."""
        if self.ended:
            return False
        self._wait()
        try:
            chunk = os.read(self.fd, 65536)
        except BlockingIOError:
            return True
        except OSError:
            chunk = b""
        if not chunk:
            self.ended = True
            return False
        self.buffer += chunk
        return True

    def readline(self) -> str | None:
        """The next line without its line break, capped at MAX_ANSWER; None at the end of input.

        A line far longer than any answer (``quiz < /dev/zero``) ends the input once MAX_LINE bytes of it
        have been skipped, so memory stays bounded.
        """
        cap = 4 * MAX_ANSWER + 4  # bytes enough for MAX_ANSWER characters in any UTF-8
        head: bytes | None = None  # the start of a line too long to keep whole
        skipped = 0
        while True:
            end = self.buffer.find(b"\n")
            if end >= 0:
                line = bytes(self.buffer[:end]) if head is None else head
                del self.buffer[:end + 1]
                return self._text(line)
            if len(self.buffer) > cap:
                if head is None:
                    head = bytes(self.buffer[:cap])
                skipped += len(self.buffer)
                self.buffer.clear()
                if skipped > MAX_LINE:
                    self.ended = True
                    return None
            if not self._fill():
                if head is None and not self.buffer:
                    return None
                line = bytes(self.buffer) if head is None else head
                self.buffer.clear()
                return self._text(line)

    def _text(self, line: bytes) -> str:
        try:
            text = line.decode(self.encoding, "replace")
        except LookupError:
            text = line.decode("utf-8", "replace")
        return text.rstrip("\r")[:MAX_ANSWER]
