"""Read a knowledge base file: safe YAML parsing, schema validation and cross-reference checks.

Every problem is collected and reported at once, each located by file, line, column and its path in the
document (``conditions[3].relations[1].target``). This module is the cold path: it imports yaml and
pydantic, which a lookup served from the compiled cache never needs.
"""

from __future__ import annotations

import difflib
import gc
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from hamknee.errors import InvalidKnowledgeBase, Problem, quoted
from hamknee.sanitize import UNSAFE, describe, visible
from hamknee.terms import normalize
from hamknee.vocab import INVERSE, MAX_TEXT_CHARS, SECTIONS

MAX_BYTES = 20 * 1024 * 1024  # larger files are refused rather than parsed
# Counted while the file is parsed, so that a file within MAX_BYTES cannot build an unbounded tree
# (20 MB of "[1,1,...]" is ten million nodes). The shipped knowledge base has about 13,000 nodes, the
# 5,000-entity benchmark one about 375,000.
MAX_NODES = 500_000
MAX_ITEMS = 20_000  # in any one list
MAX_KEYS = 1_000  # in any one mapping
MAX_KEY_CHARS = 100  # every key is a field name of the schema, the longest of them 15 characters

_Loader: type[yaml.SafeLoader]
try:  # libyaml parses several times faster; the constructor stays in Python either way
    _Loader = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - pyyaml built without libyaml
    _Loader = yaml.SafeLoader


class _TooBig(Exception):
    """The document is over MAX_NODES: refused while parsing, before the rest is built."""


class _Bounded(_Loader):  # type: ignore[misc,valid-type]
    """Counts nodes as the parser composes them and refuses over-long lists and mappings."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._nodes = 0

    def descend_resolver(self, current_node: Any, current_index: Any) -> Any:
        # Called by the composer (the C one too) for every node, before the node is built.
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooBig
        return super().descend_resolver(current_node, current_index)

    def construct_scalar(self, node: Any) -> Any:
        if isinstance(node.value, str) and len(node.value) > MAX_TEXT_CHARS:
            raise yaml.constructor.ConstructorError(None, None, _too_long(node.value), node.start_mark)
        return super().construct_scalar(node)

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> list[Any]:
        if len(node.value) > MAX_ITEMS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a list of {len(node.value):,} items; the limit is {MAX_ITEMS:,}", node.start_mark)
        return super().construct_sequence(node, deep=deep)  # type: ignore[no-any-return]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if len(node.value) > MAX_KEYS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a mapping of {len(node.value):,} keys; the limit is {MAX_KEYS:,}", node.start_mark)
        for key_node, _ in node.value:
            if isinstance(key_node.value, str) and len(key_node.value) > MAX_KEY_CHARS:
                raise yaml.constructor.ConstructorError(None, None, _too_long(key_node.value, key=True),
                                                        key_node.start_mark)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def _too_long(text: str, key: bool = False) -> str:
    what, limit = ("key", MAX_KEY_CHARS) if key else ("value", MAX_TEXT_CHARS)
    return f"a {what} of {len(text):,} characters ({quoted(text, 40)}); the limit is {limit:,}"


# Messages of the limits above: a file over a limit is no syntax error.
_LIMITS = ("a list of ", "a mapping of ", "a key of ", "a value of ")


class _Refused(Exception):
    """A limit exceeded while parsing: the message, the character offset where it happens and the path."""

    def __init__(self, message: str, index: int, loc: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.message, self.index, self.loc = message, index, loc


def _open_path(stack: list[Any], keys: list[Any]) -> tuple[Any, ...]:
    """The path of the node being parsed, from the open lists and mappings around it."""
    loc: list[Any] = []
    for container, key in zip(stack, keys, strict=True):
        if container.__class__ is list:
            loc.append(len(container))
        elif key is not _NO_KEY:
            loc.append(key)
    return tuple(loc)


class _StrictLoader(_Bounded):
    """Safe loading that also refuses duplicate keys and anchors/aliases.

    Aliases have no use in a knowledge base and are how "billion laughs" files blow up: refusing them
    keeps loading linear in the file size.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects and isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases (&name, *name) are not supported", node.start_mark
            )
        try:
            return super().construct_object(node, deep=deep)
        except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError):
            # An explicit tag (!!timestamp, !!int, !!float ...) on a value it cannot describe makes the
            # PyYAML constructors fail with plain Python errors; report it as a located YAML problem.
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value as {node.tag.rsplit(':', 1)[-1]!r}", node.start_mark
            ) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                ) from None
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {quoted(key)}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


