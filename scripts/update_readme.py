"""Rewrite the output shown under every `<!-- run: COMMAND -->` block of the README by running COMMAND.

    .venv/bin/python scripts/update_readme.py

Runs each command as tests/test_readme.py does (100 columns, NO_COLOR, a fresh HAMKNEE_HOME), so the
README shows exactly what a reader gets.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"(<!-- run: (.*?) -->\n```text\n)(.*?)(```)", flags=re.S)


def main() -> int:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    bin_dir = Path(sys.executable).parent

    def run(match: re.Match[str]) -> str:
        command = match.group(2)
        with tempfile.TemporaryDirectory() as home:  # each example starts from nothing, as its test does
            env = dict(os.environ, COLUMNS="100", NO_COLOR="1", HAMKNEE_HOME=home,
                       PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
            env.pop("HAMKNEE_KB", None)
            result = subprocess.run(command, shell=True, capture_output=True, text=True, env=env, cwd=ROOT,
                                    timeout=300)
            # A reader's own study data lives in the per-user data folder, not in this run's throwaway home.
            printed = (result.stdout + result.stderr).replace(f"{home}/data/", "~/.local/share/hamknee/")
        shown = "".join(line.rstrip() + "\n" for line in printed.splitlines())
        return f"{match.group(1)}$ {command}\n{shown}{match.group(4)}"

    text = BLOCK.sub(run, text)
    readme.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
