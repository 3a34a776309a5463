"""Hostile input and faults: bad knowledge bases, odd arguments, broken terminals and pipes, no home.

Every case must end with a documented exit code and at most a few plain lines on stderr: never a
traceback, never a hang, never code run from the knowledge base, never a raw escape sequence echoed back.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hamknee.loader import MAX_BYTES
from tests import rss
from tests.conftest import MINIMAL, write_kb

EXIT_CODES = {0, 1, 2, 3, 4, 5, 130}
ESC = "\x1b"


def _installed() -> list[str]:
    script = Path(sys.executable).parent / "hamknee"
    if script.exists():
        return [str(script)]
    found = shutil.which("hamknee")
    return [found] if found else [sys.executable, "-m", "hamknee"]


HAMKNEE = _installed()


def clean(text: str) -> bool:
    """No traceback and no control characters other than newlines and tabs."""
    return "Traceback" not in text and not any(ch < " " and ch not in "\n\t" for ch in text) and "\x7f" not in text


def run(args: list[str], home: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HAMKNEE_HOME=str(home))
    env.update(kwargs.pop("env", {}))  # type: ignore[call-overload]
    return subprocess.run([*HAMKNEE, *args], env=env, capture_output=True, text=True, errors="replace",
                          timeout=60, **kwargs)  # type: ignore[call-overload]


def big_kb(path: Path, count: int) -> Path:
    """A valid knowledge base with many attachments, so listings are longer than a pipe buffer."""
    lines = [MINIMAL]
    for i in range(count):
        lines.append(
            f"  - id: site-{i}\n    name: Site number {i}\n    summary: Filler attachment {i} for long listings.\n"
            f"    explanation: Filler.\n    attachment_type: bony landmark\n    bone: femur\n"
            f"    location: Somewhere {i}.\n    sources: [src-a]\n"
        )
    return write_kb(path, "".join(lines))


# -- bad knowledge bases ---------------------------------------------------------------------------

BAD_FILES = {
    # name: (bytes, expected fragments, line)
    "syntax": (b"version: 1\nsources: [a\n", ["YAML syntax"], 3),
    "tab": (b"version: 1\n\tsources: []\n", ["tab"], 2),
    "empty": (b"", ["empty"], None),
    "comments": (b"# only a comment\n# and another\n", ["empty (or only comments)"], None),
    "list": (b"- version: 1\n- sources: []\n", ["top level is a list"], 1),
    "scalar": (b"just some words\n", ["top level is a str"], 1),
    "not-utf8": (b"version: 1\ntitle: caf\xe9\n", ["not UTF-8", "0xe9"], 2),
    "utf16": ("version: 1\n".encode("utf-16"), ["not UTF-8"], 1),
    "nul": (b"version: 1\ntitle: a\x00b\n", ["U+0000 is not allowed"], 2),
}


@pytest.fixture(params=["--kb", "env", "validate"])
def via(request: pytest.FixtureRequest, hk):  # type: ignore[no-untyped-def]
    """Run a knowledge base file the three ways a user can name it."""

    def invoke(path: Path):  # type: ignore[no-untyped-def]
        if request.param == "--kb":
            return hk("--kb", str(path), "explain", "semitendinosus")
        if request.param == "env":
            return hk("list", env={"HAMKNEE_KB": str(path)})
        return hk("validate", str(path))

    return invoke


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_exit_3_with_file_line_and_problem(via, tmp_path, case):
    content, fragments, line = BAD_FILES[case]
    path = tmp_path / f"{case}.yaml"
    path.write_bytes(content)
    r = via(path)
    assert r.exit_code == 3, r.stderr
    assert r.stdout == ""
    assert clean(r.stderr)
    first = r.stderr.splitlines()[0]
    prefix = f"{path}:{line}:" if line else f"{path}:"
    assert first.startswith(prefix), first
    for fragment in fragments:
        assert fragment in first, first
    assert r.stderr.splitlines()[-1].startswith(f"Error: {path}: invalid knowledge base")


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_missing_file_or_directory_is_exit_3(via, tmp_path, kind):
    path = tmp_path / "nowhere.yaml"
    if kind == "directory":
        path.mkdir()
    r = via(path)
    assert r.exit_code == 3
    assert clean(r.stderr)
    # One message: there is nothing inside the file to fix.
    assert r.stderr.splitlines() == [f"Error: {path}: {'file not found' if kind == 'missing' else 'is a directory'}"
                                     + ("." if kind == "missing" else ", not a YAML file.")]


def test_utf8_bom_is_accepted(hk, tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode("utf-8"))
    assert hk("validate", str(path)).exit_code == 0
    r = hk("--kb", str(path), "explain", "semitendinosus")
    assert r.exit_code == 0 and r.stdout.startswith("Semitendinosus")


PYTHON_TAGS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.call [['touch', '{marker}']]",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
    "!!python/module:os",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {marker}']",
]


@pytest.mark.parametrize("where", ["top", "field", "key"])
@pytest.mark.parametrize("tag", PYTHON_TAGS)
def test_python_tags_are_refused_and_never_run(hk, tmp_path, tag, where):
    marker = tmp_path / "pwned"
    payload = tag.format(marker=marker)
    if where == "top":
        text = f"{payload}\n"
    elif where == "field":
        text = MINIMAL.replace("summary: A medial hamstring.", f"summary: {payload}")
    else:
        text = MINIMAL.replace("    summary: A medial hamstring.", f"    ? {payload}\n    : x")
    path = write_kb(tmp_path / "evil.yaml", text)
    for args in (["validate", str(path)], ["--kb", str(path), "explain", "semitendinosus"]):
        r = hk(*args)
        assert r.exit_code == 3, r.stderr
        assert "tag not allowed" in r.stderr and clean(r.stderr)
    assert not marker.exists()


def test_python_tag_is_not_run_by_the_installed_script(tmp_path):
    marker = tmp_path / "pwned"
    path = write_kb(tmp_path / "evil.yaml", f"!!python/object/apply:os.system ['touch {marker}']\n")
    r = run(["--kb", str(path), "list"], tmp_path / "home")
    assert r.returncode == 3 and "tag not allowed" in r.stderr and clean(r.stderr)
    assert not marker.exists()


_LEVELS = list(zip("abcdefgh", "bcdefghi", strict=True))
BOMBS = {
    "billion-laughs": "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in _LEVELS),
    "mapping-bomb": "a: &a {x: 1, y: 2}\n"
    + "".join(f"{b}: &{b} {{{', '.join(f'k{k}: *{a}' for k in range(9))}}}\n" for a, b in _LEVELS),
    "recursive": "a: &a [*a]\n",
    "merge": "a: &a {x: 1}\nb:\n  <<: *a\n",
}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in KB and RLIMIT_AS are Linux")
@pytest.mark.parametrize("name", sorted(BOMBS))
def test_alias_bombs_are_refused_in_bounded_time_and_memory(tmp_path, name):
    import resource

    path = write_kb(tmp_path / f"{name}.yaml", BOMBS[name])
    # The load is timed inside the child so that interpreter start-up does not count; the address-space
    # limit keeps a regression from taking the machine down with it.
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from hamknee.errors import InvalidKnowledgeBase\n"
        "from hamknee.loader import load\n"
        "start = time.perf_counter()\n"
        "try:\n"
        "    load(Path(sys.argv[1]))\n"
        "    outcome = 'loaded'\n"
        "except InvalidKnowledgeBase as exc:\n"
        "    outcome = exc.lines()[0]\n"
        "print(time.perf_counter() - start)\n"
        "print(outcome)\n"
    )

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        resource.setrlimit(resource.RLIMIT_CPU, (30, 30))

    launched, report = rss.popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, preexec_fn=limit)
    with launched as proc:
        out, errors = proc.communicate()
    returncode, peak_kb = rss.outcome(report)
    assert returncode == 0, errors
    seconds, outcome = out.splitlines()
    assert float(seconds) < 2.0
    assert peak_kb < 200 * 1024  # kilobytes on Linux
    assert "not supported" in outcome and outcome.startswith(f"{path}:"), outcome


def test_alias_bomb_through_the_cli_is_exit_3_within_memory(tmp_path):
    path = write_kb(tmp_path / "bomb.yaml", BOMBS["billion-laughs"])
    launched, report = rss.popen([*HAMKNEE, "--kb", str(path), "list"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home")))
    with launched as proc:
        errors = proc.communicate()[1].decode()
    returncode, peak_kb = rss.outcome(report)
    assert returncode == 3
    assert "anchors and aliases" in errors and clean(errors)
    assert peak_kb < 200 * 1024


def test_scalar_aliases_cannot_blow_up(hk, tmp_path):
    text = "x: &x " + "lol" * 10 + "\n" + "".join(f"y{i}: *x\n" for i in range(1000))
    r = hk("validate", str(write_kb(tmp_path / "s.yaml", text)))
    assert r.exit_code == 3 and clean(r.stderr)


def test_oversized_file_is_refused_without_reading_it(hk, tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:  # sparse: instant and takes no disk
        fh.truncate(MAX_BYTES + 1)
    for args in (["validate", str(path)], ["--kb", str(path), "list"]):
        r = hk(*args)
        assert r.exit_code == 3
        assert f"{path}: file is 20.0 MB; the limit is 20 MB" in r.stderr


def test_file_at_the_limit_is_read(hk, tmp_path):
    path = tmp_path / "padded.yaml"
    text = MINIMAL.encode("utf-8")
    path.write_bytes(text + b"#" * (MAX_BYTES - len(text)))
    assert path.stat().st_size == MAX_BYTES
    r = hk("validate", str(path))
    assert r.exit_code == 0, r.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_endless_devices_are_refused_at_the_limit(tmp_path, device):
    r = run(["--kb", device, "list"], tmp_path / "home")
    assert r.returncode == 3
    assert f"{device}: more than 20 MB; the limit is 20 MB" in r.stderr and clean(r.stderr)


# -- regressions found by fuzzing the loader --------------------------------------------------------

FUZZ_FINDINGS = {
    "explicit-timestamp": ("version: 1\ntitle: !!timestamp not-a-date\n", "cannot read this value as 'timestamp'"),
    "explicit-float": ("version: 1\ntitle: !!float \n", "cannot read this value as 'float'"),
    "explicit-int": ("version: 1\ntitle: !!int twelve\n", "cannot read this value as 'int'"),
    "deep-flow": ("version: 1\ntitle: " + "[" * 600 + "]" * 600 + "\n", "title"),
    "deep-mapping": ("version: 1\ntitle: " + "{a: " * 400 + "1" + "}" * 400 + "\n", "title"),
    "deeper-than-libyaml": ("version: 1\ntitle: " + "[" * 5000 + "]" * 5000 + "\n", "nesting"),
    "scalar-disagreements": (MINIMAL.replace("    relations:\n", "    disagreements: 7\n    values: 5\n"
                                             "    corrections: x\n    relations:\n", 1), "disagreements"),
    "scalar-views": (MINIMAL.replace("    relations:\n", "    disagreements:\n      - {topic: t, views: 3}\n"
                                     "    relations:\n", 1), "views"),
}


@pytest.mark.parametrize("case", sorted(FUZZ_FINDINGS))
def test_fuzz_findings_are_located_problems(hk, tmp_path, case):
    text, fragment = FUZZ_FINDINGS[case]
    path = write_kb(tmp_path / f"{case}.yaml", text)
    r = hk("validate", str(path))
    assert r.exit_code == 3
    assert clean(r.stderr)
    assert fragment in r.stderr
    assert r.stderr.startswith(f"{path}:")


# -- schema errors -------------------------------------------------------------------------------------

def _problems(hk, tmp_path: Path, text: str) -> str:
    r = hk("validate", str(write_kb(tmp_path / "kb.yaml", text)))
    assert r.exit_code == 3, r.stdout
    assert clean(r.stderr)
    return r.stderr


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("year: 2020", "year: [2020]", "sources[0].year"),
    ("name: Semitendinosus", "name: {first: Semi}", "muscles[0].name: must be text; got a mapping"),
    ("aliases: [ST]", "aliases: ST", "muscles[0].aliases: must be a list"),
    ("group: hamstring", "group: 7", "muscles[0].group: must be one of"),
    ("version: 1", "version: two", "version"),
    ("muscles:\n", "muscles: 3\nx:\n", "muscles: must be a list"),
])
def test_wrong_types_are_located(hk, tmp_path, old, new, expected):
    assert expected in _problems(hk, tmp_path, MINIMAL.replace(old, new, 1))


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("    summary: A medial hamstring.", "    sumary: A medial hamstring.", "did you mean 'summary'?"),
    ("    explanation: Three", "    explanaton: Three", "did you mean 'explanation'?"),
    ("insertion: {site:", "insertion: {sit:", "did you mean 'site'?"),
    ("    publisher: A publisher", "    publsher: A publisher", "did you mean 'publisher'?"),
    ("muscles:", "muscels:", "did you mean 'muscles'?"),
])
def test_misspelled_fields_get_a_did_you_mean(hk, tmp_path, old, new, expected):
    stderr = _problems(hk, tmp_path, MINIMAL.replace(old, new, 1))
    assert "unknown field" in stderr and expected in stderr


def test_unrelated_unknown_field_gets_no_guess(hk, tmp_path):
    stderr = _problems(hk, tmp_path, MINIMAL.replace("    group: hamstring", "    group: hamstring\n    zzz: 1"))
    assert "unknown field 'zzz'" in stderr and "did you mean" not in stderr


ENTITY = """\
  - id: {id}
    name: {name}
    summary: S.
    explanation: E.
    attachment_type: bony landmark
    bone: femur
    location: L.
    relations: {relations}
    sources: [src-a]