class _FastLoader(_Bounded):
    """The common case: a file with no anchor or alias tokens, so only duplicate keys need catching.

    Any doubt (a length mismatch, any error) sends the file through ``_StrictLoader``, which finds and
    locates the exact problem; a clean file is loaded once, without a Python hook on every node.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        if len(mapping) != len(node.value):
            raise _DoubtError
        return mapping


class _DoubtError(Exception):
    """The fast loader cannot vouch for this file."""


# Where an anchor (&a) or alias (*a) token could start: false positives only cost the strict path.
# Found as the rare '&' / '*' first (str.find), then the characters around it are checked: one pattern
# with the alternation in front is tried at every position of the file (seconds on 12 MB).
_TOKEN_START = re.compile(r"[\s\[{,:?-]")
_TOKEN_BODY = re.compile(r"[^\s,\[\]{}]")


def _may_have_anchor_or_alias(text: str) -> bool:
    for char in "&*":
        start = text.find(char)
        while start != -1:
            if _TOKEN_BODY.match(text, start + 1) and (start == 0 or _TOKEN_START.match(text, start - 1)):
                return True
            start = text.find(char, start + 1)
    return False


def read_text(path: Path) -> str:
    """The file's text, or InvalidKnowledgeBase with a located reason."""
    name = str(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise InvalidKnowledgeBase(name, [Problem("is a directory, not a YAML file")])
        if size > MAX_BYTES:
            raise InvalidKnowledgeBase(
                name, [Problem(f"file is {size / 1048576:.1f} MB; the limit is {MAX_BYTES // 1048576} MB")]
            )
        with path.open("rb") as fh:  # bounded even for devices and pipes, whose size stat cannot tell
            data = fh.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise InvalidKnowledgeBase(name, [Problem(f"more than {MAX_BYTES // 1048576} MB; the limit is "
                                                      f"{MAX_BYTES // 1048576} MB")])
    except FileNotFoundError:
        raise InvalidKnowledgeBase(name, [Problem("file not found")]) from None
    except OSError as exc:
        raise InvalidKnowledgeBase(name, [Problem(f"cannot read: {exc.strerror or exc}")]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # The decoder counts from after the byte-order mark, which is no character of the line either.
        bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        bad = exc.start + bom
        before = data[bom:bad]
        line = before.count(b"\n") + 1
        # The column counts characters, as an editor does: the line up to the bad byte is valid UTF-8.
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        raise InvalidKnowledgeBase(
            name, [Problem(f"not UTF-8 text (byte 0x{data[bad]:02x})", line=line, column=column)]
        ) from None


def _too_big(name: str) -> InvalidKnowledgeBase:
    return InvalidKnowledgeBase(name, [Problem(f"more than {MAX_NODES:,} YAML nodes (values, lists and mappings); "
                                               f"the limit is {MAX_NODES:,}")])


_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null"))
_MAX_DEPTH = 100  # deeper nesting goes to the loaders below, which report it
_NO_KEY = object()


def _from_events(text: str) -> Any:
    """Build the data straight from the parser's events, without the node tree ``yaml.load`` composes.

    The node tree (every scalar a node with two position marks) is most of the memory of loading: about
    200 MB for a 12 MB file against under 40 MB for the data itself. Only plain YAML is built here: an
    anchor, alias, explicit tag, duplicate or unhashable key, a scalar that is not a string, number,
    boolean or null, deep nesting or more than one document raises ``_DoubtError``, and the caller goes on
    to the loaders that construct (or refuse and locate) those exactly as before. Scalars resolve with
    PyYAML's own resolvers and constructors, so the result is the one ``yaml.load`` gives.
    """
    from yaml.events import (
        DocumentEndEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
        StreamEndEvent,
    )
    from yaml.nodes import ScalarNode

    # The parser reads UTF-8 bytes about a third faster than a str (which it would encode anyway).
    loader = _Loader(text.encode("utf-8"))
    implicit: dict[Any, list[tuple[str, Any]]] = loader.yaml_implicit_resolvers
    wildcard = tuple(implicit.get(None, ()))
    resolvers = {first: (*found, *wildcard) for first, found in implicit.items() if first is not None}
    constructors = loader.yaml_constructors
    try:
        get: Any = loader.get_event
        get()  # stream start
        if get().__class__ is not DocumentStartEvent:
            return None  # an empty stream
        stack: list[Any] = []
        keys: list[Any] = []
        starts: list[int] = []  # where each open list or mapping starts, to locate one over a limit
        root: Any = None
        nodes = 0
        while True:
            event = get()
            cls = event.__class__
            if cls is ScalarEvent or cls is MappingStartEvent or cls is SequenceStartEvent:
                nodes += 1
                if nodes > MAX_NODES:
                    raise _TooBig
            item: Any
            if cls is ScalarEvent:
                if event.anchor is not None:
                    raise _DoubtError
                item = event.value
                if len(item) > MAX_KEY_CHARS:
                    key = bool(stack) and stack[-1].__class__ is dict and keys[-1] is _NO_KEY
                    if key or len(item) > MAX_TEXT_CHARS:
                        raise _Refused(_too_long(item, key), event.start_mark.index, _open_path(stack, keys))
                if event.implicit[0]:
                    tag = _STR
                    for candidate, regexp in resolvers.get(item[:1], wildcard):
                        if regexp.match(item):
                            tag = candidate
                            break
                    if tag != _STR:
                        if tag not in _PLAIN_TAGS:
                            raise _DoubtError
                        item = constructors[tag](loader, ScalarNode(tag, item))
                elif event.tag not in (None, "!"):
                    raise _DoubtError
            elif cls is MappingStartEvent or cls is SequenceStartEvent:
                if event.anchor is not None or not event.implicit or len(stack) >= _MAX_DEPTH:
                    raise _DoubtError
                stack.append({} if cls is MappingStartEvent else [])
                keys.append(_NO_KEY)
                starts.append(event.start_mark.index)
                continue
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                item = stack.pop()
                keys.pop()
                starts.pop()
            elif cls is DocumentEndEvent:
                break
            else:  # an alias
                raise _DoubtError
            if not stack:
                root = item
                continue
            top = stack[-1]
            if top.__class__ is list:
                if len(top) >= MAX_ITEMS:
                    # Refused here, at once: composing the rest of a list of millions takes seconds.
                    raise _Refused(f"a list of more than {MAX_ITEMS:,} items; the limit is {MAX_ITEMS:,}", starts[-1],
                                   _open_path(stack[:-1], keys[:-1]))
                top.append(item)
            elif keys[-1] is _NO_KEY:
                if len(top) >= MAX_KEYS:
                    raise _Refused(f"a mapping of more than {MAX_KEYS:,} keys; the limit is {MAX_KEYS:,}", starts[-1],
                                   _open_path(stack[:-1], keys[:-1]))
                try:
                    duplicate = item in top
                except TypeError:
                    raise _DoubtError from None
                if duplicate:
                    raise _DoubtError
                keys[-1] = item
            else:
                top[keys[-1]] = item
                keys[-1] = _NO_KEY
        if get().__class__ is not StreamEndEvent:
            raise _DoubtError  # more than one document
        return root
    finally:
        loader.dispose()


# What the YAML reader refuses: every character outside its printable set (PyYAML's Reader.NON_PRINTABLE).
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class _Lines:
    """Line and column (1-based, in characters) of a character offset, counting lines as an editor does.

    The parser's own marks count NEL, U+2028 and U+2029 as line breaks (YAML 1.1 does), which no editor
    shows; only its character offsets are used, converted here."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        find = text.find
        at = find("\n")
        while at != -1:
            self.starts.append(at + 1)
            at = find("\n", at + 1)

    def at(self, index: int) -> tuple[int, int]:
        import bisect

        line = bisect.bisect_right(self.starts, index) - 1
        return line + 1, index - self.starts[line] + 1


def _yaml_problem(text: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
    limit = message.startswith(_LIMITS)
    if "tag:yaml.org,2002:merge" in message:
        message = "merge keys (<<) are not supported; write the fields out"
    elif "could not determine a constructor" in message:
        message = "tag not allowed (only plain YAML is accepted; no !!python or custom tags)"
    where: tuple[int | None, int | None] = (None, None)
    if mark is not None:
        index = getattr(mark, "index", None)
        where = _Lines(text).at(index) if isinstance(index, int) and 0 <= index <= len(text) else \
            (mark.line + 1, mark.column + 1)
    return Problem(message if limit else f"YAML syntax: {message}", line=where[0], column=where[1])


def _reader_problem(text: str, exc: yaml.reader.ReaderError) -> Problem:
    """The first character YAML refuses, located exactly: the parser's own offset counts bytes (libyaml) or
    buffer positions, which drift from the character's place after multi-byte characters."""
    found = _NOT_YAML.search(text)
    if found is not None:
        index, code = found.start(), ord(found.group())
    else:  # pragma: no cover - the reader refused something the pattern allows
        index, code = min(max(exc.position, 0), len(text)), exc.character
    line, column = _Lines(text).at(index)
    reason = exc.reason if code == exc.character else "special characters are not allowed"
    return Problem(f"character U+{code:04X} is not allowed in YAML ({reason})", line=line, column=column)


def parse_yaml(text: str, name: str) -> dict[str, Any]:
    if not _may_have_anchor_or_alias(text):
        try:
            data = _from_events(text)
        except _TooBig:
            raise _too_big(name) from None
        except _Refused as exc:
            line, column = _Lines(text).at(exc.index)
            problem = Problem(exc.message, format_path(exc.loc), line=line, column=column)
            raise InvalidKnowledgeBase(name, [problem]) from None
        except Exception:  # any doubt: the loaders below construct it, or find and locate the problem
            data = _DoubtError
        if data is not _DoubtError:
            return _top_level(data, name)
        try:
            data = yaml.load(text, Loader=_FastLoader)
        except _TooBig:
            raise _too_big(name) from None
        except Exception:  # any doubt: the strict loader below finds and locates the problem
            data = _DoubtError
        if data is not _DoubtError:
            return _top_level(data, name)
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except _TooBig:
        raise _too_big(name) from None
    except yaml.MarkedYAMLError as exc:
        raise InvalidKnowledgeBase(name, [_yaml_problem(text, exc)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids, e.g. NUL
        raise InvalidKnowledgeBase(name, [_reader_problem(text, exc)]) from None
    except yaml.YAMLError as exc:
        raise InvalidKnowledgeBase(name, [Problem(f"YAML: {exc}")]) from None
    except RecursionError:
        raise InvalidKnowledgeBase(name, [Problem("YAML nested too deeply")]) from None
    except (ArithmeticError, AttributeError, LookupError, TypeError, ValueError) as exc:  # a constructor failed
        raise InvalidKnowledgeBase(name, [Problem(f"YAML: unreadable value ({exc})")]) from None
    return _top_level(data, name)


def _top_level(data: Any, name: str) -> dict[str, Any]:
    if data is None:
        raise InvalidKnowledgeBase(name, [Problem("the file is empty (or only comments); expected a mapping "
                                                  "with 'version', 'sources' and entity sections")])
    if not isinstance(data, dict):
        raise InvalidKnowledgeBase(
            name, [Problem(f"the top level is a {type(data).__name__}; expected a mapping with 'version', "
                           "'sources' and entity sections", line=1, column=1)]
        )
    return data


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_path(loc: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            # A key is text from the file: never let it act on the terminal, nor fill the screen.
            name = visible(_clip(str(part)))
            out += f".{name}" if out else name
    return out


# Code points that are no character: the noncharacters (U+FDD0-U+FDEF and the last two of every plane) and
# the surrogates, which are only halves of a UTF-16 pair (a lone one can come from a "\\ud800" escape).
# XML cannot hold them, so an SVG or export with one is broken.
_NONCHARACTERS = "\ud800-\udfff\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
NONCHARACTER = re.compile(f"[{_NONCHARACTERS}]")
# One pass over the text for both: a clean file of several MB is scanned once. The 32 noncharacters beyond
# the Basic Multilingual Plane are found as any character there, then checked one by one: listed in the
# class they make the regex engine test each of them at every position (0.7 s on 13 MB, against 40 ms).
_REFUSED = re.compile(f"[{UNSAFE.pattern[1:-1]}\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\U00010000-\U0010ffff]")


def _refused(text: str) -> re.Match[str] | None:
    """The first character of the text that no knowledge base may hold, if any."""
    found = _REFUSED.search(text)
    # Beyond the plane only U+nFFFE and U+nFFFF are refused: an emoji is a character like any other.
    while found is not None and found.group() > "\uffff" and ord(found.group()) & 0xFFFE != 0xFFFE:
        found = _REFUSED.search(text, found.end())
    return found


def _what(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"U+{code:04X}, a lone surrogate (half of a UTF-16 pair, no character)"
    if NONCHARACTER.match(char):
        return f"U+{code:04X}, a Unicode noncharacter"
    return describe(char)


def _unsafe_text(text: str, data: Any) -> list[tuple[tuple[Any, ...], str, str]]:
    """Every string or key holding a control character, BiDi control or noncharacter: path, message, character.

    Such a character can only be in the data if it is in the file as it is, or written as an escape in a
    double-quoted scalar (``"\\e]0;title"``): without either in the text, the walk is skipped.
    """
    if "\\" not in text and not _refused(text):
        return []
    found: list[tuple[tuple[Any, ...], str, str]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and (bad := _refused(key)):
                    found.append(((*loc, key), f"key holds {_what(bad.group())}; remove it", bad.group()))
                stack.append(((*loc, key), value))
        elif isinstance(node, list):
            stack.extend(((*loc, i), item) for i, item in enumerate(node))
        elif isinstance(node, str) and (bad := _refused(node)):
            why = ("no SVG or export can hold it" if NONCHARACTER.match(bad.group()) else
                   "text is shown, never run as terminal commands")
            found.append((loc, f"text holds {_what(bad.group())}; remove it ({why})", bad.group()))
    return found


def _real_loc(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the union-member tags pydantic puts in an error location, keeping the document path."""
    real: list[Any] = []
    node = data
    for i, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
            real.append(part)
        elif i == len(loc) - 1 and isinstance(part, str) and isinstance(node, dict):
            real.append(part)  # a missing or unknown key
    return tuple(real)


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """Field names the schema allows in the mapping that holds the last element of loc."""
    import typing

    from pydantic import BaseModel

    from hamknee.model import KnowledgeBaseFile

    cls: Any = KnowledgeBaseFile
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or part not in cls.model_fields:
            return []
        annotation: Any = cls.model_fields[part].annotation
        cls = None
        pending = [annotation]
        while pending:  # unwrap list[X], X | None, Annotated[...]
            item = pending.pop()
            if isinstance(item, type) and issubclass(item, BaseModel):
                cls = item
                break
            pending.extend(typing.get_args(item))
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return list(cls.model_fields)
    return []


def _schema_problems(data: dict[str, Any]) -> tuple[Any, list[tuple[tuple[Any, ...], str]]]:
    from pydantic import ValidationError

    from hamknee.model import KnowledgeBaseFile

    try:
        return KnowledgeBaseFile.model_validate(data), []
    except ValidationError as exc:
        found: dict[tuple[Any, ...], list[str]] = {}
        for err in exc.errors(include_url=False):
            loc = _real_loc(data, tuple(err["loc"]))
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                allowed = _fields_at(loc)
                close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
                # A long key is shown once, in the path (clipped); a short one is named again, as a word.
                named = f" {quoted(loc[-1])}" if len(str(loc[-1])) <= 40 else ""
                message = f"unknown field{named}" + (f"; did you mean {close[0]!r}?" if close else "")
            elif err["type"] == "missing":
                message = f"missing required field {quoted(loc[-1])}"
            elif err["type"] == "literal_error" and "expected" in err.get("ctx", {}):
                value = err.get("input")
                message = f"must be one of {err['ctx']['expected']}; got " + \
                    (quoted(value) if isinstance(value, str) else _kind_of(value))
            elif err["type"] == "string_pattern_mismatch":
                message = f"must be kebab-case (lowercase words joined by '-'); got {quoted(err.get('input'))}"
            elif message.startswith("Value error, "):
                message = message[len("Value error, "):]
            else:
                message = _plain(err, message)
            found.setdefault(loc, [])
            if message not in found[loc]:
                found[loc].append(message)
        return None, [(loc, " or ".join(msgs)) for loc, msgs in found.items()]


def _plural(count: Any, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _kind_of(value: Any) -> str:
    """What a YAML value is, in the words of someone writing YAML."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if value is None:
        return "nothing (an empty value)"
    return f"the text {str(value)[:40]!r}"


def _plain(err: Any, message: str) -> str:
    """A validation library message in plain words for someone editing the YAML file."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "too_short":
        return f"needs at least {_plural(ctx.get('min_length', 1), 'item')}; it has {ctx.get('actual_length', 0)}"
    if kind == "too_long":
        return f"has too many items: at most {ctx.get('max_length')}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long: at most {_plural(ctx.get('max_length'), 'character')}"
    if kind == "string_type":
        return f"must be text; got {_kind_of(value)}"
    if kind == "list_type":
        return f"must be a list (one '- item' a line); got {_kind_of(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping of fields ('key: value' lines); got {_kind_of(value)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be a whole number; got {_kind_of(value)}"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false; got {_kind_of(value)}"
    if kind in ("float_type", "float_parsing"):
        return f"must be a number; got {_kind_of(value)}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        words = {"greater_than_equal": "at least", "greater_than": "more than", "less_than_equal": "at most",
                 "less_than": "less than"}[kind]
        return f"must be {words} {bound}; got {_kind_of(value)}"
    return message[:1].lower() + message[1:]


def _items(data: dict[str, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    for section in SECTIONS:
        entries = data.get(section)
        if isinstance(entries, list):
            for i, item in enumerate(entries):
                if isinstance(item, dict):
                    yield section, i, item


def _list(value: Any) -> list[Any]:
    """The value if it is a list; a wrong type is already a schema problem, not a reason to crash here."""
    return value if isinstance(value, list) else []


def _get(item: dict[str, Any], dotted: str) -> Any:
    value: Any = item
    for key in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


# Which kind each reference field must point at.
_REF_KIND = {
    "origin.site": ("attachment", "structure"),
    "insertion.site": ("attachment", "structure"),
    "innervation.nerve_id": ("structure",),
    "felt_at": ("region",),
    "differentials": ("condition",),
    "applies_to": ("condition",),
}
_HIERARCHIES = ("part-of", "branch-of", "precedes")


def _reference_problems(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """Integrity across entities: the checks a per-field schema cannot make."""
    from hamknee.model import REFERENCE_FIELDS

    problems: list[tuple[tuple[Any, ...], str]] = []
    kinds: dict[str, str] = {}
    first_at: dict[str, tuple[Any, ...]] = {}
    for section, i, item in _items(data):
        ident = item.get("id")
        if not isinstance(ident, str):
            continue
        if ident in first_at:
            first = format_path(first_at[ident])
            problems.append(((section, i, "id"), f"duplicate id {quoted(ident)} (first at {first})"))
        else:
            first_at[ident] = (section, i)
            kinds[ident] = SECTIONS[section]

    claimed: dict[str, tuple[str, tuple[Any, ...]]] = {}
    for section, i, item in _items(data):
        ident = item.get("id")
        names: list[tuple[tuple[Any, ...], Any]] = [
            ((section, i, "id"), ident),
            ((section, i, "name"), item.get("name")),
        ]
        aliases = item.get("aliases")
        if isinstance(aliases, list):
            names += [((section, i, "aliases", j), a) for j, a in enumerate(aliases)]
        own: set[str] = set()
        for loc, value in names:
            if not isinstance(value, str):
                continue
            key = normalize(value)
            if not key:
                problems.append((loc, f"{quoted(value)} has no letters or digits"))
                continue
            if key in own:
                continue
            own.add(key)
            if key in claimed and claimed[key][0] != ident:
                other, other_loc = claimed[key]
                problems.append((loc, f"{quoted(value)} is also a name or alias of {quoted(other)} "
                                      f"({format_path(other_loc)})"))
            else:
                claimed.setdefault(key, (str(ident), loc))

    source_ids: set[str] = set()
    sources = data.get("sources")
    if isinstance(sources, list):
        for j, source in enumerate(sources):
            if isinstance(source, dict) and isinstance(source.get("id"), str):
                if source["id"] in source_ids:
                    problems.append((("sources", j, "id"), f"duplicate source id {quoted(source['id'])}"))
                source_ids.add(source["id"])

    def check_target(loc: tuple[Any, ...], target: Any, allowed: tuple[str, ...] | None = None) -> None:
        if not isinstance(target, str):
            return
        if target not in kinds:
            close = difflib.get_close_matches(target, list(kinds), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append((loc, f"refers to {quoted(target)}, which is not an id in this knowledge base{hint}"))
        elif allowed and kinds[target] not in allowed:
            problems.append((loc, f"{quoted(target)} is a {kinds[target]}; expected a {' or '.join(allowed)}"))

    def check_sources(loc: tuple[Any, ...], cited: Any) -> None:
        if isinstance(cited, list):
            listed: set[str] = set()
            for j, sid in enumerate(cited):
                if isinstance(sid, str) and sid in listed:
                    problems.append(((*loc, j), f"cites {quoted(sid)} twice; remove the second"))
                if isinstance(sid, str):
                    listed.add(sid)
                if isinstance(sid, str) and sid not in source_ids:
                    close = difflib.get_close_matches(sid, list(source_ids), n=1, cutoff=0.6)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    problems.append(((*loc, j), f"cites {quoted(sid)}, which is not in the top-level 'sources'{hint}"))

    edges: dict[str, dict[str, list[str]]] = {h: {} for h in _HIERARCHIES}
    for section, i, item in _items(data):
        ident = item.get("id")
        check_sources((section, i, "sources"), item.get("sources"))
        for field in ("disagreements", "corrections"):
            for j, entry in enumerate(_list(item.get(field))):
                if not isinstance(entry, dict):
                    continue
                if field == "corrections":
                    check_sources((section, i, field, j, "sources"), entry.get("sources"))
                for k, view in enumerate(_list(entry.get("views"))):
                    if isinstance(view, dict):
                        check_sources((section, i, field, j, "views", k, "sources"), view.get("sources"))
        if isinstance(item.get("other_muscles"), dict):
            check_sources((section, i, "other_muscles", "sources"), item["other_muscles"].get("sources"))
        for j, value in enumerate(_list(item.get("values"))):
            if isinstance(value, dict):
                check_sources((section, i, "values", j, "sources"), value.get("sources"))
        card_ids: set[str] = set()
        for j, card in enumerate(_list(item.get("cards"))):
            if not isinstance(card, dict):
                continue
            check_sources((section, i, "cards", j, "sources"), card.get("sources"))
            for k, target in enumerate(_list(card.get("answer_ids"))):
                check_target((section, i, "cards", j, "answer_ids", k), target)
            cid = card.get("id")
            if isinstance(cid, str):
                if cid in card_ids:
                    problems.append(((section, i, "cards", j, "id"), f"duplicate card id {quoted(cid)} in this entry"))
                card_ids.add(cid)
        relations = item.get("relations")
        if isinstance(relations, list):
            for j, rel in enumerate(relations):
                if not isinstance(rel, dict):
                    continue
                target = rel.get("target")
                check_target((section, i, "relations", j, "target"), target)
                if target == ident:
                    problems.append(((section, i, "relations", j, "target"), "an entity cannot relate to itself"))
                rtype = rel.get("type")
                if isinstance(rtype, str) and isinstance(target, str) and isinstance(ident, str):
                    for h in _HIERARCHIES:
                        if rtype == h:
                            edges[h].setdefault(ident, []).append(target)
                        elif INVERSE.get(h) == rtype:
                            edges[h].setdefault(target, []).append(ident)
        for dotted, _rel in REFERENCE_FIELDS.get(section, ()):
            value = _get(item, dotted)
            loc = (section, i, *dotted.split("."))
            allowed = _REF_KIND.get(dotted)
            if isinstance(value, list):
                for j, target in enumerate(value):
                    check_target((*loc, j), target, allowed)
            else:
                check_target(loc, value, allowed)

    problems += _step_region_problems(data, kinds, check_target)

    for h, graph in edges.items():
        cycle = _find_cycle(graph)
        if cycle:
            section, i = first_at[cycle[0]]
            trail = " -> ".join(_clip(c, 40) for c in cycle)
            problems.append(((section, i, "relations"), f"'{h}' relations form a cycle: {trail}"))
    return problems


def _step_region_problems(data: dict[str, Any], kinds: dict[str, str],
                          check_target: Callable[..., None]) -> list[tuple[tuple[Any, ...], str]]:
    """A relation's own felt_at narrows where a condition is felt: it needs a condition at one end and only
    regions that condition is felt at."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    felt: dict[str, set[str]] = {}
    for section, _i, item in _items(data):
        if section == "conditions" and isinstance(item.get("id"), str):
            felt[item["id"]] = {r for r in _list(item.get("felt_at")) if isinstance(r, str)}
    for section, i, item in _items(data):
        for j, rel in enumerate(_list(item.get("relations"))):
            if not isinstance(rel, dict) or not isinstance(rel.get("felt_at"), list):
                continue
            loc = (section, i, "relations", j, "felt_at")
            ends = [e for e in (item.get("id"), rel.get("target")) if isinstance(e, str) and e in felt]
            if not ends:
                problems.append((loc, "felt_at on a relation needs a condition at one end of it"))
                continue
            for k, region in enumerate(rel["felt_at"]):
                check_target((*loc, k), region, ("region",))
                if isinstance(region, str) and kinds.get(region) == "region" and region not in felt[ends[0]]:
                    problems.append(((*loc, k), f"{quoted(region)} is not in the felt_at of {quoted(ends[0])}"))
    return problems


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    for start in graph:
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(graph.get(start, ())))]
        trail = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                if state.get(child) == 1:
                    return [*trail[trail.index(child):], child]
                if not state.get(child):
                    state[child] = 1
                    trail.append(child)
                    stack.append((child, iter(graph.get(child, ()))))
                    break
            else:
                state[node] = 2
                trail.pop()
                stack.pop()
    return None


def _marks(text: str) -> dict[tuple[Any, ...], tuple[int, int]]:
    """Where every node and key of the document starts and ends (character offsets), by path. Error path only."""
    marks: dict[tuple[Any, ...], tuple[int, int]] = {}
    try:
        # The C composer when available: the pure-Python one recurses and overflows on deep nesting.
        root = yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError):
        return marks
    stack: list[tuple[tuple[Any, ...], yaml.Node]] = [((), root)] if root is not None else []
    while stack:
        loc, node = stack.pop()
        marks[loc] = (node.start_mark.index, node.end_mark.index)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value
                marks[loc + (key,)] = (key_node.start_mark.index, key_node.end_mark.index)  # noqa: RUF005
                stack.append((loc + (key,), value_node))  # noqa: RUF005
        elif isinstance(node, yaml.SequenceNode):
            for i, child in enumerate(node.value):
                stack.append((loc + (i,), child))  # noqa: RUF005
    return marks


def _locate(marks: dict[tuple[Any, ...], tuple[int, int]], loc: tuple[Any, ...]) -> tuple[int, int] | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in marks:
            return marks[loc[:end]]
    return None


def _where(text: str, lines: _Lines, span: tuple[int, int] | None, char: str | None) -> tuple[int | None, int | None]:
    """Line and column of a problem: the refused character itself where it is in the node's text as it is
    (not written as an escape), else the start of the node."""
    if span is None:
        return None, None
    start, end = span
    if char is not None:
        found = text.find(char, start, max(end, start + 1))
        if found != -1:
            return lines.at(found)
    return lines.at(start)


def load(path: Path) -> Any:
    """Read, parse and validate; return the validated ``KnowledgeBaseFile`` or raise InvalidKnowledgeBase."""
    name = str(path)
    text = read_text(path)
    # A large file builds hundreds of thousands of objects, each batch waking the cyclic collector,
    # which finds nothing (the tree has no cycles); pausing it more than halves the parse time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        data = parse_yaml(text, name)
    finally:
        if collecting:
            gc.enable()
    # The checks of the text and the references come first, so that the text (twice the file's size in
    # memory) is let go before the model is built: the two together are most of the first load's peak.
    unsafe = _unsafe_text(text, data)
    references = _reference_problems(data)
    if not (unsafe or references):
        text = ""
    model, problems = _schema_problems(data)
    del data
    problems += references
    problems += [(loc, message) for loc, message, _ in unsafe]
    if problems:
        text = text or read_text(path)
        marks = _marks(text)
        lines = _Lines(text)
        refused = {loc: char for loc, _, char in unsafe}
        located = []
        for loc, message in problems:
            where = _where(text, lines, _locate(marks, loc), refused.get(loc))
            located.append(Problem(message, format_path(loc), *where))
        located.sort(key=lambda p: (p.line or 0, p.column or 0))
        raise InvalidKnowledgeBase(name, located)
    return model
