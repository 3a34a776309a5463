"""Layout that fits the terminal: word wrapping that never splits a word or a URL, and tables that never cut.

A table cell wraps only between words, and an id never wraps at all. When the columns cannot all get their
longest word (or whole id) at the width there is, the table is drawn as stacked records instead, one
field a line, so nothing a student must read or copy is cut. Listings are printed row by row, so a long
listing reaches the terminal (or the pager) as it is produced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

# Prose is read comfortably at up to about 100 characters a line, however wide the terminal.
MEASURE = 100
GAP = 2
# Below this a prose column reads as a word list: draw stacked records instead.
PROSE_MIN = 24

Cell = str | Text


def as_text(cell: Cell) -> Text:
    return cell if isinstance(cell, Text) else Text(" ".join(str(cell).split(" ")).replace("\t", " "))


def longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def wrap_words(text: Text, width: int) -> list[Text]:
    """Wrap at spaces only: a word (or URL) longer than the width gets a line of its own, whole."""
    from rich._wrap import divide_line

    lines: list[Text] = []
    for paragraph in text.split("\n", allow_blank=True):
        plain = paragraph.plain
        if cell_len(plain) <= width:
            paragraph.rstrip()
            lines.append(paragraph)
            continue
        for line in paragraph.divide(divide_line(plain, max(width, 1), fold=False)):
            line.rstrip()
            lines.append(line)
    return lines


_WORD = re.compile(r"\s*\S+\s*")


def _breaks(text: str, width: int) -> list[int]:
    """Where rich's ``divide_line(text, width, fold=False)`` breaks a line, worked out at string speed when
    every character is one cell (printable ASCII), and by rich otherwise."""
    if not (text.isascii() and text.isprintable()):
        from rich._wrap import divide_line

        return divide_line(text, width, fold=False)
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, end = match.span()
        length = len(match.group().rstrip())
        if width - offset >= length:
            offset += end - start
        elif length > width:  # a word longer than the line: a line of its own, whole
            if start:
                breaks.append(start)
            offset = end - start
        elif offset and start:
            breaks.append(start)
            offset = end - start
    return breaks


def _cells(text: str) -> int:
    return len(text) if text.isascii() and text.isprintable() else cell_len(text)


def wrap_plain(text: str, width: int) -> list[str]:
    """``wrap_words`` of unstyled text: the same lines, without building styled text for each."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if _cells(paragraph) <= width:
            lines.append(paragraph.rstrip())
            continue
        start = 0
        for end in _breaks(paragraph, max(width, 1)):
            lines.append(paragraph[start:end].rstrip())
            start = end
        lines.append(paragraph[start:].rstrip())
    return lines


class Wrapped:
    """Text after a prefix, wrapped at words, continuation lines aligned under the text."""

    def __init__(self, prefix: Text | str, body: Text | str, indent: int | None = None) -> None:
        self.prefix = prefix if isinstance(prefix, Text) else Text(prefix)
        self.body = body if isinstance(body, Text) else Text(body)
        self.indent = cell_len(self.prefix.plain) if indent is None else indent

    def _width(self, options: ConsoleOptions) -> int:
        return max(options.max_width - max(self.indent, cell_len(self.prefix.plain)), 12)

    def __plain_lines__(self, options: ConsoleOptions) -> list[str]:
        """The lines without styles, for a console that shows none: thousands of them print at once."""
        margin = " " * self.indent
        head = self.prefix.plain
        lines = wrap_plain(self.body.plain, self._width(options))
        return [((head if i == 0 else margin) + line).rstrip() for i, line in enumerate(lines)]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = self._width(options)
        for i, line in enumerate(wrap_words(self.body, width)):
            head = self.prefix if i == 0 else Text(" " * self.indent)
            joined = Text.assemble(head, line)
            joined.rstrip()
            yield from joined.render(console)
            yield Segment.line()