"""


def _with(*entities: str) -> str:
    return MINIMAL + "".join(entities)


def test_duplicate_ids_and_claimed_aliases(hk, tmp_path):
    text = _with(ENTITY.format(id="pes-anserinus", name="Another", relations="[]"),
                 ENTITY.format(id="other", name="Goose Foot", relations="[]"))
    stderr = _problems(hk, tmp_path, text)
    assert "duplicate id 'pes-anserinus' (first at attachments[0])" in stderr
    assert "'Goose Foot' is also a name or alias of 'pes-anserinus'" in stderr


def test_dangling_relation_target_suggests_the_id(hk, tmp_path):
    stderr = _problems(hk, tmp_path, MINIMAL.replace("target: pes-anserinus", "target: pes-anserinu"))
    assert "refers to 'pes-anserinu', which is not an id in this knowledge base; did you mean 'pes-anserinus'?" \
        in stderr


@pytest.mark.parametrize(("forward", "backward"), [
    ("part-of", "part-of"), ("part-of", "has-part"), ("branch-of", "branch-of"), ("branch-of", "has-branch"),
    ("precedes", "precedes"), ("precedes", "follows"),
])
def test_cycles_in_hierarchies_are_refused(hk, tmp_path, forward, backward):
    # a -> b -> c -> a, the last step written from the other end where backward is an inverse
    last = f"[{{type: {backward}, target: site-c}}]" if backward == forward else "[]"
    first = "[{type: " + forward + ", target: site-b}]"
    if backward != forward:
        first = "[{type: " + forward + ", target: site-b}, {type: " + backward + ", target: site-c}]"
    text = _with(ENTITY.format(id="site-a", name="Site A", relations=first),
                 ENTITY.format(id="site-b", name="Site B", relations=f"[{{type: {forward}, target: site-c}}]"),
                 ENTITY.format(id="site-c", name="Site C", relations=last.replace("site-c", "site-a")))
    stderr = _problems(hk, tmp_path, text)
    assert f"'{forward}' relations form a cycle" in stderr


def test_hierarchy_without_cycle_is_accepted(hk, tmp_path):
    text = _with(ENTITY.format(id="site-a", name="Site A", relations="[{type: part-of, target: site-b}]"),
                 ENTITY.format(id="site-b", name="Site B", relations="[{type: part-of, target: site-c}]"),
                 ENTITY.format(id="site-c", name="Site C", relations="[{type: precedes, target: site-a}]"))
    r = hk("validate", str(write_kb(tmp_path / "kb.yaml", text)))
    assert r.exit_code == 0, r.stderr


def test_self_relation_is_refused(hk, tmp_path):
    stderr = _problems(hk, tmp_path, MINIMAL.replace("target: pes-anserinus, note", "target: semitendinosus, note"))
    assert "cannot relate to itself" in stderr


# -- bad arguments -------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-home")


@pytest.fixture
def warm(shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read-only lookups share one compiled cache, so the many cases below do not each rebuild it."""
    monkeypatch.setenv("HAMKNEE_HOME", str(shared_cache))


