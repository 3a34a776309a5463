"""Consoles for stdout and stderr that follow the conventions: colour only for a terminal.

Styles are dropped entirely (not only colours) when the stream is not a terminal, ``NO_COLOR`` is set
or ``TERM`` is dumb, so piped output and ``NO_COLOR`` output carry no escape codes at all.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from rich.console import Console


def wants_plain(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return True
    if os.environ.get("TERM", "") in ("dumb", "unknown"):
        return True
    if os.environ.get("FORCE_COLOR"):
        return False
    try:
        return not stream.isatty()
    except (ValueError, AttributeError):
        return True


def make_console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    plain = wants_plain(stream)
    return Console(
        file=stream,
        color_system=None if plain else "auto",
        force_terminal=None if plain else (True if os.environ.get("FORCE_COLOR") else None),
        highlight=False,
        emoji=False,
        soft_wrap=False,
        stderr=stderr,
    )
