"""The diagram model drawn three ways: styled text for a terminal, marked plain text, and SVG.

Plain text carries the highlight as markers (``>>`` before a highlighted row, ``*`` around a highlighted
name) because it has no colour; where the output cannot encode box-drawing characters, they become ASCII.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from hamknee.diagram import MARGIN, Diagram

if TYPE_CHECKING:
    from rich.console import RenderableType

_ASCII = str.maketrans({
    "─": "-", "│": "|", "┼": "+", "┬": "+", "┴": "+", "┐": "+", "┘": "+", "┤": "|", "●": "o", "·": ".",
    "▲": "^", "…": "~",
})

STYLE = {
    # Muscles in the colour of their kind elsewhere: red is kept for pain, which it should stand out as.
    "title": "bold", "dim": "dim", "joint": "cyan", "site": "yellow", "muscle": "bold orchid",
    "pain": "bold red", "pain-zone": "on grey23", "highlight": "bold black on yellow",
}
# Spans are drawn in this order, so a highlight shows over a pain zone.
_ORDER = {"pain-zone": 0}


def can_encode_box(encoding: str | None) -> bool:
    """Whether box-drawing characters survive the output encoding (UTF-8 and friends)."""
    if not encoding:
        return False
    try:
        "─│┼●▲…".encode(encoding)
    except (LookupError, UnicodeEncodeError):
        return False
    return True


def to_ascii(text: str) -> str:
    return text.translate(_ASCII).encode("ascii", "replace").decode("ascii")


def plain_lines(diagram: Diagram, unicode: bool = True) -> list[str]:
    """The diagram as text lines with markers for the highlight, for output without colour."""
    lines = [list(line.ljust(diagram.width)) for line in diagram.lines]
    for span in diagram.spans:
        if span.role == "highlight" and span.end - span.start >= 3:
            row = lines[span.line]
            if row[span.start] == " " and row[span.end - 1] == " ":
                row[span.start] = "*"
                row[span.end - 1] = "*"
    for n in diagram.marked:
        lines[n][0:MARGIN] = list(">>")
    result = ["".join(chars).rstrip() for chars in lines]
    if diagram.focus:
        import textwrap

        # Nothing is marked when nothing is drawn: the caption does not point at marks that are not there.
        marks = " (marked >> and *)" if diagram.marked else " (marked *)" if diagram.highlighted else ""
        result += textwrap.wrap(_focus_caption(diagram) + marks, width=diagram.width,
                                initial_indent=" " * MARGIN, subsequent_indent=" " * (MARGIN + 2))
    return result if unicode else [to_ascii(line) for line in result]


def _focus_caption(diagram: Diagram) -> str:
    names = {r.muscle: r.name for r in diagram.rows}
    names.update({s: label for r in diagram.rows for s, label in ((r.origin, r.origin_label),
                                                                  (r.insertion, r.insertion_label)) if s})
    if not diagram.highlighted:
        return f"{diagram.focus_name}: not drawn here"
    shown = ", ".join(names.get(i, i) for i in diagram.highlighted)
    return f"Highlighted: {shown}" if shown == diagram.focus_name else f"{diagram.focus_name}, highlighted: {shown}"


def rich_text(diagram: Diagram, unicode: bool = True) -> RenderableType:
    """The diagram as styled rich text (colour marks the highlight)."""
    from rich.console import Group
    from rich.text import Text

    width = diagram.width
    offsets = []
    body = []
    position = 0
    for line in diagram.lines:
        offsets.append(position)
        padded = line.ljust(width)
        body.append(padded)
        position += len(padded) + 1
    content = "\n".join(body)
    text = Text(content if unicode else to_ascii(content), no_wrap=True, overflow="ignore")
    for span in sorted(diagram.spans, key=lambda s: _ORDER.get(s.role, 1)):
        base = offsets[span.line]
        text.stylize(STYLE.get(span.role, ""), base + span.start, base + span.end)
    text.rstrip()
    if not diagram.focus:
        return text
    from hamknee.layout import Wrapped

    caption = _focus_caption(diagram)
    # Wrapped between words like the plain caption: printed without wrapping, its end would be cut.
    return Group(text, Wrapped(" " * MARGIN, Text(caption if unicode else to_ascii(caption), style="bold"),
                               indent=MARGIN + 2))


_SVG_COLOUR = {
    "title": ("#000000", True), "dim": ("#757575", False), "joint": ("#1f6f8b", False),
    "site": ("#8a6d00", False), "muscle": ("#8e3a8e", True), "pain": ("#c62828", True),
    "highlight": ("#000000", True),
}
_CHAR_W = 8.4
_LINE_H = 18.0
_PAD = 12.0


def xml_escape(text: str) -> str:
    """``xml.sax.saxutils.escape``: importing that module imports urllib.request, http and ssl."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(text: str) -> str:
    """``xml.sax.saxutils.quoteattr``, without its imports."""
    data = xml_escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in data:
        return f'"{data}"'
    if "'" not in data:
        return f"'{data}'"
    return '"{}"'.format(data.replace('"', "&quot;"))


