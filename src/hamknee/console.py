"""Consoles for stdout and stderr that follow the conventions: colour only for a terminal.

Styles are dropped entirely (not only colours) when the stream is not a terminal, ``NO_COLOR`` is set
or ``TERM`` is dumb, so piped output and ``NO_COLOR`` output carry no escape codes at all.

Whatever is printed, text never reaches the terminal as commands: every segment of text is passed
through ``sanitize.visible`` after layout, so a control character or BiDi control that got past
validation (from a cache, a database, an argument or a file name) shows as ``\\x1b`` instead of acting.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from rich.cells import cell_len
from rich.console import Console, Group
from rich.segment import Segment
from rich.text import Text

from hamknee.sanitize import first_unsafe, visible

if TYPE_CHECKING:
    from rich.console import ConsoleOptions, RenderableType

# A width outside this range is a mistake in the environment (COLUMNS=0 printed nothing at all; a
# 19-digit COLUMNS made rich allocate without end): fall back to the terminal's own width, or 80.
MIN_WIDTH = 10
MAX_WIDTH = 1000
DEFAULT_WIDTH = 80


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


def _number(name: str) -> int | None:
    """The environment variable as an integer, or None if it is unset or not a number."""
    raw = os.environ.get(name)
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None


def _terminal_width(stream: TextIO) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return DEFAULT_WIDTH
    return columns if MIN_WIDTH <= columns <= MAX_WIDTH else DEFAULT_WIDTH


def sane_size(stream: TextIO) -> tuple[int | None, int | None]:
    """Width and height to impose when ``COLUMNS`` or ``LINES`` is unusable; None leaves rich to decide."""
    width = height = None
    if "COLUMNS" in os.environ:
        columns = _number("COLUMNS")
        if columns is None or not MIN_WIDTH <= columns <= MAX_WIDTH:
            width = _terminal_width(stream)
    if "LINES" in os.environ:
        lines = _number("LINES")
        if lines is None or not 1 <= lines <= 10_000:
            height = 25
    return width, height


class SafeConsole(Console):
    """A rich console whose text segments are made harmless after layout (styles are still applied)."""

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        if self.color_system is None:
            # No styles will be shown: text that needs no layout from rich goes out as it is, which is what
            # rich would write, at a fraction of the cost (a listing of every phase is thousands of lines).
            plain = _plain(self, renderable, options or self.options)
            if plain is not None:
                if plain:
                    yield Segment(visible(plain))
                return
        for segment in super().render(renderable, options):
            text, style = segment.text, segment.style
            if segment.control:
                yield segment
                continue
            if style is not None and style.link and first_unsafe(style.link):
                style = style.update_link(None)  # a link target goes inside an OSC 8 sequence: never unsafe
            if first_unsafe(text) or style is not segment.style:
                yield Segment(visible(text), style)
            else:
                yield segment


def _plain(console: Console, renderable: object, options: ConsoleOptions) -> str | None:
    """The text a plain console writes for a renderable that needs no layout from rich, or None.

    That is a line of text that fits without wrapping, justifying or tab stops, a renderable of ours that
    lays itself out (``__plain_lines__``, such as ``layout.Wrapped``), or a group of such renderables
    (rich's ``Group``, or one of ours marked ``__plain_children__``, whose parts depend only on the width).
    """
    if options.max_width < 1:
        return ""
    if isinstance(renderable, Text):
        text = renderable.plain
        if ("\n" in text or "\t" in text or (renderable.justify or options.justify or "default") != "default"
                or cell_len(text) > options.max_width):
            return None
        return text + renderable.end
    if isinstance(renderable, type):
        return None
    lay_out = getattr(renderable, "__plain_lines__", None)
    if lay_out is not None:
        lines: list[str] = lay_out(options)
        return "".join(line + "\n" for line in lines)
    if isinstance(renderable, Group):
        children: Iterable[object] = renderable.renderables
    elif getattr(renderable, "__plain_children__", False):
        children = renderable.__rich_console__(console, options)  # type: ignore[attr-defined]
    else:
        return None
    parts: list[str] = []
    for child in children:
        part = None if isinstance(child, Segment) else _plain(console, child, options)
        if part is None:
            return None
        parts.append(part)
    return "".join(parts)


def make_console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    plain = wants_plain(stream)
    width, height = sane_size(stream)
    return SafeConsole(
        file=stream,
        color_system=None if plain else "auto",
        force_terminal=None if plain else (True if os.environ.get("FORCE_COLOR") else None),
        highlight=False,
        emoji=False,
        soft_wrap=False,
        stderr=stderr,
        width=width,
        height=height,
    )
