"""What keeps a quiz session's answers: signals end it only where nothing judged can be lost; input is bounded.

Every signal that would end the process (SIGINT, SIGHUP, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM) is
turned into ``SessionEnded``, a KeyboardInterrupt, so the session loop saves the answer just judged and
the CLI says how many were saved. While an answer is being judged and saved the signal is held and
raised as soon as it is safe.
"""

from __future__ import annotations

import contextlib
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
    if threading.current_thread() is threading.main_thread():
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