# What XML 1.0 does not allow (anything outside its Char production: surrogates, U+FFFE, U+FFFF, controls)
# and what it discourages (the other noncharacters). A lone surrogate cannot even be written as UTF-8.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd\U00010000-\U0010ffff]|[" + "".join(
    chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(1, 17)) + "]")


def _xml_safe(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}" if ord(match.group()) <= 0xFFFF else f"\\U{ord(match.group()):08x}"


def svg(diagram: Diagram, title: str = "Posterior thigh and knee") -> str:
    """The diagram as a standalone SVG document (monospace text, highlight and pain as backgrounds)."""
    from hamknee.sanitize import visible

    def escape(text: str) -> str:
        # XML 1.0 forbids most control characters outright: an SVG holding one does not even open. Any
        # other character it cannot hold is shown as its escape, as a control character is.
        return xml_escape(_NOT_XML.sub(_xml_safe, visible(text)))

    lines = diagram.lines
    width = _PAD * 2 + diagram.width * _CHAR_W
    height = _PAD * 2 + (len(lines) + 1) * _LINE_H
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" '
        'font-size="14">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
    ]
    for span in diagram.spans:
        if span.role in ("highlight", "pain-zone"):
            fill = "#ffe066" if span.role == "highlight" else "#fde0e0"
            x = _PAD + span.start * _CHAR_W
            y = _PAD + span.line * _LINE_H + 4
            out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{(span.end - span.start) * _CHAR_W:.1f}" '
                       f'height="{_LINE_H:.1f}" fill="{fill}"/>')
    roles: dict[int, list[str | None]] = {}
    for span in diagram.spans:
        if span.role == "pain-zone":
            continue
        cells = roles.setdefault(span.line, [None] * diagram.width)
        for col in range(span.start, min(span.end, diagram.width)):
            if cells[col] != "highlight":
                cells[col] = span.role
    for n, line in enumerate(lines):
        y = _PAD + (n + 1) * _LINE_H
        cells = roles.get(n, [None] * diagram.width)
        parts = []
        col = 0
        while col < len(line):
            role = cells[col] if col < len(cells) else None
            end = col
            while end < len(line) and (cells[end] if end < len(cells) else None) == role:
                end += 1
            chunk = escape(line[col:end])
            if role and role in _SVG_COLOUR:
                colour, bold = _SVG_COLOUR[role]
                weight = ' font-weight="bold"' if bold else ""
                parts.append(f"<tspan fill={quoteattr(colour)}{weight}>{chunk}</tspan>")
            else:
                parts.append(chunk)
            col = end
        out.append(f'<text x="{_PAD:.0f}" y="{y:.1f}" xml:space="preserve">{"".join(parts)}</text>')
    if diagram.focus:
        y = _PAD + (len(lines) + 1) * _LINE_H
        out.append(f'<text x="{_PAD + MARGIN * _CHAR_W:.1f}" y="{y:.1f}" font-weight="bold" '
                   f'xml:space="preserve">{escape(_focus_caption(diagram))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
