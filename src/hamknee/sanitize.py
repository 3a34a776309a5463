"""Characters that would reach a terminal as commands rather than text, and how to neutralise them.

A terminal acts on control characters: ESC and the C1 CSI start sequences that set the window title,
write the clipboard (OSC 52), switch screens or make the terminal type a reply (``ESC[6n``) into the
shell; BiDi controls make text display in an order other than the one it is stored in. The line and
paragraph separators (U+2028, U+2029) break a line for some readers (YAML, JavaScript, editors that honour
them) and not for others, so text holding one does not read the same everywhere; noncharacters and lone
surrogates are no characters at all, and XML (an SVG) cannot hold them. Text from a knowledge base, a
cache, a database or an argument is data: these characters are refused when a knowledge base is
validated, and replaced by a visible escape wherever text is shown or written.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, the C1 block, the Unicode BiDi controls (ALM, LRM, RLM, LRE, RLE,
# PDF, LRO, RLO, LRI, RLI, FSI, PDI), the line and paragraph separators, lone surrogates and the noncharacters
# (U+FDD0-U+FDEF and the last two code points of every plane).
_BMP = ("\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff"
        "\ufdd0-\ufdef\ufffe\uffff")
_ASTRAL = "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(1, 17))
UNSAFE = re.compile(f"[{_BMP}]|[{_ASTRAL}]")
# The same search, several times faster over long text: a class of only BMP ranges is a lookup table, while
# one holding the 32 astral noncharacters is a list tried at every character. Any astral character is a
# suspect here, checked exactly only when there is one (a knowledge base rarely has any).
_SUSPECT = re.compile(f"[{_BMP}\U00010000-\U0010ffff]")


def first_unsafe(text: str, start: int = 0) -> re.Match[str] | None:
    """The first unsafe character in the text from ``start``, or None: the one scan of a long text."""
    found = _SUSPECT.search(text, start)
    if found is None or found.group() <= "\uffff" or UNSAFE.match(found.group()):
        return found
    return UNSAFE.search(text, found.end())


_NAMES = {
    0x00: "NUL", 0x07: "BEL", 0x08: "backspace", 0x0D: "carriage return", 0x1B: "ESC", 0x7F: "DEL",
    0x9B: "CSI", 0x9D: "OSC", 0x90: "DCS", 0x85: "NEL", 0x061C: "Arabic letter mark", 0x200E: "left-to-right mark",
    0x200F: "right-to-left mark", 0x202A: "left-to-right embedding", 0x202B: "right-to-left embedding",
    0x202C: "pop directional formatting", 0x202D: "left-to-right override", 0x202E: "right-to-left override",
    0x2066: "left-to-right isolate", 0x2067: "right-to-left isolate", 0x2068: "first strong isolate",
    0x2069: "pop directional isolate", 0x2028: "line separator", 0x2029: "paragraph separator",
}


def is_noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def describe(char: str) -> str:
    """``U+001B (ESC), a control character``, ``U+202E (right-to-left override), a BiDi control``,
    ``U+2028 (line separator), an invisible line break`` or ``U+FFFE, a Unicode noncharacter``."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"U+{code:04X}, a lone surrogate (half of a UTF-16 pair, no character)"
    if is_noncharacter(char):
        return f"U+{code:04X}, a Unicode noncharacter"
    if code in (0x2028, 0x2029):
        kind = "an invisible line break"
    else:
        kind = "a BiDi control" if code > 0x9F else "a control character"
    name = _NAMES.get(code)
    return f"U+{code:04X}" + (f" ({name})" if name else "") + f", {kind}"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(text: str) -> str:
    """The text with every unsafe character written as a visible escape (``\\x1b``, ``\\u202e``, ``\\U0001fffe``)."""
    return UNSAFE.sub(_escape, text) if first_unsafe(text) else text


# The BiDi controls alone: text a terminal shows reordered. No program output (colours, links) contains them.
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def without_bidi(text: str) -> str:
    """The text with every BiDi control written as a visible escape; escape sequences left as they are."""
    return BIDI.sub(_escape, text) if BIDI.search(text) else text


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON writes a character beyond the BMP as the two halves of its UTF-16 pair
    return f"\\u{0xD800 | code >> 10:04x}\\u{0xDC00 | code & 0x3FF:04x}"


def json_safe(document: str) -> str:
    """JSON text with unsafe characters as ``\\uXXXX`` escapes: the same data, nothing a terminal acts on.

    Valid because in JSON text these characters can only occur inside strings, where the escape means the
    same character.
    """
    return UNSAFE.sub(_json_escape, document) if first_unsafe(document) else document


# Escape sequences as a terminal sends them: CSI (ESC [ or C1 CSI) ... final byte, OSC/DCS/PM/APC strings up
# to BEL or ST, and two-character escapes. A cursor-position report (ESC[5;26R) typed by the terminal in
# front of an answer is one of these.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]P^_X]|[\x90\x9d\x9e\x9f\x98])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]"
)


def typed_text(text: str) -> str:
    """What the person typed, without the escape sequences a terminal may have sent in the same line."""
    if not UNSAFE.search(text):
        return text
    return UNSAFE.sub("", _SEQUENCE.sub("", text))
