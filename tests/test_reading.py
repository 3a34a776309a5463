"""Reading in a terminal: layouts at 60, 80 and 120 columns, the pager, brief pages, forgiving lookups, help."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
TERMINAL = {"TTY_COMPATIBLE": "1", "NO_COLOR": "1"}  # the terminal layout, without escape codes
WIDTHS = ["60", "80", "120"]


_LETTERS = re.compile(r"[A-Za-z\u00c0-\u024f]+")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _LETTERS.findall(text)}


@cache
def corpus() -> frozenset[str]:
    """Every word the program can print: the knowledge base, the program's own text and its help framework."""
    import calendar

    import typer

    words = _words((ROOT / "data" / "conditions.yaml").read_text(encoding="utf-8"))
    for folder in (ROOT / "src" / "hamknee", Path(typer.__file__).parent):
        for source in folder.rglob("*.py"):
            words |= _words(source.read_text(encoding="utf-8"))
    words |= _words(str(ROOT)) | _words(" ".join([*calendar.day_abbr, *calendar.month_abbr]))
    return frozenset(words)


@cache
def catalog() -> tuple[dict[str, str], ...]:
    from typer.testing import CliRunner

    from hamknee.cli import app

    result = CliRunner().invoke(app, ["list", "--json"])
    return tuple(json.loads(result.stdout))


def _strip_url_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if not re.fullmatch(r"\s*https?://\S+", line)]


