"""Edges of the environment: odd COLUMNS, NUL bytes in arguments, closed standard streams, odd paths."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.ptyrun import HAMKNEE, acting


def run(args: list[str], home: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HAMKNEE_HOME=str(home))
    env.update(kwargs.pop("env", {}))  # type: ignore[call-overload]
    return subprocess.run([*HAMKNEE, *args], env=env, capture_output=True, text=True, errors="replace",
                          timeout=60, **kwargs)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Lookups that only read share one warm cache."""
    return tmp_path_factory.mktemp("home")


@pytest.mark.parametrize("columns", ["0", "-5", "9999999999999999999", "abc", "", "1", "100000"])
@pytest.mark.parametrize(("args", "code", "stream", "expected"), [
    (["explain", "semitendinosus"], 0, "stdout", "Semitendinosus"),
    (["muscles", "--attachments"], 0, "stdout", "Semitendinosus"),
    (["diagram"], 0, "stdout", "Semitendinosus"),
    (["explain", "nothing-here"], 1, "stderr", "Error: No entry for 'nothing-here'."),
    (["--help"], 0, "stdout", "Usage: hamknee"),
])
def test_unusable_columns_fall_back_to_a_sane_width(shared_home, columns, args, code, stream, expected):
    r = run(args, shared_home, env={"COLUMNS": columns})
    assert r.returncode == code, r.stderr[-800:]
    assert expected in getattr(r, stream)
    assert "Traceback" not in r.stderr
    lines = getattr(r, stream).splitlines()
    assert max(len(line) for line in lines) <= 1000


@pytest.mark.parametrize("args", [
    ["validate", "a\x00b"], ["explain", "semi\x00tendinosus"], ["--kb", "kb\x00.yaml", "list"],
    ["export", "csv", "out\x00.csv"], ["export", "json", "x\x00"], ["stats", "--db", "p\x00.sqlite3"],
    ["quiz", "--db", "p\x00"], ["diagram", "--svg", "d\x00.svg"], ["search", "\x00"],
])
def test_a_nul_byte_in_an_argument_is_a_usage_error(hk, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    r = hk(*args)
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: argument ") and "NUL byte" in lines[0]
    assert not acting(r.stderr)
    assert list(tmp_path.iterdir()) == [tmp_path / "home"] or not list(tmp_path.glob("*x*"))


@pytest.mark.parametrize("tz", ["XXX+24:30", "ABC-167", "UTC+99999", "XXX-24:59:59", ":/nonexistent", "", "XXX+14:30"])
def test_an_odd_time_zone_counts_days_in_utc(tmp_path, tz):
    """Days are the student's, unless TZ gives no sane offset: then they are UTC days, never a crash."""
    import json
    import os
    import subprocess
    from datetime import datetime, timezone

    from tests.ptyrun import HAMKNEE
    from tests.test_study import STUDY_KB

    env = dict(os.environ, TZ=tz, HAMKNEE_HOME=str(tmp_path / "h"))
    db = str(tmp_path / "p.sqlite3")
    quiz = subprocess.run([*HAMKNEE, "--kb", str(STUDY_KB), "quiz", "--count", "1", "--db", db], input="x\n\n",
                          capture_output=True, text=True, env=env, timeout=60)
    assert quiz.returncode == 0 and quiz.stderr == "", quiz.stderr
    assert "1 answer saved" in quiz.stdout
    before = datetime.now(timezone.utc).date().isoformat()
    stats = subprocess.run([*HAMKNEE, "--kb", str(STUDY_KB), "stats", "--json", "--db", db], capture_output=True,
                           text=True, env=env, timeout=60)
    after = datetime.now(timezone.utc).date().isoformat()
    assert stats.returncode == 0 and stats.stderr == "", stats.stderr
    data = json.loads(stats.stdout)
    assert data["forecast"][0]["date"] in (before, after)
    assert data["reviews"]["today"] == 1
    shown = subprocess.run([*HAMKNEE, "--kb", str(STUDY_KB), "stats", "--db", db], capture_output=True, text=True,
                           env=env, timeout=60)
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    reset = subprocess.run([*HAMKNEE, "quiz", "--reset", "--db", db], capture_output=True, text=True, env=env,
                           timeout=60)
    assert reset.returncode == 0 and "Progress reset" in reset.stdout, reset.stderr