ODD_TERMS = [
    "", " ", "-", "--", "\t", "\x1b[31mred\x1b[0m", "\x1b]0;title\x07", "\x07\x08\x7f", "a\rb", "\x9b31m",
    "💥", "pés ânserinus", "ÆØÅ", "\u202egoose", "\u200b", "'; DROP TABLE cards; --", "../../etc/passwd",
    "%s%n%x", "{0}", "[bold]x[/bold]", "$(touch pwned)", "*", "?", "\\", "x" * 10_000, "goose foot " * 1000,
]


@pytest.mark.parametrize("term", ODD_TERMS, ids=lambda t: repr(t)[:30])
@pytest.mark.parametrize("command", [["explain"], ["search"], ["compare", "semitendinosus"], ["conditions", "-r"],
                                     ["phases"], ["list"], ["path", "semitendinosus"], ["why"], ["where"]])
def test_odd_terms_never_crash_or_echo_control_characters(hk, warm, tmp_path, monkeypatch, command, term):
    monkeypatch.chdir(tmp_path)
    r = hk(*command, "--", term) if term.startswith("-") else hk(*command, term)
    assert r.exit_code in {0, 1, 2}, (r.exit_code, r.stderr[-500:])
    assert clean(r.stdout) and clean(r.stderr)
    assert all(len(line) < 400 for line in r.stderr.splitlines())
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("columns", ["20", "40"])
@pytest.mark.parametrize("command", [["explain", "pes-anserine-bursitis"], ["explain", "semitendinosus"],
                                     ["muscles", "--attachments"], ["muscles"], ["list"], ["conditions"],
                                     ["phases"], ["search", "tendon"], ["sources"], ["explain", "nothing-here"],
                                     ["--help"], ["explain", "--help"]])
