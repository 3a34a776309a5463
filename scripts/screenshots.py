"""Render README screenshots from the real commands, in colour, to SVG with rich's own export.

    .venv/bin/python scripts/screenshots.py          # writes docs/screenshots/*.svg

Each command runs as a student would run it, in a 100-column colour terminal (FORCE_COLOR); its output
is read back into a recording rich console and saved with ``Console.save_svg``.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.text import Text

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
WIDTH = 100

# file name -> (command line as the README shows it, argv, standard input)
SHOTS: dict[str, tuple[str, list[str], str | None]] = {
    "explain-brief": ("hamknee explain pes anserine bursitis --brief",
                      ["explain", "pes", "anserine", "bursitis", "--brief"], None),
    "explain": ("hamknee explain semitendinosus --section summary,key-points,facts",
                ["explain", "semitendinosus", "--section", "summary,key-points,facts"], None),
    "where": ("hamknee where 'behind the knee'", ["where", "behind the knee"], None),
    "diagram": ("hamknee diagram biceps-femoris", ["diagram", "biceps-femoris"], None),
    "quiz": ("hamknee quiz --topic muscle --count 1 --seed 4", ["quiz", "--topic", "muscle", "--count", "1",
                                                                 "--seed", "4"], "1\n"),
}


def shoot(name: str, shown: str, argv: list[str], stdin: str | None, home: str) -> Path:
    env = dict(os.environ, FORCE_COLOR="1", COLUMNS=str(WIDTH), LINES="60", HAMKNEE_HOME=home, TERM="xterm-256color")
    for unset in ("NO_COLOR", "HAMKNEE_KB", "HAMKNEE_PAGER", "PAGER", "TTY_COMPATIBLE"):
        env.pop(unset, None)
    result = subprocess.run([sys.executable, "-m", "hamknee", *argv], input=stdin, capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"{shown} failed ({result.returncode}): {result.stderr.strip()}")
    console = Console(record=True, width=WIDTH, force_terminal=True, color_system="truecolor", file=io.StringIO())
    console.print(Text.assemble(("$ ", "bold green"), (shown, "bold")))
    console.print(Text.from_ansi(result.stderr + result.stdout if name != "quiz" else result.stdout), crop=False)
    target = OUT / f"{name}.svg"
    console.save_svg(str(target), title=shown)
    return target


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        for name, (shown, argv, stdin) in SHOTS.items():
            sys.stdout.write(f"{shoot(name, shown, argv, stdin, home).relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