def check_layout(text: str, width: int) -> None:
    """No line wider than the terminal (a URL alone on its line excepted), no word broken, nothing cut."""
    lines = text.splitlines()
    for line in _strip_url_lines(lines):
        # Only a URL or a file path longer than the terminal may run past it: it cannot be broken.
        unbreakable = any(len(token) > width // 2 and ("/" in token) for token in line.split())
        assert len(line) <= width or unbreakable, (width, line)
    known = corpus()
    names = {e["name"].lower() for e in catalog()} | {e["id"] for e in catalog()}
    for line in lines:
        # A word broken at the line's end or cut by a column is a fragment no text contains.
        words = " ".join(t for t in line.split() if "/" not in t)  # paths and URLs are not prose
        for word in _LETTERS.findall(words):
            assert word.lower() in known, (f"broken or unknown word {word!r}", line)
        # An id or a name cut short ends in an ellipsis right after the start of one.
        for cut in re.findall(r"([\w'-]+)…", line):
            # A text shortened after a whole word is not a name cut short.
            whole = all(w.lower() in known for w in _LETTERS.findall(cut))
            assert whole or not any(n.startswith(cut.lower()) and n != cut.lower() for n in names), (cut, line)


COMMANDS = [
    ["explain", "semitendinosus"],
    ["explain", "pes-anserine-bursitis"],
    ["explain", "pes-anserinus"],
    ["explain", "hamstrings"],
    ["explain", "posterior-knee"],
    ["explain", "repair-phase"],
    ["explain", "pes-anserine-bursitis", "--brief"],
    ["explain", "hamstring-strain", "--section", "signs,tests"],
    ["muscles"],
    ["muscles", "--attachments"],
    ["conditions"],
    ["conditions", "--region", "medial"],
    ["phases"],
    ["phases", "hamstring-strain"],
    ["list"],
    ["list", "condition"],
    ["compare", "semitendinosus", "semimembranosus", "biceps-femoris"],
    ["compare", "pes-anserine-bursitis", "meniscal-tear"],
    ["search", "lump behind knee"],
    ["search", "tendon", "--limit", "40"],
    ["sources"],
    ["path", "semitendinosus", "medial-knee"],
    ["why", "pes-anserine-bursitis"],
    ["why", "semitendinosus"],
    ["why", "medial", "knee", "pain"],
    ["explain", "hamstrings", "--brief"],
    ["where", "posterior"],
    ["where", "medial"],
    ["diagram", "biceps-femoris"],
    ["validate"],
    ["stats"],
]
HELP = [["--help"], ["explain", "--help"], ["search", "--help"], ["quiz", "--help"], ["where", "--help"]]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_terminal_layout_fits_without_cutting(hk, width, command):
    r = hk(*command, env={"COLUMNS": width, **TERMINAL})
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip()
    check_layout(r.stdout, int(width))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("command", HELP, ids=" ".join)
def test_help_fits_without_cutting(tmp_path, width, command):
    # In a process of its own: the test runner fixes click's help width at 80.
    env = dict(os.environ, COLUMNS=width, HAMKNEE_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "hamknee", *command], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    check_layout(result.stdout, int(width))


@pytest.mark.parametrize("width", WIDTHS)
def test_a_failed_lookup_fits_the_terminal(hk, width):
    r = hk("explain", "vastus", env={"COLUMNS": width, **TERMINAL})
    assert r.exit_code == 1
    check_layout(r.stderr, int(width))
    for line in r.stderr.splitlines()[1:-1]:  # each offer, and the lines it wraps onto, under the list
        assert line.startswith("  "), line


@pytest.mark.parametrize("width", WIDTHS)
def test_quiz_question_fits(hk, width):
    r = hk("quiz", "--count", "3", "--seed", "2", env={"COLUMNS": width, **TERMINAL}, input="1\n1\n1\n")
    assert r.exit_code == 0, r.stderr
    check_layout(r.stdout, int(width))


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_piped_output_has_no_trailing_spaces(hk, command):
    r = hk(*command, env={"COLUMNS": "80"})
    assert r.exit_code == 0, r.stderr
    for line in r.stdout.splitlines():
        assert line == line.rstrip(), repr(line)


@pytest.mark.parametrize("command", [["list"], ["list", "condition"], ["conditions"], ["muscles"],
                                     ["muscles", "--attachments"], ["search", "bursitis"], ["sources"]])
def test_piped_listings_are_one_tab_separated_record_a_line(hk, command):
    r = hk(*command)
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines
    columns = {len(line.split("\t")) for line in lines}
    assert len(columns) == 1 and columns.pop() >= 3, lines[:3]


def test_grep_finds_whole_records(hk):
    lines = [line for line in hk("list", "condition").stdout.splitlines() if "bursitis" in line]
    ids = [line.split("\t")[0] for line in lines]
    assert "pes-anserine-bursitis" in ids
    assert all(line.split("\t")[1] == "condition" for line in lines)


def test_every_entry_page_fits_at_60_columns(hk):
    for entry in catalog():
        r = hk("explain", entry["id"], env={"COLUMNS": "60", **TERMINAL})
        assert r.exit_code == 0, entry["id"]
        check_layout(r.stdout, 60)


def test_prose_keeps_a_readable_measure_on_wide_terminals(hk):
    r = hk("explain", "pes-anserine-bursitis", env={"COLUMNS": "200", **TERMINAL})
    widest = max(len(line) for line in _strip_url_lines(r.stdout.splitlines()))
    assert 80 < widest <= 100


def test_urls_are_whole_and_links_on_a_terminal(hk):
    r = hk("explain", "pes-anserine-bursitis", env={"COLUMNS": "60", **TERMINAL})
    urls = re.findall(r"https?://\S+", r.stdout)
    assert urls
    import yaml

    data = yaml.safe_load((ROOT / "data" / "conditions.yaml").read_text(encoding="utf-8"))
    known = {s.get("url") for s in data["sources"]} | {f"https://doi.org/{s['doi']}" for s in data["sources"]
                                                         if s.get("doi")}
    assert all(u in known for u in urls), [u for u in urls if u not in known]
    styled = hk("explain", "pes-anserine-bursitis", env={"FORCE_COLOR": "1", "COLUMNS": "80"}).stdout
    assert "\x1b]8;" in styled  # OSC 8 hyperlinks


def test_citations_end_in_one_full_stop(hk):
    text = hk("sources").stdout
    assert "et al.." not in text and "n.d.." not in text


# -- brief pages and sections -------------------------------------------------------------------

def test_brief_is_at_most_25_lines_at_80_columns_for_every_entry(hk):
    for entry in catalog():
        r = hk("explain", entry["id"], "--brief", env={"COLUMNS": "80", **TERMINAL})
        assert r.exit_code == 0, entry["id"]
        lines = r.stdout.splitlines()
        assert len(lines) <= 25, (entry["id"], len(lines))
        assert lines[0] == entry["name"] or lines[0].startswith(entry["name"].split()[0]), entry["id"]
        assert entry["summary"].split()[0] in r.stdout
        assert f"hamknee explain {entry['id']}" in r.stdout
        check_layout(r.stdout, 80)
        page = " ".join(r.stdout.split())
        if entry["kind"] in ("condition", "phase"):
            assert "not medical advice" in page
        # Kept brief by choosing facts, never by cutting one short.
        assert "…" not in r.stdout, (entry["id"], [line for line in lines if "…" in line])
        facts = r.stdout.split("Key facts", 1)[1].split("Full page:", 1)[0] if "Key facts" in r.stdout else ""
        assert facts.count("(") == facts.count(")"), (entry["id"], facts)  # no clause cut inside brackets
        record = json.loads(hk("explain", entry["id"], "--json").stdout)
        for point in record.get("key_points", []):
            assert " ".join(point.split()) in page, (entry["id"], point)


def test_brief_is_far_shorter_than_the_page(hk):
    full = hk("explain", "pes-anserine-bursitis", env={"COLUMNS": "80", **TERMINAL}).stdout
    brief = hk("explain", "pes-anserine-bursitis", "--brief", env={"COLUMNS": "80", **TERMINAL}).stdout
    assert len(brief.splitlines()) * 4 < len(full.splitlines())
    assert "Key points" in brief and "Key facts" in brief and "Red flag" in brief
    # Every key point, each fact whole: the red flag reads to its end.
    assert "suspect (rare) septic bursitis" in " ".join(brief.split())


def test_sections_show_only_what_was_asked(hk):
    r = hk("explain", "hamstring-strain", "--section", "signs", "--section", "tests")
    assert r.exit_code == 0
    assert "Signs" in r.stdout and "Clinical tests" in r.stdout
    assert "Explanation" not in r.stdout and "Sources" not in r.stdout
    same = hk("explain", "hamstring-strain", "-s", "signs,tests")
    assert same.stdout == r.stdout
    assert "Sources" in hk("explain", "semitendinosus", "--section", "sources").stdout


def test_unknown_or_empty_section(hk):
    bad = hk("explain", "semitendinosus", "--section", "nonsense")
    assert bad.exit_code == 2 and "No section 'nonsense'" in bad.stderr and "key-points" in bad.stderr
    empty = hk("explain", "semitendinosus", "--section", "disagreements")
    if empty.exit_code:
        assert empty.exit_code == 1 and "nothing under" in empty.stderr


# -- the pager ----------------------------------------------------------------------------------

def _installed() -> str | None:
    candidate = Path(sys.executable).parent / "hamknee"
    return str(candidate) if candidate.exists() else shutil.which("hamknee")


def run_on_terminal(args: list[str], env: dict[str, str], rows: int = 20, cols: int = 80) -> tuple[int, str]:
    """Run the installed hamknee with stdout on a pseudo-terminal of the given size; return code and screen."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    full = dict(os.environ, **env)
    for name in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        full.pop(name, None)
    full.setdefault("TERM", "xterm")
    proc = subprocess.Popen([_installed(), *args], stdout=slave, stderr=slave, stdin=subprocess.DEVNULL,  # type: ignore[list-item]
                            env=full)
    os.close(slave)
    screen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            screen += chunk
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=60)
    os.close(master)
    return code, screen.decode("utf-8", "replace")


needs_script = pytest.mark.skipif(_installed() is None or sys.platform == "win32",
                                  reason="needs the console script and a pseudo-terminal")


@needs_script
def test_long_output_goes_to_the_pager(tmp_path):
    page = tmp_path / "page.txt"
    env = {"HAMKNEE_HOME": str(tmp_path / "home"), "HAMKNEE_PAGER": f"cat > '{page}'"}
    code, screen = run_on_terminal(["explain", "pes-anserine-bursitis"], env)
    assert code == 0
    received = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", page.read_text(encoding="utf-8"))
    assert received.startswith("Pes anserine bursitis")
    assert "Sources" in received and "not medical advice" in " ".join(received.split())
    assert "Sources" not in screen  # the page went to the pager, not past the reader


@needs_script
def test_pager_falls_back_from_hamknee_pager_to_pager(tmp_path):
    page = tmp_path / "page.txt"
    env = {"HAMKNEE_HOME": str(tmp_path / "home"), "PAGER": f"cat > '{page}'"}
    code, _ = run_on_terminal(["list"], env)
    assert code == 0 and "semitendinosus" in page.read_text(encoding="utf-8")


@needs_script
def test_no_pager_when_the_page_fits_or_with_no_pager(tmp_path):
    page = tmp_path / "page.txt"
    env = {"HAMKNEE_HOME": str(tmp_path / "home"), "HAMKNEE_PAGER": f"cat > '{page}'"}
    code, screen = run_on_terminal(["explain", "semitendinosus", "--brief"], env, rows=60)
    assert code == 0 and not page.exists() and "Semitendinosus" in screen
    for args in (["--no-pager", "explain", "pes-anserine-bursitis"],
                 ["explain", "pes-anserine-bursitis", "--no-pager"]):
        code, screen = run_on_terminal(args, env)
        assert code == 0 and not page.exists()
        assert "Sources" in screen


@needs_script
def test_no_pager_when_piped(tmp_path):
    page = tmp_path / "page.txt"
    env = dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home"), HAMKNEE_PAGER=f"cat > '{page}'")
    result = subprocess.run([_installed(), "explain", "pes-anserine-bursitis"], capture_output=True, text=True,  # type: ignore[list-item]
                            env=env, timeout=60)
    assert result.returncode == 0 and "Sources" in result.stdout
    assert not page.exists()


# -- forgiving lookups --------------------------------------------------------------------------

@pytest.mark.parametrize(("words", "expected"), [
    (["hamstring"], "hamstrings"),
    (["Hamstring", "muscle"], "hamstrings"),
    (["eccentric"], "eccentric-contraction"),
    (["knee", "OA"], "knee-osteoarthritis"),
    (["bicep", "femoris"], "biceps-femoris"),
    (["pes", "anserine", "bursitis"], "pes-anserine-bursitis"),
    (["semitend"], "semitendinosus"),
    (["the", "pes", "anserinus"], "pes-anserinus"),
    (["bakers", "cysts"], "bakers-cyst"),
])
def test_explain_forgives_a_student(hk, words, expected):
    r = hk("explain", *words, "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["id"] == expected


def test_a_prefix_says_which_entry_it_opened(hk):
    r = hk("explain", "eccentric")
    assert r.exit_code == 0
    assert r.stdout.startswith("Eccentric contraction")
    assert r.stderr.strip() == "Showing eccentric-contraction for 'eccentric' (its name starts with that)."
    exact = hk("explain", "semitendinosus")
    assert exact.stderr == ""


@pytest.mark.parametrize(("args", "key", "expected"), [
    (["explain", "pes", "anserine", "bursitis"], "id", "pes-anserine-bursitis"),
    (["why", "medial", "knee", "pain"], "region", "medial-knee"),
    (["why", "pes", "anserine", "bursitis"], "condition", "pes-anserine-bursitis"),
    (["where", "back", "of", "thigh"], "region", "posterior-thigh"),
    (["diagram", "pes", "anserine", "bursitis"], "focus", "pes-anserine-bursitis"),
])
def test_several_unquoted_words_are_one_term(hk, args, key, expected):
    r = hk(*args, "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)[key] == expected


def test_phases_take_an_unquoted_condition(hk):
    r = hk("phases", "hamstring", "strain", "--json")
    assert r.exit_code == 0, r.stderr
    assert {p["id"] for p in json.loads(r.stdout)} and all(
        "hamstring-strain" in p["applies_to"] for p in json.loads(r.stdout))


def test_where_takes_a_students_words(hk):
    r = hk("where", "back of thigh", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["region"] == "posterior-thigh"


def _offers(stderr: str) -> list[str]:
    """The ids a failed lookup offers, in order (lines '  Name: hamknee explain ID')."""
    return re.findall(r"^  .+: hamknee explain (\S+)$", stderr, flags=re.MULTILINE)


@pytest.mark.parametrize(("words", "first"), [
    (["vastus"], "quadriceps-femoris"),
    (["hamstrin"], "hamstrings"),
    (["bursa"], "pes-anserine-bursa"),
])
def test_suggestions_rank_what_a_student_meant(hk, words, first):
    r = hk("explain", *words)
    assert r.exit_code == 1
    assert _offers(r.stderr)[0] == first, r.stderr


def test_a_failed_lookup_shows_named_hits_and_how_to_search(hk):
    r = hk("explain", "vastus", env={"COLUMNS": "200"})
    assert r.exit_code == 1 and r.stdout == ""
    assert "  Quadriceps femoris: hamknee explain quadriceps-femoris" in r.stderr.splitlines()
    assert len(_offers(r.stderr)) > 1  # the search hits too, not only the closest spelling
    assert r.stderr.rstrip().endswith("hamknee search vastus")
    nothing = hk("explain", "zzzqqq")
    assert nothing.exit_code == 1 and "hamknee search" in nothing.stderr and "hamknee list" in nothing.stderr


def test_a_single_close_misspelling_opens_with_a_note(hk):
    r = hk("explain", "semitendinosis")
    assert r.exit_code == 0 and r.stdout.startswith("Semitendinosus")
    assert r.stderr.strip() == "Showing semitendinosus for 'semitendinosis' (the closest spelling)."
    several = hk("explain", "semi")  # the start of two names: a choice, not a guess
    assert several.exit_code == 1
    assert {"semitendinosus", "semimembranosus"} <= set(_offers(several.stderr))


def test_a_failed_lookup_in_json_is_an_error_object(hk):
    text, data = hk("explain", "zzzqqq"), hk("explain", "zzzqqq", "--json")
    assert text.exit_code == data.exit_code == 1
    answer = json.loads(data.stdout)
    assert answer["error"] == "No entry for 'zzzqqq'." and answer["suggestions"] == []
    near = json.loads(hk("explain", "vastus", "--json").stdout)
    assert near["suggestions"][0] == {"id": "quadriceps-femoris", "name": "Quadriceps femoris", "kind": "muscle"}
    assert near["search"] == "hamknee search vastus"


def test_anatomy_page_points_to_the_condition_of_the_same_name(hk):
    assert "Looking for the condition? hamknee explain pes-anserine-bursitis" in hk("explain", "pes-anserine").stdout


# -- help and errors ----------------------------------------------------------------------------

def _every_command() -> list[list[str]]:
    """Every command and subcommand, as the words that name it."""
    from hamknee.cli import COMMANDS, app

    found: list[list[str]] = [[]]
    for name in COMMANDS:
        found.append([name])
        r = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "100"})
        if "Commands:" in r.stdout:
            block = r.stdout.split("Commands:", 1)[1].split("Examples:", 1)[0]
            found += [[name, line.split()[0]] for line in block.splitlines() if line.startswith("  ")
                      and line[2:3].strip()]
    return found


def test_help_reads_plainly(hk):
    commands = _every_command()
    assert ["export", "anki"] in commands
    for words in commands:
        r = hk(*words, "--help", env={"COLUMNS": "100"})
        assert r.exit_code == 0, words
        for jargon in ("{", "<str>", "<int", "<=x", "x<=", "<float"):
            assert jargon not in r.stdout, (words, jargon, r.stdout)
        if "Commands:" in r.stdout:  # each summary whole, not cut at 45 characters
            assert "..." not in r.stdout.split("Commands:", 1)[1].split("Examples:", 1)[0], (words, r.stdout)
        block = r.stdout.split("Examples:", 1)[1]
        examples = [line.strip() for line in block.splitlines() if line.strip()]
        assert examples and all(e.count("hamknee ") == 1 for e in examples), (words, examples)


def test_help_command_is_the_same_as_help_option(hk):
    for words in _every_command():
        asked = hk("help", *words, env={"COLUMNS": "100"})
        assert asked.exit_code == 0, words
        assert asked.stdout == hk(*words, "--help", env={"COLUMNS": "100"}).stdout, words
    assert "help" in hk("--help").stdout.split("Commands:", 1)[1]
    unknown = hk("help", "nonsense")
    assert unknown.exit_code == 2 and "No such command 'nonsense'" in unknown.stderr


def test_bare_hamknee_prints_help_and_succeeds(hk):
    r = hk()
    assert r.exit_code == 0
    assert "Commands:" in r.stdout and "explain" in r.stdout


def test_global_options_after_the_command(hk, minimal_kb):
    r = hk("list", "--json", "--kb", str(minimal_kb))
    assert r.exit_code == 0, r.stderr
    assert {e["id"] for e in json.loads(r.stdout)} == {"semitendinosus", "pes-anserinus"}
    assert hk("explain", "goose", "foot", f"--kb={minimal_kb}").exit_code == 0


def test_nothing_to_show_says_why_and_exits_1(hk):
    r = hk("phases", "bakers-cyst")
    assert r.exit_code == 1
    assert "No treatment phases for Baker's cyst" in r.stderr
    j = hk("phases", "bakers-cyst", "--json")
    assert j.exit_code == 1 and json.loads(j.stdout) == []


FAILING = [
    (["explain", "zzzqqq"], 1), (["explain"], 2), (["explain", "semitendinosus", "-s", "nonsense"], 2),
    (["muscles", "--bogus"], 2), (["conditions", "--region", "zzzqqq"], 1), (["phases", "zzzqqq"], 1),
    (["list", "zzzqqq"], 2), (["compare", "semitendinosus"], 2), (["compare", "semitendinosus", "bakers-cyst"], 2),
    (["compare", "semitendinosus", "zzzqqq"], 1), (["search", "zzzqqq"], 1), (["path", "zzzqqq", "bakers-cyst"], 1),
    (["path", "semitendinosus", "semitendinosus"], 2), (["why", "zzzqqq"], 1), (["where", "zzzqqq"], 1),
    (["diagram", "zzzqqq"], 1), (["sources", "--type", "zzzqqq"], 2), (["validate", "missing.yaml"], 3),
    (["stats", "--days", "0"], 2), (["quiz", "--count", "0"], 2),
]


@pytest.mark.parametrize(("args", "code"), FAILING, ids=lambda a: " ".join(a) if isinstance(a, list) else str(a))
def test_json_and_text_agree_on_exit_codes(hk, args, code):
    text, data = hk(*args), hk(*args, "--json")
    assert text.exit_code == data.exit_code == code, (args, text.stderr)
    if data.stdout.strip():  # what a script reads is JSON: an error object, or an empty answer
        answer = json.loads(data.stdout)
        assert answer == [] or "error" in answer or answer.get("valid") is False, answer


def test_every_json_command_is_covered():
    from hamknee.cli import COMMANDS, app

    covered = {args[0] for args, _ in FAILING}
    with_json = set()
    for name in COMMANDS:
        r = CliRunner().invoke(app, [name, "--help"])
        if "--json" in r.stdout:
            with_json.add(name)
    assert with_json - {"export"} <= covered, with_json - covered


def test_nothing_found_is_the_same_exit_code_with_json(hk):
    for args in (["search", "zzzqqq"], ["explain", "zzzqqq"], ["phases", "bakers-cyst"]):
        text, data = hk(*args), hk(*args, "--json")
        assert text.exit_code == data.exit_code == 1, args


def test_validation_messages_are_plain_words_with_their_location(hk, tmp_path):
    from tests.conftest import MINIMAL

    broken = MINIMAL.replace("    sources: [src-a]\nattachments:", "    sources: []\nattachments:").replace(
        "    aliases: [ST]", "    aliases: ST")
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    r = hk("validate", str(path))
    assert r.exit_code == 3
    lines = r.stderr.splitlines()
    sources = next(line for line in lines if "muscles[0].sources" in line)
    assert "needs at least 1 item; it has 0" in sources
    assert f"{path}:" in sources and sources.split(":")[1].isdigit()  # file:line:column
    aliases = next(line for line in lines if "muscles[0].aliases" in line)
    assert "must be a list" in aliases and "'ST'" in aliases
    assert "should" not in r.stderr and "Input" not in r.stderr  # no validation-library wording


def test_readme_screenshots_are_rendered_from_the_commands():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    pictures = re.findall(r"!\[(hamknee [^\]]+)\]\((docs/screenshots/[\w-]+\.svg)\)", readme)
    assert len(pictures) >= 4
    for _command, path in pictures:
        svg = (root / path).read_text(encoding="utf-8")
        assert svg.startswith("<svg") and "Generated with Rich" in svg, path


def test_a_missing_knowledge_base_is_one_message(hk, tmp_path):
    r = hk("--kb", str(tmp_path / "nope.yaml"), "list")
    assert r.exit_code == 3
    assert r.stderr.strip().splitlines() == [f"Error: {tmp_path / 'nope.yaml'}: file not found."]


# -- study wording ------------------------------------------------------------------------------

JARGON = ("FSRS", "stability", "young", "Retention", "Reviews", "relearning", "typed relations")


def test_stats_speak_a_new_students_words(hk, tmp_path):
    db = str(tmp_path / "p.sqlite3")
    r = hk("quiz", "--card", "semitendinosus:origin:recall", "--card", "gracilis:origin:recall", "--db", db,
           input="ischial tuberosity\nno idea\n")
    assert r.exit_code == 0, r.stderr
    text = hk("stats", "--db", db, env={"COLUMNS": "80"}).stdout
    for word in JARGON:
        assert word not in text, (word, text)
    page = " ".join(text.split())
    assert "Mastered: you are likely (9 times in 10) to still know it 3 weeks after your last answer" in page
    assert "Learning: asked" in page and "Known:" in page
    revise = text.split("Entries to revise", 1)[1].split("Due in the next", 1)[0]
    assert "gracilis" in revise and "semitendinosus" not in revise  # every answer right is not weak


def test_quiz_headers_and_start_screen_are_plain(hk, tmp_path):
    r = hk("quiz", "--card", "semitendinosus:origin:choice", "--card", "gracilis:origin:recall", "--db",
           str(tmp_path / "p.sqlite3"), input="1\nno idea\n", env={"COLUMNS": "80"})
    headers = [line for line in r.stdout.splitlines() if line.startswith("Question ")]
    assert headers[:2] == ["Question 1/2 · muscle · multiple choice", "Question 2/2 · muscle · type the answer"]
    for line in r.stdout.splitlines():
        assert line == line.rstrip(), repr(line)  # piped: no trailing spaces where a line wraps
    start = hk(env={"COLUMNS": "100"}).stdout
    for word in JARGON:
        assert word not in start, word


def test_diagram_caption_is_whole_in_colour(hk):
    r = hk("diagram", "biceps-femoris", env={"COLUMNS": "80", "FORCE_COLOR": "1"})
    assert r.exit_code == 0
    plain = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout)
    caption = " ".join(plain.split("highlighted:", 1)[1].split())
    assert "\x1b[" in r.stdout and caption == "Biceps femoris, long head, Biceps femoris, short head", caption
    assert max(len(line) for line in plain.splitlines()) <= 80


def test_search_treats_tendonitis_as_tendinopathy(hk):
    r = hk("search", "hamstring", "tendonitis", "--json")
    assert r.exit_code == 0
    top = [hit["id"] for hit in json.loads(r.stdout)[:2]]
    assert set(top) == {"proximal-hamstring-tendinopathy", "distal-hamstring-tendinopathy"}, top
