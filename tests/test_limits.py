"""Bombs inside the file-size limit are refused while parsing, within bounded memory; reports are capped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hamknee.loader import MAX_ITEMS, MAX_KEY_CHARS, MAX_KEYS, MAX_NODES
from hamknee.vocab import MAX_TEXT_CHARS
from tests import rss
from tests.conftest import MINIMAL
from tests.ptyrun import HAMKNEE

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in KB is Linux")


def _measured(args: list[str], home: Path) -> tuple[int, str, int]:
    launched, report = rss.popen([*HAMKNEE, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 env=dict(os.environ, HAMKNEE_HOME=str(home)))
    with launched as proc:
        errors = proc.communicate()[1].decode()
    returncode, peak_kb = rss.outcome(report)
    return returncode, errors, peak_kb


BOMBS = {
    "flat-list": lambda: "[" + "1," * 10_000_000 + "1]\n",  # 20 MB of [1,1,...]
    "empty-mappings": lambda: "- {}\n" * 1_250_000,  # 5 MB of - {}
    "many-lists": lambda: "".join(f"l{j}:\n" + "  - 1\n" * (MAX_ITEMS - 1) for j in range(30)),  # each in its limit
    "long-section": lambda: MINIMAL + "concepts:\n" + "  - {}\n" * (MAX_ITEMS + 1),
    "wide-mapping": lambda: MINIMAL.replace("title: A source", "title: A source\n    " + "\n    ".join(
        f"k{i}: {i}" for i in range(MAX_KEYS + 1))),
}
EXPECTED = {
    # Refused at the first list over its limit, long before the rest is parsed.
    "flat-list": f"a list of more than {MAX_ITEMS:,} items",
    "empty-mappings": f"a list of more than {MAX_ITEMS:,} items",
    "many-lists": f"more than {MAX_NODES:,} YAML nodes",
    "long-section": f"concepts: a list of more than {MAX_ITEMS:,} items; the limit is {MAX_ITEMS:,}",
    "wide-mapping": f" keys; the limit is {MAX_KEYS:,}",
}


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_bombs_inside_the_size_limit_are_refused_in_bounded_memory(tmp_path, bomb):
    path = tmp_path / f"{bomb}.yaml"
    path.write_text(BOMBS[bomb]())
    assert path.stat().st_size <= 20 * 1024 * 1024
    code, errors, rss = _measured(["validate", str(path)], tmp_path / "home")
    assert code == 3, errors[-500:]
    assert EXPECTED[bomb] in errors, errors[-500:]
    assert len(errors.splitlines()) <= 102
    assert rss < 300 * 1024, rss


def test_problem_reports_are_capped(hk, tmp_path):
    entries = "".join(f"  - {{id: site-{i}}}\n" for i in range(2000))
    path = tmp_path / "many.yaml"
    path.write_text(MINIMAL.replace("attachments:\n", "attachments:\n" + entries))
    r = hk("validate", str(path))
    assert r.exit_code == 3
    lines = r.stderr.splitlines()
    assert len(lines) == 102, len(lines)
    assert lines[-2].startswith(f"{path}: ... and ") and lines[-2].endswith(" more problems")
    assert "problems)" in lines[-1]
    r = hk("validate", str(path), "--json")
    import json

    report = json.loads(r.stdout)
    assert report["count"] > 1000 and len(report["problems"]) == 1000


OVER_A_LIMIT = {
    # name: (text, line, column, the message)
    "list-of-ten-million": (lambda: "[" + "1," * 10_000_000 + "1]\n", 1, 1,
                            f"a list of more than {MAX_ITEMS:,} items; the limit is {MAX_ITEMS:,}"),
    "five-megabyte-key": (lambda: MINIMAL.replace(
        "    group: hamstring", "    group: hamstring\n    ? " + "k" * 5_000_000 + "\n    : 1"), 15, 7,
                          f"muscles[0]: a key of 5,000,000 characters ('{'k' * 39}…'); the limit is {MAX_KEY_CHARS}"),
    "five-megabyte-target": (lambda: MINIMAL.replace("target: pes-anserinus,", "target: " + "t" * 5_000_000 + ","),
                             20, 31, "muscles[0].relations[0].target: a value of 5,000,000 characters "
                                     f"('{'t' * 39}…'); the limit is {MAX_TEXT_CHARS:,}"),
    "long-explanation": (lambda: MINIMAL.replace("explanation: It joins the pes anserinus.",
                                                 "explanation: " + "Words. " * 3000), 13, 18,
                         f"muscles[0].explanation: a value of 20,999 characters ('{('Words. ' * 6)[:39]}…'); "
                         f"the limit is {MAX_TEXT_CHARS:,}"),
}


@pytest.mark.parametrize("case", sorted(OVER_A_LIMIT))
def test_a_file_over_a_parse_limit_is_refused_at_its_place_quoting_little(tmp_path, case):
    make, line, column, message = OVER_A_LIMIT[case]
    path = tmp_path / "kb.yaml"
    path.write_text(make())
    done = subprocess.run([*HAMKNEE, "validate", str(path)], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home")))
    assert done.returncode == 3, done.stderr[-500:]
    lines = done.stderr.splitlines()
    assert lines[0] == f"{path}:{line}:{column}: {message}", lines[0][:500]
    assert len(lines) == 2 and len(done.stderr) < 600, len(done.stderr)


def test_a_long_unknown_key_within_the_limits_is_shown_once_and_clipped(tmp_path):
    key = "unknown_" + "x" * 90
    path = tmp_path / "kb.yaml"
    path.write_text(MINIMAL.replace("    group: hamstring", f"    group: hamstring\n    {key}: 1"))
    done = subprocess.run([*HAMKNEE, "validate", str(path)], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, HAMKNEE_HOME=str(tmp_path / "home")))
    assert done.returncode == 3
    first = done.stderr.splitlines()[0]
    assert first == f"{path}:15:105: muscles[0].{key[:79]}…: unknown field", first


COMMENTED = {
    # name: (the one error, the line it is on after the comments, its column, the message)
    "syntax-error": (lambda: MINIMAL.replace("summary: A medial hamstring.", "summary: [unclosed"), 13, 16,
                     "YAML syntax"),
    "unknown-field": (lambda: MINIMAL.replace("    group: hamstring", "    group: hamstring\n    bogus: 1"), 15, 12,
                      "muscles[0].bogus: unknown field 'bogus'"),
}


@pytest.mark.parametrize("case", sorted(COMMENTED))
def test_eighteen_megabytes_of_comments_and_one_error_is_located_in_bounded_memory(tmp_path, case):
    make, line, column, message = COMMENTED[case]
    comments = 9_000_000
    path = tmp_path / "kb.yaml"
    path.write_text("#\n" * comments + make())
    assert 18_000_000 < path.stat().st_size <= 20 * 1024 * 1024
    code, errors, rss = _measured(["validate", str(path)], tmp_path / "home")
    assert code == 3, errors[-500:]
    first = errors.splitlines()[0]
    assert first.startswith(f"{path}:{comments + line}:{column}: "), first
    assert message in first, first
    assert len(errors.splitlines()) == 2
    assert rss < 150 * 1024, rss


def test_a_file_of_comments_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "kb.yaml"
    path.write_text("#\n" * 11_000_000 + MINIMAL)
    assert path.stat().st_size > 20 * 1024 * 1024
    code, errors, rss = _measured(["validate", str(path)], tmp_path / "home")
    assert code == 3
    assert errors.splitlines()[0] == f"{path}: file is 21.0 MB; the limit is 20 MB", errors
    assert rss < 100 * 1024, rss