def test_narrow_terminals(hk, warm, columns, command):
    r = hk(*command, env={"COLUMNS": columns})
    assert r.exit_code in {0, 1}
    assert clean(r.stdout) and clean(r.stderr)
    if command[0] == "explain" and r.exit_code == 0:
        assert r.stdout.strip()


@pytest.mark.parametrize("env", [{"TERM": "dumb"}, {"NO_COLOR": "1"}, {"TERM": "dumb", "FORCE_COLOR": "1"},
                                 {"NO_COLOR": "1", "FORCE_COLOR": "1"}])
@pytest.mark.parametrize("command", [["explain", "pes-anserinus"], ["muscles", "--attachments"], ["search", "tendn"],
                                     ["explain", "pes-anserinu"]])
def test_plain_terminals_get_no_escape_codes(hk, warm, env, command):
    r = hk(*command, env=env)
    assert r.exit_code in {0, 1}
    assert ESC not in r.stdout and ESC not in r.stderr


ENCODINGS = [
    {"PYTHONIOENCODING": "ascii"},
    {"PYTHONIOENCODING": "latin-1"},
    {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
]


@pytest.mark.parametrize("env", ENCODINGS, ids=lambda e: "-".join(e.values()))
@pytest.mark.parametrize("args", [["muscles", "--attachments"], ["explain", "pes-anserinus"],
                                  ["explain", "pes-anserinus", "--json"], ["explain", "pés ânserinus ✓"],
                                  ["search", "ménisque"], ["--help"]])
def test_non_utf8_output_encodings_never_raise(tmp_path, env, args):
    r = run(args, tmp_path / "home", env=env)
    assert r.returncode in {0, 1}, r.stderr
    assert "Traceback" not in r.stderr and "UnicodeEncodeError" not in r.stderr


@pytest.mark.parametrize("args", [["muscles", "--attachments"], ["list"], ["--help"]])
def test_output_closed_after_the_first_line(tmp_path, args):
    with subprocess.Popen([*HAMKNEE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=dict(os.environ, HAMKNEE_HOME=str(tmp_path))) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()
        errors = proc.stderr.read()
        assert proc.wait(timeout=60) == 0
    assert first.endswith(b"\n")
    assert errors == b""


@pytest.mark.parametrize("args", [["list", "--json"], ["list"], ["search", "filler", "--limit", "500"]])
def test_output_closed_in_the_middle_of_a_long_listing(tmp_path, args):
    # Far more than a pipe buffer, so the write itself fails rather than the final flush.
    kb = big_kb(tmp_path / "big.yaml", 3000)
    with subprocess.Popen([*HAMKNEE, "--kb", str(kb), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home"), COLUMNS="100")) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.read(100)
        proc.stdout.close()
        errors = proc.stderr.read()
        assert proc.wait(timeout=60) == 0
    assert errors == b""


def _closed(fd: int):  # type: ignore[no-untyped-def]
    return lambda: os.close(fd)  # as a shell's >&- or 2>&- does, before the program starts


@pytest.mark.parametrize("args", [["list"], ["list", "--json"], ["explain", "semitendinosus"], ["--version"]])
def test_closed_standard_streams_are_an_error_not_a_traceback(tmp_path, args):
    env = dict(os.environ, HAMKNEE_HOME=str(tmp_path))
    r = subprocess.run([*HAMKNEE, *args], stderr=subprocess.PIPE, text=True, timeout=60, env=env,
                       preexec_fn=_closed(1))
    assert r.returncode == 4
    assert r.stderr == ("Error: cannot write output: standard output is closed. Run the command without >&-.\n")
    # Standard error closed: the command still runs and exits as it would.
    quiet = subprocess.run([*HAMKNEE, *args], stdout=subprocess.PIPE, text=True, timeout=60, env=env,
                           preexec_fn=_closed(2))
    assert quiet.returncode == 0 and quiet.stdout


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["list"], ["explain", "semitendinosus"], ["explain", "semitendinosus", "--json"],
                                  ["muscles", "--attachments"], ["validate"], ["schema"], ["--help"], ["--version"]])
def test_stdout_on_a_full_device(tmp_path, args):
    with open("/dev/full", "w") as full:
        r = subprocess.run([*HAMKNEE, *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
                           env=dict(os.environ, HAMKNEE_HOME=str(tmp_path)))
    assert r.returncode == 4
    assert r.stderr == "Error: cannot write output: No space left on device.\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_ctrl_c_exits_130_with_one_line(tmp_path):
    # The knowledge base is a named pipe that never delivers: hamknee is certainly inside the command,
    # blocked on the read, when the signal arrives.
    fifo = tmp_path / "kb.yaml"
    os.mkfifo(fifo)
    proc = subprocess.Popen([*HAMKNEE, "--kb", str(fifo), "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home")))
    writer = -1
    deadline = time.monotonic() + 60
    while writer < 0 and time.monotonic() < deadline:
        try:  # succeeds only once hamknee has opened the pipe for reading
            writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            time.sleep(0.02)
    assert writer >= 0, "hamknee never opened the knowledge base"
    try:
        time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, errors = proc.communicate(timeout=60)
    finally:
        os.close(writer)
    assert proc.returncode == 130
    assert errors == b"Interrupted.\n"
    assert out == b""


# -- unwritable homes --------------------------------------------------------------------------------

def _homes(tmp_path: Path) -> dict[str, Path]:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    return {"file": a_file, "under-a-file": a_file / "home", "readonly": readonly,
            "missing": tmp_path / "does" / "not" / "exist"}


@pytest.mark.parametrize("kind", ["file", "under-a-file", "readonly", "missing"])
def test_lookups_work_without_a_writable_home(hk, tmp_path, kind):
    home = _homes(tmp_path)[kind]
    env = {"HAMKNEE_HOME": str(home)}
    for _ in range(2):  # the second run finds no cache either, and still works
        r = hk("explain", "semitendinosus", env=env)
        assert r.exit_code == 0, r.stderr
        assert r.stdout.startswith("Semitendinosus") and r.stderr == ""
    assert hk("search", "tendon", env=env).exit_code == 0
    assert hk("validate", env=env).exit_code == 0


def test_no_home_at_all_still_answers(tmp_path):
    env = {"HOME": str(tmp_path / "gone"), "XDG_CACHE_HOME": "", "XDG_DATA_HOME": "", "HAMKNEE_HOME": ""}
    r = run(["explain", "semitendinosus"], tmp_path, env=env)
    assert r.returncode == 0 and r.stdout.startswith("Semitendinosus") and r.stderr == ""


def test_corrupt_cache_is_ignored(hk, tmp_path, isolated_home):
    assert hk("explain", "semitendinosus").exit_code == 0
    caches = list((isolated_home / "cache").glob("*.bin"))
    assert caches
    for garbage in (b"", b"HAMKNEE\x02\xff\xff\xff\xff", b"\x00" * 4096, caches[0].read_bytes()[:-7]):
        caches[0].write_bytes(garbage)
        r = hk("explain", "semitendinosus")
        assert r.exit_code == 0 and r.stdout.startswith("Semitendinosus")


@pytest.mark.parametrize("fmt", ["anki", "csv", "json"])
def test_exports_say_why_they_cannot_write(hk, tmp_path, minimal_kb, fmt):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    target = blocker / f"out.{fmt}"
    r = hk("--kb", str(minimal_kb), "export", fmt, str(target))
    assert r.exit_code == 4, r.stderr
    assert r.stderr.startswith(f"Error: Cannot write {target}: Not a directory.") and clean(r.stderr)
    assert blocker.read_text() == "x"


@pytest.mark.parametrize("kind", ["file", "under-a-file"])
@pytest.mark.parametrize("command", [["stats"], ["quiz"]])
def test_study_commands_say_why_without_a_writable_home(hk, tmp_path, kind, command):
    home = _homes(tmp_path)[kind]
    r = hk(*command, env={"HAMKNEE_HOME": str(home)}, input="")
    assert r.exit_code == 5, r.stderr
    assert "cannot be opened or created" in r.stderr and "writable" in r.stderr
    assert str(home) in r.stderr and clean(r.stderr)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_export_to_stdout_on_a_full_device(tmp_path):
    with open("/dev/full", "w") as full:
        r = subprocess.run([*HAMKNEE, "export", "json", "-"], stdout=full, stderr=subprocess.PIPE, text=True,
                           timeout=60, env=dict(os.environ, HAMKNEE_HOME=str(tmp_path)))
    assert r.returncode == 4
    assert r.stderr == "Error: cannot write output: No space left on device.\n"


@pytest.mark.parametrize("args", [["--kb", "kb.yaml", "list"], ["export", "csv", "out.csv"],
                                  ["diagram", "--svg", "out.svg"], ["quiz", "--db", "progress.sqlite3"],
                                  ["stats", "--db", "progress.sqlite3"]])
def test_a_deleted_current_folder_is_one_line_when_a_relative_path_needs_it(tmp_path, args):
    gone = tmp_path / "gone"
    gone.mkdir()
    env = dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home"))
    # The shell removes the folder it stands in, then runs hamknee there.
    script = 'cd "$1" && rmdir "$1" && shift && exec "$@" </dev/null'
    r = subprocess.run(["sh", "-c", script, "sh", str(gone), *HAMKNEE, *args], capture_output=True, text=True,
                       timeout=60, env=env)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("Error: The current folder no longer exists (it was deleted or moved), so the "
                               "relative "), r.stderr
    assert len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr


@pytest.mark.parametrize("args", [["explain", "semitendinosus"], ["list"], ["validate"], ["stats"]])
def test_a_deleted_current_folder_is_no_matter_when_nothing_needs_it(tmp_path, args):
    gone = tmp_path / "gone"
    gone.mkdir()
    env = dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home"))
    script = 'cd "$1" && rmdir "$1" && shift && exec "$@" </dev/null'
    r = subprocess.run(["sh", "-c", script, "sh", str(gone), *HAMKNEE, *args], capture_output=True, text=True,
                       timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout and r.stderr == ""


@pytest.fixture(scope="module")
def slow_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5,000-entity knowledge base: loading, compiling and building its deck take a second or more."""
    kb = tmp_path_factory.mktemp("slow") / "kb.yaml"
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, str(root / "bench" / "gen_kb.py"), "5000", str(kb)], check=True,
                   capture_output=True, timeout=300)
    return kb


def _interpreter_start() -> float:
    """How long this machine takes to start Python and run the installed script's own first lines.

    An interrupt that lands before then reaches the interpreter or the installer's launcher, before any of
    hamknee runs: no code of hamknee can answer it (the launcher's own ``import re`` is most of it).
    """
    times = []
    for _ in range(3):
        start = time.monotonic()
        subprocess.run([sys.executable, "-c", "import re, sys"], check=True, timeout=60)
        times.append(time.monotonic() - start)
    return min(times)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs POSIX signals")
@pytest.mark.parametrize("args", [["list"], ["quiz", "--count", "2"], ["export", "cards", "-"]])
def test_ctrl_c_at_any_moment_of_start_up_is_exit_130_with_one_line(slow_kb, tmp_path, args):
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the interpreter as a student runs it, with compiled modules
    start = _interpreter_start()
    outcomes = []
    for number, delay in enumerate((0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 0.8, 1.0, 1.2, 1.5)):
        env["HAMKNEE_HOME"] = str(tmp_path / f"home-{number}")  # a cold cache: the whole start-up each time
        db = ["--db", str(tmp_path / f"p-{number}.sqlite3")] if args[0] == "quiz" else []
        proc = subprocess.Popen([*HAMKNEE, "--kb", str(slow_kb), *args, *db], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        time.sleep(start + delay)
        proc.send_signal(signal.SIGINT)
        _, errors = proc.communicate(timeout=120)
        outcomes.append((delay, proc.returncode, errors.decode(errors="replace")))
    for delay, code, errors in outcomes:
        if code == 0:  # finished before the signal came
            continue
        assert (code, errors) == (130, "Interrupted.\n"), (delay, code, errors)
    assert sum(code == 130 for _, code, _ in outcomes) >= 5, outcomes


@pytest.mark.parametrize(("data", "line", "column"), [
    (b"\xef\xbb\xbfversion: 1\ntitle: \xc3\xa9\xc3\xa9 caf\xe9\n", 2, 14),  # columns count characters
    (b"\xef\xbb\xbft\xc3\xa9: caf\xe9\n", 1, 8),  # the byte-order mark is no column
    ("title: \"a\x85b\"\nnote: \"c\x85d\"\nlist: [\n".encode(), 4, 1),  # breaks YAML counts, editors do not
    # Refused before parsing, where an editor shows them: YAML would count them as line breaks.
    ("title: \"a\u2028b\"\nnote: \"c\u2029d\x85e\"\nlist: [\n".encode(), 1, 10),
])
def test_undecodable_bytes_and_syntax_errors_are_located_as_an_editor_shows_them(tmp_path, data, line, column):
    kb = tmp_path / "kb.yaml"
    kb.write_bytes(data)
    r = run(["validate", str(kb)], tmp_path / "home")
    assert r.returncode == 3, r.stderr
    assert r.stderr.startswith(f"{kb}:{line}:{column}: "), r.stderr


@pytest.mark.parametrize("columns", ["0", "-5", "99999999999999999999", "abc", ""])
@pytest.mark.parametrize("args", [["list"], ["explain", "semitendinosus"], ["--help"], ["diagram"],
                                  ["why", "medial knee pain"], ["quiz", "--count", "1"]])
def test_odd_column_counts_are_no_matter(tmp_path, columns, args):
    extra = ["--db", str(tmp_path / "p.sqlite3")] if args[0] == "quiz" else []
    r = run([*args, *extra], tmp_path / "home", env={"COLUMNS": columns}, input="x\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout and "Traceback" not in r.stderr


def test_an_unknown_user_in_a_path_and_a_relative_home_are_one_line_usage_errors(tmp_path):
    r = run(["--kb", "~nosuchuser-hamknee/kb.yaml", "list"], tmp_path / "home")
    assert r.returncode == 2
    assert r.stderr == ("Error: Cannot find the home folder of '~nosuchuser-hamknee' in the knowledge base path "
                        "'~nosuchuser-hamknee/kb.yaml'. Check the user name, or write the path out in full.\n")
    r = run(["stats"], tmp_path, env={"HAMKNEE_HOME": "relative/home"})
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1
    assert r.stderr.startswith("Error: HAMKNEE_HOME must be an absolute path, not 'relative/home'")
