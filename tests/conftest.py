from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hamknee.cli import app

TESTS = Path(__file__).parent
DATA = TESTS / "data"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test reads or writes the real user's cache or study data, and output is plain."""
    home = tmp_path / "home"
    monkeypatch.setenv("HAMKNEE_HOME", str(home))
    for name in ("HAMKNEE_KB", "HAMKNEE_DB", "FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    yield home


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr


@pytest.fixture
def hk(runner: CliRunner):  # type: ignore[no-untyped-def]
    """Run hamknee in-process and return exit code, stdout and stderr separately."""

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        result = runner.invoke(app, list(args), env=env, input=input, catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    return invoke


def write_kb(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
version: 1
sources:
  - id: src-a
    title: A source
    publisher: A publisher
    year: 2020
    url: https://example.org/a
muscles:
  - id: semitendinosus
    name: Semitendinosus
    aliases: [ST]
    summary: A medial hamstring.
    explanation: It joins the pes anserinus.
    group: hamstring
    origin: {detail: Ischial tuberosity}
    insertion: {site: pes-anserinus, side: medial, detail: Upper medial tibia}
    innervation: {nerve: Tibial division of the sciatic nerve, roots: "L5, S1, S2"}
    actions: {hip: Extension, knee: Flexion}
    relations:
      - {type: forms, target: pes-anserinus, note: Its tendon joins the pes anserinus.}
    sources: [src-a]
attachments:
  - id: pes-anserinus
    name: Pes anserinus
    aliases: [goose foot]
    summary: Shared insertion on the medial tibia.
    explanation: Three tendons join here.
    attachment_type: tendon insertion
    bone: tibia
    location: Anteromedial proximal tibia.
    sources: [src-a]
"""


@pytest.fixture
def minimal_kb(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "minimal.yaml", MINIMAL)


os.environ.setdefault("COLUMNS", "100")
