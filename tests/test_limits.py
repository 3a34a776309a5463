"""Bombs inside the file-size limit are refused while parsing, within bounded memory; reports are capped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hamknee.loader import MAX_ITEMS, MAX_KEYS, MAX_NODES
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
    "long-section": lambda: MINIMAL + "concepts:\n" + "  - {}\n" * (MAX_ITEMS + 1),
    "wide-mapping": lambda: MINIMAL.replace("title: A source", "title: A source\n    " + "\n    ".join(
        f"k{i}: {i}" for i in range(MAX_KEYS + 1))),
}
EXPECTED = {
    "flat-list": f"more than {MAX_NODES:,} YAML nodes",
    "empty-mappings": f"more than {MAX_NODES:,} YAML nodes",
    "long-section": f"a list of {MAX_ITEMS + 1:,} items; the limit is {MAX_ITEMS:,}",
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
