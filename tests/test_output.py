"""Output conventions: rich in a terminal, plain text when piped or asked, widths, completion, pipes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ESC = "\x1b["


def test_forced_terminal_output_is_styled(hk):
    r = hk("explain", "pes-anserine", env={"FORCE_COLOR": "1"})
    assert r.exit_code == 0
    assert ESC in r.stdout


@pytest.mark.parametrize("env", [{"NO_COLOR": "1", "FORCE_COLOR": "1"}, {"TERM": "dumb", "FORCE_COLOR": "1"}, {}])
def test_plain_output_has_no_escape_codes(hk, env):
    r = hk("explain", "pes-anserine", env=env)
    assert r.exit_code == 0
    assert ESC not in r.stdout
    assert "Pes anserinus" in r.stdout


@pytest.mark.parametrize("width", ["60", "80", "120"])
@pytest.mark.parametrize("command", [["explain", "semitendinosus"], ["muscles", "--attachments"],
                                     ["list"], ["compare", "semitendinosus", "semimembranosus"]])
def test_output_fits_the_terminal_width(hk, width, command):
    r = hk(*command, env={"COLUMNS": width, "TTY_COMPATIBLE": "1", "NO_COLOR": "1"})
    assert r.exit_code == 0, r.stderr
    # A URL is never split: one longer than the terminal has a line of its own and runs past the edge.
    lines = [line for line in r.stdout.splitlines() if not line.strip().startswith(("https://", "http://"))]
    widest = max(len(line) for line in lines)
    assert widest <= int(width), (widest, command)


def test_condition_pages_carry_the_disclaimer(hk):
    r = hk("explain", "pes-anserine-bursitis")
    assert "not medical advice" in " ".join(r.stdout.split())
    muscle = hk("explain", "semitendinosus")
    assert "not medical advice" not in muscle.stdout


def _installed() -> str | None:
    candidate = Path(sys.executable).parent / "hamknee"
    return str(candidate) if candidate.exists() else shutil.which("hamknee")


@pytest.mark.skipif(_installed() is None, reason="console script not installed")
def test_shell_completion_offers_entity_ids(tmp_path):
    env = dict(os.environ, _HAMKNEE_COMPLETE="complete_bash", COMP_WORDS="hamknee explain pes-anser",
               COMP_CWORD="2", HAMKNEE_HOME=str(tmp_path))
    result = subprocess.run([_installed()], env=env, capture_output=True, text=True, timeout=60)  # type: ignore[list-item]
    assert result.returncode == 0
    offered = result.stdout.split()
    assert "pes-anserinus" in offered and "pes-anserine-bursitis" in offered
    assert all(word.startswith("pes-anser") for word in offered)


@pytest.mark.skipif(_installed() is None, reason="console script not installed")
def test_closed_pipe_ends_quietly(tmp_path):
    env = dict(os.environ, HAMKNEE_HOME=str(tmp_path))
    result = subprocess.run(f"'{_installed()}' muscles --attachments | head -1", shell=True, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.strip()


@pytest.mark.skipif(_installed() is None, reason="console script not installed")
@pytest.mark.parametrize(("words", "expected"), [
    ("hamknee where med", {"medial-knee"}),
    ("hamknee list con", {"condition", "concept"}),
    ("hamknee conditions --region post", {"posterior-knee", "posterior-thigh"}),
    ("hamknee quiz --topic mus", {"muscle"}),
    ("hamknee quiz --type vi", {"vignette"}),
])
def test_shell_completion_for_regions_kinds_topics_and_types(tmp_path, words, expected):
    env = dict(os.environ, _HAMKNEE_COMPLETE="complete_bash", COMP_WORDS=words,
               COMP_CWORD=str(len(words.split()) - 1), HAMKNEE_HOME=str(tmp_path))
    result = subprocess.run([_installed()], env=env, capture_output=True, text=True, timeout=60)  # type: ignore[list-item]
    assert result.returncode == 0
    assert set(result.stdout.split()) == expected
