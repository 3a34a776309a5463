"""A lookup served from a warm cache stays light: the heavy libraries are for validation and study only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("yaml", "pydantic", "rapidfuzz", "sqlite3", "fsrs", "genanki")

# Runs the console script's entry point in a fresh interpreter and writes the modules it ended with to a file.
PROBE = """\
import sys
from hamknee.__main__ import main
out, sys.argv = sys.argv[1], ["hamknee", *sys.argv[2:]]
code = main()
with open(out, "w", encoding="utf-8") as fh:
    fh.write(str(code) + "\\n" + "\\n".join(sorted(sys.modules)))
"""


def modules_after(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    report = tmp_path / "modules.txt"
    env = dict(os.environ, COLUMNS="100")
    subprocess.run([sys.executable, "-c", PROBE, str(report), *args], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    code, *names = report.read_text(encoding="utf-8").splitlines()
    return int(code), set(names)


@pytest.fixture
def warm(tmp_path: Path) -> None:
    """A warm cache for the shipped knowledge base in this test's HAMKNEE_HOME."""
    result = subprocess.run([sys.executable, "-m", "hamknee", "explain", "pes-anserine"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    code, names = modules_after(tmp_path, "explain", "pes-anserine")
    assert code == 0
    assert "hamknee.compile" not in names, "the cache was not used; the rest of this test would prove nothing"


def heavy_in(names: set[str]) -> list[str]:
    return sorted(name for name in names if name.split(".")[0] in HEAVY)


@pytest.mark.usefixtures("warm")
@pytest.mark.parametrize("args", [
    ("explain", "pes-anserine"),
    ("explain", "goose foot", "--json"),
    ("list",),
    ("list", "--json"),
    ("list", "condition"),
])
def test_a_warm_lookup_imports_no_heavy_library(tmp_path: Path, args: tuple[str, ...]) -> None:
    code, names = modules_after(tmp_path, *args)
    assert code == 0
    assert heavy_in(names) == []
    assert "hamknee.loader" not in names and "hamknee.model" not in names


@pytest.mark.usefixtures("warm")
@pytest.mark.parametrize(("args", "expected"), [
    (("explain", "goose fot"), 0),  # the closest spelling opens its entry
    (("explain", "semitendinosis"), 0),
    (("explain", "hamstrng", "strian"), 0),
    (("explain", "zzzqqq"), 1),  # nothing close: suggestions and search hits
    (("search", "tendonn"), 0),  # a typo in a search word is corrected
])
def test_a_misspelling_on_the_shipped_knowledge_base_is_read_without_rapidfuzz(
        tmp_path: Path, args: tuple[str, ...], expected: int) -> None:
    code, names = modules_after(tmp_path, *args)
    assert code == expected
    assert heavy_in(names) == []
    assert "hamknee.fuzzy" in names, "no close spelling was looked for; this test would prove nothing"


@pytest.mark.usefixtures("warm")
def test_version_opens_nothing(tmp_path: Path) -> None:
    code, names = modules_after(tmp_path, "--version")
    assert code == 0
    assert heavy_in(names) == []
    # Nothing is rendered and no knowledge base is opened just to print a version.
    assert sorted(n for n in names if n.split(".")[0] == "rich") == []
    assert not {"hamknee.kb", "hamknee.cache", "hamknee.render"} & names


def test_a_cold_lookup_does_load_and_validate(tmp_path: Path) -> None:
    # The counterpart of the tests above: without a cache the heavy path runs, so the probe can see it.
    code, names = modules_after(tmp_path, "explain", "pes-anserine")
    assert code == 0
    assert {"yaml", "pydantic", "hamknee.loader", "hamknee.compile"} <= names


GC_PROBE = """\
import gc, sys
from hamknee.__main__ import main
sys.argv = ["hamknee", *sys.argv[1:]]
code = main()
print(code, gc.isenabled(), gc.get_freeze_count() > 10000, gc.get_count() == (0, 0, 0), file=sys.stderr)
"""


@pytest.mark.usefixtures("warm")
def test_the_console_script_spares_the_collector_what_lives_until_the_process_ends() -> None:
    result = subprocess.run([sys.executable, "-c", GC_PROBE, "explain", "pes-anserine"], capture_output=True,
                            text=True, timeout=120, env=dict(os.environ, COLUMNS="100"))
    # The collector stays on for the command (a quiz session lasts), with the imported modules frozen out of
    # its walks; at the end everything is frozen, so the interpreter's last collection has nothing to walk.
    assert result.stderr.split() == ["0", "True", "True", "True"], result.stderr
