"""Text from a knowledge base is data, never terminal commands.

Escape sequences that set the window title, write the clipboard (OSC 52), switch to the alternate screen
or make the terminal type a reply into the shell (``ESC[6n``), C1 controls and BiDi overrides are refused
by validation with their location, and the output layer neutralises any that reach it another way (a
cache, a database, an argument, a file name): on a real pseudo-terminal, in pipes and in ``--json``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hamknee import cache
from hamknee.kb import compile_file
from hamknee.vocab import SCHEMA_VERSION
from tests.conftest import MINIMAL, write_kb
from tests.ptyrun import HAMKNEE, Session, acting, run_on_pty

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pseudo-terminal")

# What each payload does to a terminal; written as YAML double-quoted escapes.
PAYLOADS = {
    "osc-title": r"\e]0;pwned title\e\\",
    "osc52-clipboard": r"\e]52;c;cm0gLXJmIH4K\a",
    "alternate-screen": r"\e[?1049h",
    "device-status-report": r"\e[6n",
    "c1-csi": r"\x9b31m",
    "c1-osc": r"\x9d0;title\x9c",
    "right-to-left-override": r"\u202e",
    "right-to-left-isolate": r"\u2067",
    "left-to-right-mark": r"\u200e",
    "bell": r"\a",
    "delete": r"\x7f",
    "carriage-return": r"\r",
    "backspace": r"\b",
    "nel": r"\N",
}
PLACES = {
    # where: (old text of MINIMAL, new text with {p}, path expected in the message)
    "value": ("summary: A medial hamstring.", 'summary: "A medial {p} hamstring."', "muscles[0].summary"),
    "alias": ("aliases: [ST]", 'aliases: [ST, "S{p}T"]', "muscles[0].aliases[1]"),
    "nested": ("nerve: Tibial division of the sciatic nerve,", 'nerve: "Tibial {p} division of the sciatic nerve",',
               "muscles[0].innervation.nerve"),
    "key": ("    group: hamstring", '    group: hamstring\n    "x{p}": 1', "muscles[0].x"),
    "source": ("title: A source", 'title: "A {p} source"', "sources[0].title"),
}


def _env(tmp_path: Path) -> dict[str, str]:
    return {"HAMKNEE_HOME": str(tmp_path / "home")}


@pytest.mark.parametrize("where", sorted(PLACES))
@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_validation_refuses_control_characters_with_their_location(hk, tmp_path, payload, where):
    old, new, path_text = PLACES[where]
    text = MINIMAL.replace(old, new.replace("{p}", PAYLOADS[payload]), 1)
    assert text != MINIMAL
    kb = write_kb(tmp_path / "kb.yaml", text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if PAYLOADS[payload] in row)
    for args in (["validate", str(kb)], ["--kb", str(kb), "explain", "semitendinosus"]):
        r = hk(*args)
        assert r.exit_code == 3, (args, r.stdout, r.stderr)
        assert r.stdout == ""
        assert not acting(r.stderr), r.stderr
        located = [row for row in r.stderr.splitlines() if "holds U+" in row]
        assert located, r.stderr
        assert located[0].startswith(f"{kb}:{line}:"), located[0]
        assert path_text in located[0]


def test_a_raw_bidi_override_in_plain_text_is_located_exactly(hk, tmp_path):
    text = MINIMAL.replace("summary: A medial hamstring.", "summary: A medial \u202ehamstring.")
    kb = write_kb(tmp_path / "kb.yaml", text)
    r = hk("validate", str(kb))
    assert r.exit_code == 3
    assert f"{kb}:12:23: muscles[0].summary: text holds U+202E (right-to-left override), a BiDi control" in r.stderr


def test_validate_json_neutralises_what_it_reports(hk, tmp_path):
    text = MINIMAL.replace("    group: hamstring", '    group: hamstring\n    "\\x9b\\u202e\\e]0;t\\a": 1', 1)
    kb = write_kb(tmp_path / "kb.yaml", text)
    r = hk("validate", str(kb), "--json")
    assert r.exit_code == 3
    assert not acting(r.stdout), r.stdout
    problems = json.loads(r.stdout)["problems"]
    assert any("holds U+009B" in p["message"] for p in problems)


def test_the_error_path_of_validate_on_a_terminal(tmp_path):
    text = MINIMAL.replace("    group: hamstring", '    group: hamstring\n    "\\e]0;pwned\\a\\e[6n": 1', 1)
    kb = write_kb(tmp_path / "kb.yaml", text)
    code, output = run_on_pty(["validate", str(kb)], _env(tmp_path))
    assert code == 3, output
    assert "unknown field" in output
    assert not acting(output), repr(output)


# -- defence in depth: text that reached the compiled cache without validation ---------------------------------

POISON = "\x1b]0;pwned\x07\x1b]52;c;cm0gLXJmIH4K\x07\x1b[?1049h\x1b[6n\x9b31m\u202e"


@pytest.fixture
def poisoned(tmp_path: Path) -> Path:
    """A knowledge base whose cache (made by someone else, or damaged) holds escape sequences in every text."""
    kb = write_kb(tmp_path / "kb.yaml", MINIMAL)
    compiled = compile_file(kb)

    def poison(value):  # type: ignore[no-untyped-def]
        if isinstance(value, str):
            return value + POISON if " " in value or value[:1].isupper() else value
        if isinstance(value, list):
            return [poison(v) for v in value]
        if isinstance(value, tuple):
            return tuple(poison(v) for v in value)
        if isinstance(value, dict):
            return {k: (v if k in ("id", "kind", "target", "type", "index") else
                        v + POISON if k == "url" else poison(v)) for k, v in value.items()}
        return value

    # The search index is built from the (poisoned) records on the first search.
    for section in ("catalog", "records", "sources", "graph"):
        compiled[section] = poison(compiled[section])
    stat = kb.stat()
    key = cache.make_key(kb, stat, cache.file_hash(kb), SCHEMA_VERSION)
    cache.write(cache.cache_file(tmp_path / "home" / "cache", kb), key, compiled)
    return kb


COMMANDS = [
    ["explain", "semitendinosus"], ["explain", "pes-anserinus"], ["list"], ["muscles"], ["muscles", "--attachments"],
    ["search", "hamstring"], ["sources"], ["compare", "semitendinosus", "semitendinosus"],
    ["path", "semitendinosus", "pes-anserinus"], ["diagram"], ["diagram", "semitendinosus"],
    ["explain", "semitendinosu"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_poisoned_cache_never_reaches_a_terminal_as_commands(poisoned, tmp_path, args):
    code, output = run_on_pty(["--kb", str(poisoned), *args], _env(tmp_path))
    assert code in (0, 1), output
    assert "Traceback" not in output
    assert "\\x1b" in output or args[0] == "diagram" or code == 1, output  # shown, visibly escaped
    assert not acting(output), repr(output[-2000:])


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_poisoned_cache_in_pipes_and_json(poisoned, tmp_path, args):
    env = dict(os.environ, **_env(tmp_path))
    for extra in ([], ["--json"]):
        if extra and args[0] in ("sources", "explain", "list", "muscles", "search", "compare", "path", "diagram"):
            command = [*HAMKNEE, "--kb", str(poisoned), *args, *extra]
        elif extra:
            continue
        else:
            command = [*HAMKNEE, "--kb", str(poisoned), *args]
        r = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        assert r.returncode in (0, 1), r.stderr
        assert not acting(r.stdout) and not acting(r.stderr), (command, r.stdout[-1000:], r.stderr[-500:])
        if extra and r.returncode == 0:
            assert any(POISON in text for text in _strings(json.loads(r.stdout)))  # the data itself is kept


def _strings(value):  # type: ignore[no-untyped-def]
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_exports_of_a_poisoned_cache(poisoned, tmp_path):
    env = dict(os.environ, **_env(tmp_path))
    for fmt in ("csv", "json"):
        r = subprocess.run([*HAMKNEE, "--kb", str(poisoned), "export", fmt, "-"], capture_output=True, text=True,
                           env=env, timeout=60)
        assert r.returncode == 0, r.stderr
        assert not acting(r.stdout), r.stdout[:500]
    svg = tmp_path / "d.svg"
    r = subprocess.run([*HAMKNEE, "--kb", str(poisoned), "diagram", "semitendinosus", "--svg", str(svg)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    import xml.dom.minidom

    xml.dom.minidom.parse(str(svg))  # well-formed XML: no control character in it


def test_file_names_in_error_messages_are_neutralised(tmp_path):
    bad = str(tmp_path / "no\x1b]0;pwned\x07dir" / "out.csv")
    code, output = run_on_pty(["export", "csv", bad], _env(tmp_path))
    assert code == 4, output
    assert "Cannot write" in output
    assert not acting(output), repr(output)


def test_database_text_is_neutralised_in_stats(tmp_path):
    db = tmp_path / "p.sqlite3"
    kb = Path(__file__).parent / "data" / "study_kb.yaml"
    env = _env(tmp_path)
    r = subprocess.run([*HAMKNEE, "--kb", str(kb), "quiz", "--count", "1", "--seed", "1", "--db", str(db)],
                       input="x\n", capture_output=True, text=True, env=dict(os.environ, **env), timeout=60)
    assert r.returncode == 0, r.stderr
    with sqlite3.connect(db) as conn:  # a card whose fact has left the knowledge base keeps its text
        conn.execute("INSERT INTO cards (id, kind, entity, qtype, field, front, back, added_at) "
                     "SELECT 'ghost', ?, ?, qtype, field, front, back, added_at FROM cards LIMIT 1",
                     ("muscle" + POISON, "semi" + POISON))
        conn.execute("INSERT INTO reviews (card_id, reviewed_at, rating, correct, answer, state_before, due_after, "
                     "session) SELECT 'ghost', reviewed_at, rating, correct, answer, state_before, due_after, session "
                     "FROM reviews LIMIT 1")
    code, output = run_on_pty(["--kb", str(kb), "stats", "--db", str(db)], env)
    assert code == 0, output
    assert "Study progress" in output and "semi\\x1b]0;pwned" in output
    assert not acting(output), repr(output)


# -- CSV cells that a spreadsheet would run ---------------------------------------------------------------------

@pytest.mark.parametrize("formula", ["=HYPERLINK(\"http://evil\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"])
def test_csv_cells_never_start_a_formula(hk, tmp_path, formula):
    quoted = formula.replace('"', '\\"')
    text = MINIMAL.replace("name: Semitendinosus", f'name: "{quoted}"')
    kb = write_kb(tmp_path / "kb.yaml", text)
    r = hk("--kb", str(kb), "export", "csv", "-")
    assert r.exit_code == 0, r.stderr
    cells = [cell for row in csv.reader(io.StringIO(r.stdout)) for cell in row]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert any(cell.startswith("'" + formula) for cell in cells), r.stdout  # shown as text, not lost


# -- the terminal's reply typed in front of an answer ---------------------------------------------------------------

def test_a_terminal_reply_in_front_of_an_answer_does_not_make_it_wrong(tmp_path):
    from hamknee.kb import open_kb
    from hamknee.study.cards import generate, select
    from tests.test_study import ANSWERS, STUDY_KB, reviews, session_order

    cards = generate(open_kb(STUDY_KB, use_cache=False).records())
    order = session_order(cards, select(cards, entity="semitendinosus", qtype="recall"), 1, seed=4)
    db = tmp_path / "p.sqlite3"
    session = Session(["--kb", str(STUDY_KB), "quiz", "--topic", "semitendinosus", "--type", "recall", "--count",
                       "1", "--seed", "4", "--db", str(db)], _env(tmp_path))
    session.expect("\n> ")
    # What a terminal types back after ESC[6n (cursor position report), then what the student types.
    session.type("\x1b[5;26R" + ANSWERS[order[0].id][2] + "\r")
    session.expect("Rate it")
    session.type("\r")
    # the card comes back while it is learning (its number kept): end the input there
    session.expect(lambda text: text.count("Question 1/1") >= 2)
    session.type("\x04")
    code, output = session.finish()
    assert code == 0, output
    assert "Right." in output
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT answer, correct FROM reviews").fetchall() == [(ANSWERS[order[0].id][2], 1)]
    assert len(reviews(db)) == 1


@pytest.mark.parametrize("argv", [
    ["muscles", "--X\u202eY"],
    ["stats", "X\u202eY"],
    ["--X\u2066Y"],
    ["-\u202e"],
    ["explain", "--json", "--X\u200fY"],
])
def test_bidi_controls_in_a_usage_error_are_shown_as_escapes(tmp_path, argv):
    # The argument parser echoes an unknown option or extra argument as typed; it reaches the terminal
    # with its BiDi controls written out, never as the controls themselves.
    result = subprocess.run([sys.executable, "-m", "hamknee", *argv], capture_output=True, text=True,
                            env=dict(os.environ, HAMKNEE_HOME=str(tmp_path)), timeout=60)
    assert result.returncode == 2, result.stderr
    for char in "\u202e\u2066\u200f":
        assert char not in result.stderr and char not in result.stdout
    assert "\\u20" in result.stderr


# -- exact locations in a large file -------------------------------------------------------------------------

def _large_text(entries: int = 12_000) -> str:
    """A valid knowledge base of about 5 MB whose lines are full of multi-byte characters."""
    rows = [MINIMAL]
    for i in range(entries):
        rows.append(
            f"  - id: site-{i}\n    name: Site {i}\n"
            f"    summary: Fläche {i} — Sehnenansatz «médial» · ünter dem Knie, 膝 の 内側 ✓ {'é' * 150}\n"
            f"    explanation: Filler — {'ü' * 60}.\n    attachment_type: bony landmark\n    bone: femur\n"
            f"    location: Somewhere {i}.\n    sources: [src-a]\n")
    return "".join(rows)


REFUSED_RAW = {
    "esc": "\x1b", "c1-csi": "\x9b", "rlo": "\u202e", "noncharacter": "\ufdd0",
    "noncharacter-fffe": "\ufffe", "plane-16-noncharacter": "\U0010ffff",
}


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_refused_character_in_a_large_file_is_located_exactly(tmp_path, where):
    base = _large_text()
    summaries = [i for i in range(len(base)) if base.startswith("    summary: ", i)] if where == "start" else None
    if where == "start":
        anchor = summaries[0] + len("    summary: A medial ")  # type: ignore[index]
    else:
        tail = base.rindex("Fläche 11999") if where == "end" else base.index("Fläche 6000 ")
        anchor = tail + len("Fläche 6000 — Sehnenansatz «médial» · ünter dem Knie, 膝 の ")
    env = dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home"))
    for name, char in REFUSED_RAW.items():
        text = base[:anchor] + char + base[anchor:]
        kb = tmp_path / f"{name}.yaml"
        kb.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # with a byte-order mark, which is no column
        assert kb.stat().st_size > 5_000_000
        line = text.count("\n", 0, anchor) + 1
        column = anchor - (text.rfind("\n", 0, anchor) + 1) + 1
        r = subprocess.run([*HAMKNEE, "validate", str(kb)], capture_output=True, text=True, timeout=120, env=env)
        assert r.returncode == 3, (name, r.stderr[-300:])
        first = r.stderr.splitlines()[0]
        assert first.startswith(f"{kb}:{line}:{column}: "), (name, line, column, first)
        assert f"U+{ord(char):04X}" in first, (name, first)


# -- characters XML cannot hold ----------------------------------------------------------------------------

NONCHARACTERS = {
    "fdd0-escaped": (r'"A medial \ufdd0 hamstring."', "U+FDD0", 14),
    "fdef-raw": ("A medial \ufdef hamstring.", "U+FDEF", 23),
    "fffe-escaped": (r'"A medial \ufffe hamstring."', "U+FFFE", 14),
    "ffff-escaped": (r'"A medial \uffff hamstring."', "U+FFFF", 14),
    "1fffe-raw": ("A medial \U0001fffe hamstring.", "U+1FFFE", 23),
    "10ffff-escaped": (r'"A medial \U0010ffff hamstring."', "U+10FFFF", 14),
}


@pytest.mark.parametrize("case", sorted(NONCHARACTERS))
def test_validation_refuses_unicode_noncharacters_with_their_location(tmp_path, case):
    written, code, column = NONCHARACTERS[case]
    kb = write_kb(tmp_path / "kb.yaml", MINIMAL.replace("A medial hamstring.", written))
    r = subprocess.run([*HAMKNEE, "validate", str(kb)], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, **_env(tmp_path)))
    assert r.returncode == 3, r.stdout + r.stderr
    assert r.stderr.splitlines()[0] == (f"{kb}:12:{column}: muscles[0].summary: text holds {code}, a Unicode "
                                        "noncharacter; remove it (no SVG or export can hold it)"), r.stderr


def test_a_lone_surrogate_is_refused_with_its_location(tmp_path):
    kb = write_kb(tmp_path / "kb.yaml", MINIMAL.replace("A medial hamstring.", r'"A medial \ud800 hamstring."'))
    r = subprocess.run([*HAMKNEE, "validate", str(kb)], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, **_env(tmp_path)))
    assert r.returncode == 3 and r.stderr.startswith(f"{kb}:12:"), r.stderr
    assert "Traceback" not in r.stderr


def test_an_svg_never_holds_what_xml_does_not_allow(tmp_path):
    """Defence in depth: text that reached the cache without validation still makes a well-formed SVG."""
    import xml.etree.ElementTree as ET

    kb = write_kb(tmp_path / "kb.yaml", MINIMAL)
    compiled = compile_file(kb)
    bad = "\ufffe\uffff\ufdd0\U0001fffe\U0010ffff\ud800\udfff\x0b\x1b"

    def poison(value):  # type: ignore[no-untyped-def]
        if isinstance(value, str):
            return value + bad if " " in value or value[:1].isupper() else value
        if isinstance(value, list | tuple):
            return type(value)(poison(v) for v in value)
        if isinstance(value, dict):
            return {k: v if k in ("id", "kind", "target", "type", "index", "url") else poison(v)
                    for k, v in value.items()}
        return value

    # The search index is built from the (poisoned) records on the first search.
    for section in ("catalog", "records", "sources", "graph"):
        compiled[section] = poison(compiled[section])
    key = cache.make_key(kb, kb.stat(), cache.file_hash(kb), SCHEMA_VERSION)
    cache.write(cache.cache_file(tmp_path / "home" / "cache", kb), key, compiled)
    svg = tmp_path / "d.svg"
    r = subprocess.run([*HAMKNEE, "--kb", str(kb), "diagram", "semitendinosus", "--svg", str(svg)],
                       capture_output=True, text=True, timeout=60, env=dict(os.environ, **_env(tmp_path)))
    assert r.returncode == 0, r.stderr
    root = ET.parse(svg).getroot()  # expat refuses any character XML 1.0 does not allow
    text = "".join(root.itertext())
    assert "Semitendinosus\\ufffe\\uffff\\ufdd0\\U0001fffe\\U0010ffff\\ud800\\udfff\\x0b\\x1b" in text, text


# -- line separators and noncharacters, in every output ------------------------------------------------------

# What no output may hold as it is: the line and paragraph separators (a JSON or JavaScript reader, a
# terminal and an editor each break lines at them differently), the noncharacters and lone surrogates.
INVISIBLE_BREAKS = "\u2028\u2029\ufdd0\ufdef\ufffe\uffff\U0001fffe\U0010ffff"
NOT_SHOWN = re.compile("[\u2028\u2029\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]|[" + "".join(
    chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(1, 17)) + "]")


def _poison_cache(tmp_path: Path, poison: str) -> Path:
    """A valid knowledge base whose compiled cache (made by someone else, or damaged) adds ``poison`` to its text."""
    kb = write_kb(tmp_path / "kb.yaml", MINIMAL)
    compiled = compile_file(kb)

    def poison_in(value):  # type: ignore[no-untyped-def]
        if isinstance(value, str):
            return value + poison if " " in value or value[:1].isupper() else value
        if isinstance(value, list | tuple):
            return type(value)(poison_in(v) for v in value)
        if isinstance(value, dict):
            return {k: v if k in ("id", "kind", "target", "type", "index", "url") else poison_in(v)
                    for k, v in value.items()}
        return value

    # The search index is built from the (poisoned) records on the first search.
    for section in ("catalog", "records", "sources", "graph"):
        compiled[section] = poison_in(compiled[section])
    key = cache.make_key(kb, kb.stat(), cache.file_hash(kb), SCHEMA_VERSION)
    cache.write(cache.cache_file(tmp_path / "home" / "cache", kb), key, compiled)
    return kb


C1_DEL_BIDI = "\x7f\x85\x9b\u202e\u2066\u061c"


def test_export_cards_json_escapes_c1_del_and_bidi_controls(tmp_path):
    kb = _poison_cache(tmp_path, C1_DEL_BIDI)
    env = dict(os.environ, **_env(tmp_path))
    target = tmp_path / "deck.json"
    for where in ("-", str(target)):
        r = subprocess.run([*HAMKNEE, "--kb", str(kb), "export", "cards", where], capture_output=True,
                           text=True, env=env, timeout=60)
        assert r.returncode == 0, r.stderr
        text = r.stdout if where == "-" else target.read_text(encoding="utf-8")
        assert not acting(text), repr(text[:500])
        assert "\\u007f\\u0085\\u009b\\u202e\\u2066\\u061c" in text, text[:500]
        assert any(C1_DEL_BIDI in s for s in _strings(json.loads(text)))  # the same data, escaped


def test_export_cards_json_escapes_del_from_the_study_database(tmp_path):
    db = tmp_path / "p.sqlite3"
    kb = Path(__file__).parent / "data" / "study_kb.yaml"
    env = dict(os.environ, **_env(tmp_path))
    r = subprocess.run([*HAMKNEE, "--kb", str(kb), "quiz", "--count", "1", "--seed", "1", "--db", str(db)],
                       input="x\n", capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    with sqlite3.connect(db) as conn:  # a studied card whose fact left the knowledge base, text and all
        conn.execute("INSERT INTO cards (id, kind, entity, qtype, field, front, back, added_at, reps, retired_at) "
                     "SELECT 'ghost', kind, entity, qtype, field, ?, ?, added_at, 1, 1 FROM cards LIMIT 1",
                     ("front\x7f\x85\u2066", "back\u200f\u061c\x9d"))
    conn.close()
    r = subprocess.run([*HAMKNEE, "--kb", str(kb), "export", "cards", "-", "--db", str(db)], capture_output=True,
                       text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert not acting(r.stdout), repr(r.stdout[-500:])
    for escape in ("\\u007f", "\\u0085", "\\u2066", "\\u200f", "\\u061c", "\\u009d"):
        assert escape in r.stdout
    ghost = next(card for card in json.loads(r.stdout) if card["id"] == "ghost")
    assert ghost["prompt"] == "front\x7f\x85\u2066" and ghost["answer"] == "back\u200f\u061c\x9d"


@pytest.fixture
def broken_lines(tmp_path: Path) -> Path:
    return _poison_cache(tmp_path, INVISIBLE_BREAKS)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_line_separators_and_noncharacters_never_reach_a_terminal(broken_lines, tmp_path, args):
    code, output = run_on_pty(["--kb", str(broken_lines), *args], _env(tmp_path))
    assert code in (0, 1), output
    assert not NOT_SHOWN.search(output), repr(output[-2000:])
    assert "\\u2028" in output or args[0] == "diagram" or code == 1, output


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_line_separators_and_noncharacters_never_reach_a_pipe_or_json(broken_lines, tmp_path, args):
    env = dict(os.environ, **_env(tmp_path))
    for extra in ([], ["--json"]):
        if extra and args[0] not in ("sources", "explain", "list", "muscles", "search", "compare", "path",
                                     "diagram"):
            continue
        r = subprocess.run([*HAMKNEE, "--kb", str(broken_lines), *args, *extra], capture_output=True, text=True,
                           env=env, timeout=60)
        assert r.returncode in (0, 1), r.stderr
        assert not NOT_SHOWN.search(r.stdout) and not NOT_SHOWN.search(r.stderr), (r.stdout[-800:], r.stderr)
        if extra and r.returncode == 0:
            assert any(INVISIBLE_BREAKS in s for s in _strings(json.loads(r.stdout)))  # the data itself is kept


def test_line_separators_and_noncharacters_never_reach_an_export_or_svg(broken_lines, tmp_path):
    import xml.etree.ElementTree as ET

    env = dict(os.environ, **_env(tmp_path))
    for command in (["export", "csv"], ["export", "csv", "--quizlet"], ["export", "json"], ["export", "cards"]):
        target = tmp_path / f"out-{len(command)}-{command[-1]}"
        for where in ("-", str(target)):
            r = subprocess.run([*HAMKNEE, "--kb", str(broken_lines), *command[:2], where, *command[2:]],
                               capture_output=True, text=True, env=env, timeout=60)
            assert r.returncode == 0, (command, r.stderr)
            text = r.stdout if where == "-" else target.read_text(encoding="utf-8")
            assert not NOT_SHOWN.search(text), (command, text[:800])
            if command[1] in ("json", "cards"):
                assert any(INVISIBLE_BREAKS in s for s in _strings(json.loads(text)))
            elif "--quizlet" not in command:
                assert all(len(row) == 5 for row in csv.reader(io.StringIO(text)))
    svg = tmp_path / "d.svg"
    r = subprocess.run([*HAMKNEE, "--kb", str(broken_lines), "diagram", "semitendinosus", "--svg", str(svg)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    text = svg.read_text(encoding="utf-8")
    assert not NOT_SHOWN.search(text), text
    assert "\\u2028\\u2029\\ufdd0" in "".join(ET.parse(svg).getroot().itertext())


SEPARATORS = {
    # where: (old text of MINIMAL, new text, path in the message or None, line, column)
    "raw-in-plain-text": ("summary: A medial hamstring.", "summary: A medial\u2028hamstring.", None, 12, 22),
    "raw-in-quoted-text": ("summary: A medial hamstring.", 'summary: "A medial\u2029hamstring."', None, 12, 23),
    "escaped-L": ("summary: A medial hamstring.", 'summary: "A medial\\Lhamstring."', "muscles[0].summary", 12, 14),
    "escaped-u2029": ("summary: A medial hamstring.", 'summary: "A medial\\u2029hamstring."', "muscles[0].summary",
                      12, 14),
    "raw-in-a-comment": ("    group: hamstring", "    group: hamstring  # a note\u2028    aliases: [evil]", None,
                         14, 31),
    "raw-in-a-key": ("    group: hamstring", "    group: hamstring\n    x\u2028y: 1", None, 15, 6),
}


@pytest.mark.parametrize("case", sorted(SEPARATORS))
def test_validation_refuses_line_and_paragraph_separators_with_their_location(hk, tmp_path, case):
    old, new, path, line, column = SEPARATORS[case]
    text = MINIMAL.replace(old, new, 1)
    assert text != MINIMAL
    kb = write_kb(tmp_path / "kb.yaml", text)
    for args in (["validate", str(kb)], ["--kb", str(kb), "explain", "semitendinosus"]):
        r = hk(*args)
        assert r.exit_code == 3, (args, r.stdout, r.stderr)
        assert r.stdout == "" and "Traceback" not in r.stderr
        assert not NOT_SHOWN.search(r.stderr), r.stderr
        first = r.stderr.splitlines()[0]
        assert first.startswith(f"{kb}:{line}:{column}: " + (f"{path}: " if path else "")), first
        assert "U+202" in first and "line break" in first, first


def test_validation_refuses_a_noncharacter_in_a_key_at_the_key(hk, tmp_path):
    text = MINIMAL.replace("    group: hamstring", "    group: hamstring\n    k\ufdd0ey: 1", 1)
    kb = write_kb(tmp_path / "kb.yaml", text)
    r = hk("validate", str(kb))
    assert r.exit_code == 3
    assert f"{kb}:15:6: muscles[0].k\\ufdd0ey: key holds U+FDD0, a Unicode noncharacter" in r.stderr, r.stderr


# -- a refused character in a key is located at the key ------------------------------------------------------

KEYS = {
    # name: (new text after '    group: hamstring', line, column)
    "raw-bidi-in-a-key": ("\n    ab\u202ecd: 1", 15, 7),
    "raw-bidi-in-a-key-with-a-long-value": ("\n    ab\u202ecd: " + "x" * 50, 15, 7),
    "escaped-esc-in-a-quoted-key": ('\n    "ab\\ecd": 1', 15, 5),
    "escaped-key-on-its-own-line": ('\n    ? "ab\\ecd"\n    : 1', 15, 7),
    "escaped-key-of-a-flow-mapping": ('\n    other: {a: 1, "ab\\ecd": [1, 2]}', 15, 19),
    "raw-key-of-a-mapping-in-a-list": ("\n    extra:\n      - z: 1\n        ab\u202ecd: 2", 17, 11),
}


@pytest.mark.parametrize("case", sorted(KEYS))
def test_a_refused_character_in_a_key_is_located_at_the_key(hk, tmp_path, case):
    added, line, column = KEYS[case]
    text = MINIMAL.replace("    group: hamstring", "    group: hamstring" + added, 1)
    kb = write_kb(tmp_path / "kb.yaml", text)
    r = hk("validate", str(kb))
    assert r.exit_code == 3, r.stderr
    located = [row for row in r.stderr.splitlines() if "key holds U+" in row]
    assert len(located) == 1, r.stderr
    assert located[0].startswith(f"{kb}:{line}:{column}: "), located[0]
