"""Peak memory of a command alone, not of the test runner that starts it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# Linux copies a parent's resident pages into a forked child's high-water mark and keeps that mark across exec,
# so a command started straight from a large pytest process reports pytest's memory as its own peak, and a
# memory limit then fails as the suite grows. A small, fresh interpreter starts the command instead, waits for it
# and writes the command's own exit code and peak (KB on Linux) to a report file.
_LAUNCHER = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[2:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "with open(sys.argv[1], 'w') as fh:\n"
    "    fh.write(f'{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}')\n"
)


def popen(argv: list[str], **kwargs: Any) -> tuple[subprocess.Popen[Any], Path]:
    """Start `argv` through the launcher; pipes, stdin, env and preexec_fn apply to the command as usual."""
    fd, name = tempfile.mkstemp(prefix="hamknee-rss-")
    os.close(fd)
    return subprocess.Popen([sys.executable, "-c", _LAUNCHER, name, *argv], **kwargs), Path(name)


def outcome(report: Path) -> tuple[int, int]:
    """The command's exit code and peak resident memory, once the launcher has exited."""
    code, peak = report.read_text().split()
    report.unlink()
    return int(code), int(peak)