class Grid:
    """A table of text cells that fits or becomes stacked records.

    ``ids`` are the columns that never wrap (ids a student copies); every other column wraps between
    words and is at least as wide as its longest word. ``prose`` columns (long text) also need
    ``PROSE_MIN`` columns, or the table is stacked.
    """

    def __init__(self, headers: Sequence[str], rows: Iterable[Sequence[Cell]], title: str | None = None,
                 ids: Iterable[int] = (), prose: Iterable[int] | None = None, separate: bool | None = None,
                 head: int = 1, bare: Iterable[int] = ()) -> None:
        self.headers = list(headers)
        # Stacked records: the first ``head`` cells share the record's first line; ``bare`` cells go
        # below without their label.
        self.head = head
        self.bare = frozenset(bare)
        self._cells = [list(row) for row in rows]
        self._rows: list[list[Text]] | None = None
        self.title = title
        self.ids = frozenset(ids)
        self.prose = frozenset(prose) if prose is not None else frozenset({len(self.headers) - 1})
        self.separate = separate

    # -- planning -------------------------------------------------------------------------------
    def _stats(self) -> tuple[list[int], list[int]]:
        least = [cell_len(h) if i in self.ids else longest_word(h) for i, h in enumerate(self.headers)]
        most = [cell_len(h) for h in self.headers]
        for row in self.rows:
            for i, cell in enumerate(row):
                plain = cell.plain
                lines = plain.split("\n")
                widest = max(cell_len(line) for line in lines)
                most[i] = max(most[i], widest)
                least[i] = max(least[i], widest if i in self.ids else longest_word(plain))
        for i in self.prose:
            least[i] = max(least[i], min(PROSE_MIN, most[i]))
        return least, most

    def plan(self, width: int) -> list[int] | None:
        """Column widths that fit ``width``, or None when only stacked records would fit."""
        least, most = self._stats()
        room = width - GAP * (len(self.headers) - 1)
        if sum(least) > room:
            return None
        if sum(most) <= room:
            return most
        # Water-filling: columns that want little get all they want; the rest share what is left evenly.
        widths = list(least)
        spare = room - sum(least)
        hungry = sorted(range(len(widths)), key=lambda j: most[j] - least[j])
        while hungry and spare > 0:
            share = spare // len(hungry)
            column = hungry[0]
            need = most[column] - widths[column]
            if need <= share or share == 0:
                give = min(need, spare) if share else min(need, spare, 1)
                widths[column] += give
                spare -= give
                if widths[column] >= most[column]:
                    hungry.pop(0)
                continue
            for j in hungry:
                widths[j] += share
            spare -= share * len(hungry)
        return widths

    # -- rendering ------------------------------------------------------------------------------
    def _line(self, pieces: list[Text], widths: list[int]) -> Text:
        line = Text()
        for i, (piece, width) in enumerate(zip(pieces, widths, strict=True)):
            line.append_text(piece)
            if i < len(widths) - 1:
                line.append(" " * (width - cell_len(piece.plain) + GAP))
        line.rstrip()
        return line

    def header_lines(self, widths: list[int]) -> list[Text]:
        heads = self.row_lines([Text(h, style="bold") for h in self.headers], widths)
        used = sum(widths) + GAP * (len(widths) - 1)
        return [*heads, Text("─" * used, style="dim")]

    def row_lines(self, row: list[Text], widths: list[int]) -> list[Text]:
        wrapped = [[c.copy()] if i in self.ids else wrap_words(c.copy(), widths[i]) for i, c in enumerate(row)]
        height = max(len(w) for w in wrapped)
        return [self._line([w[n] if n < len(w) else Text() for w in wrapped], widths) for n in range(height)]

    def record_lines(self, row: list[Text], console: Console, width: int) -> Iterator[Text]:
        first = Text()
        for i, cell in enumerate(row[:self.head]):
            if i:
                first.append("  ")
            piece = cell.copy()
            piece.stylize("bold" if i == 0 else "dim")
            first.append_text(piece)
        yield from wrap_words(first, width)
        for n, (header, cell) in enumerate(zip(self.headers, row, strict=True)):
            if n < self.head or not cell.plain.strip() or cell.plain.strip() == "–":
                continue
            label = Text("    " if n in self.bare else f"  {header}: ", style="dim")
            indent = cell_len(label.plain)
            if indent > width * 2 // 5:  # a long label gets a line of its own
                yield Text(label.plain.rstrip(), style="dim")
                label, indent = Text("    "), 4
            for k, line in enumerate(wrap_words(cell.copy(), width - indent)):
                joined = Text.assemble(label if k == 0 else Text(" " * indent), line)
                joined.rstrip()
                yield joined

    def lines(self, console: Console, width: int) -> Iterator[Text]:
        """Every line of the table at ``width``, produced one row at a time."""
        if self.title:
            yield Text(self.title, style="bold")
        widths = self.plan(width)
        if widths is None:
            for n, row in enumerate(self.rows):
                if n:
                    yield Text()
                yield from self.record_lines(row, console, width)
            return
        yield from self.header_lines(widths)
        rendered = (self.row_lines(row, widths) for row in self.rows)
        separate = self.separate
        for n, block in enumerate(rendered):
            if separate is None:
                separate = len(block) > 1
            if n and separate:
                yield Text()
            yield from block

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(console, options.max_width):
            yield from line.render(console)
            yield Segment.line()

    def stream(self, console: Console, width: int | None = None) -> None:
        """Print row by row, so the first screen is out before the last row is laid out."""
        for line in self.lines(console, width or console.width):
            console.print(line, soft_wrap=True)

    @property
    def rows(self) -> list[list[Text]]:
        # Styled text only for a terminal: a piped listing of thousands of rows needs none.
        if self._rows is None:
            self._rows = [[as_text(c) for c in row] for row in self._cells]
        return self._rows

    def tsv(self) -> Iterator[str]:
        """One record a line, tab-separated, no header: for grep, cut and awk."""
        for row in self._cells:
            yield "\t".join(tsv_cell(cell.plain if isinstance(cell, Text) else str(cell)) for cell in row)


def tsv_cell(text: str) -> str:
    """A cell of a tab-separated record: one line, no tabs, nothing a terminal would act on."""
    line = " ".join(text.split())
    return line if line.isprintable() else "".join(ch for ch in line if ch.isprintable())
