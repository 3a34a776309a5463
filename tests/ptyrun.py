"""Run the installed hamknee on a real pseudo-terminal, the way a student's terminal emulator would."""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def installed() -> list[str]:
    script = Path(sys.executable).parent / "hamknee"
    if script.exists():
        return [str(script)]
    found = shutil.which("hamknee")
    return [found] if found else [sys.executable, "-m", "hamknee"]


HAMKNEE = installed()

# What a terminal may legitimately receive from hamknee: colour and style (SGR) sequences, and OSC 8
# hyperlinks whose parameters and target hold nothing a terminal would act on.
SGR = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;[ -~]*?;[!-~]*?\x1b\\")
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def acting(output: str) -> list[str]:
    """Characters in terminal output that a terminal would act on, once colour codes are set aside."""
    return UNSAFE.findall(SGR.sub("", output).replace("\r\n", "\n"))


class Session:
    """hamknee on a pseudo-terminal: read what it shows, type into it, send it signals."""

    def __init__(self, args: list[str], env: dict[str, str], columns: int = 100, cwd: Path | None = None,
                 stdin: int | None = None) -> None:
        import fcntl
        import struct
        import termios

        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        full_env = dict(os.environ)
        for name in ("NO_COLOR", "COLUMNS", "LINES", "FORCE_COLOR", "HAMKNEE_PAGER"):
            full_env.pop(name, None)
        full_env.update(TERM="xterm-256color", PAGER="cat")  # output as the terminal gets it, no pager to quit
        full_env.update(env)
        self.proc = subprocess.Popen([*HAMKNEE, *args], stdin=slave if stdin is None else stdin, stdout=slave,
                                     stderr=slave, env=full_env, cwd=cwd, start_new_session=True,
                                     preexec_fn=_controlling_tty)
        os.close(slave)
        self.buffer = b""

    def _pump(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: every process holding the terminal has exited
            return False
        if not chunk:
            return False
        self.buffer += chunk
        return True

    @property
    def text(self) -> str:
        return self.buffer.decode("utf-8", "replace")

    def expect(self, pattern: str | Callable[[str], bool], timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        check = pattern if callable(pattern) else (lambda text: pattern in text)
        while not check(self.text):
            if time.monotonic() > deadline or (not self._pump(0.1) and self.proc.poll() is not None):
                if check(self.text):
                    break
                self.proc.kill()  # a failed expectation leaves no process behind to warn in a later test
                self.proc.wait(timeout=10)
                os.close(self.master)
                raise AssertionError(f"never saw {pattern!r}; output so far:\n{self.text[-3000:]}")
        return self.text

    def type(self, text: str) -> None:
        os.write(self.master, text.encode("utf-8"))

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def finish(self, timeout: float = 60) -> tuple[int, str]:
        deadline = time.monotonic() + timeout
        while True:
            if time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError(f"hamknee did not finish; output:\n{self.text[-3000:]}")
            if not self._pump(0.1):
                break
            if self.proc.poll() is not None and not select.select([self.master], [], [], 0)[0]:
                break
        code = self.proc.wait(timeout=10)
        os.close(self.master)
        return code, self.text


def _controlling_tty() -> None:
    # A new session with the pty as its controlling terminal, as under a terminal emulator, so that
    # closing the terminal sends SIGHUP and Ctrl-C is a terminal signal.
    import fcntl
    import termios

    fcntl.ioctl(1, termios.TIOCSCTTY, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_on_pty(args: list[str], env: dict[str, str], typed: str = "", columns: int = 100,
               timeout: float = 60) -> tuple[int, str]:
    session = Session(args, env, columns=columns)
    if typed:
        session.type(typed)
    return session.finish(timeout)
