"""Characters that would reach a terminal as commands rather than text, and how to neutralise them.

A terminal acts on control characters: ESC and the C1 CSI start sequences that set the window title,
write the clipboard (OSC 52), switch screens or make the terminal type a reply (``ESC[6n``) into the
shell; BiDi controls make text display in an order other than the one it is stored in. Text from a
knowledge base, a cache, a database or an argument is data: these characters are refused when a
knowledge base is validated, and replaced by a visible escape wherever text is shown.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, the C1 block, and the Unicode BiDi controls (ALM, LRM, RLM,
# LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI).
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

_NAMES = {
    0x00: "NUL", 0x07: "BEL", 0x08: "backspace", 0x0D: "carriage return", 0x1B: "ESC", 0x7F: "DEL",
    0x9B: "CSI", 0x9D: "OSC", 0x90: "DCS", 0x85: "NEL", 0x061C: "Arabic letter mark", 0x200E: "left-to-right mark",
    0x200F: "right-to-left mark", 0x202A: "left-to-right embedding", 0x202B: "right-to-left embedding",
    0x202C: "pop directional formatting", 0x202D: "left-to-right override", 0x202E: "right-to-left override",
    0x2066: "left-to-right isolate", 0x2067: "right-to-left isolate", 0x2068: "first strong isolate",
    0x2069: "pop directional isolate",
}


def describe(char: str) -> str:
    """``U+001B (ESC), a control character`` or ``U+202E (right-to-left override), a BiDi control``."""
    code = ord(char)
    kind = "a BiDi control" if code > 0x9F else "a control character"
    name = _NAMES.get(code)
    return f"U+{code:04X}" + (f" ({name})" if name else "") + f", {kind}"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """The text with every unsafe character written as a visible escape (``\\x1b``, ``\\u202e``)."""
    return UNSAFE.sub(_escape, text) if UNSAFE.search(text) else text


# The BiDi controls alone: text a terminal shows reordered. No program output (colours, links) contains them.
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def without_bidi(text: str) -> str:
    """The text with every BiDi control written as a visible escape; escape sequences left as they are."""
    return BIDI.sub(_escape, text) if BIDI.search(text) else text


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_safe(document: str) -> str:
    """JSON text with unsafe characters as ``\\uXXXX`` escapes: the same data, nothing a terminal acts on.

    Valid because in JSON text these characters can only occur inside strings, where the escape means the
    same character.
    """
    return UNSAFE.sub(_json_escape, document) if UNSAFE.search(document) else document


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
