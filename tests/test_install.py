"""A non-editable install from a built wheel works on its own, with the knowledge base inside the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(os.environ.get("HAMKNEE_SKIP_INSTALL_TEST") == "1", reason="install test disabled")
def test_wheel_installs_and_explains(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                   check=True, capture_output=True, text=True)
    wheel = next(dist.glob("hamknee-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        assert "hamknee/data/conditions.yaml" in archive.namelist()

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", str(wheel)],
                   check=True, capture_output=True, text=True)

    outside = tmp_path / "elsewhere"  # not the source tree: the shipped file must come from the package
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "HAMKNEE_KB")}
    env["HAMKNEE_HOME"] = str(tmp_path / "home")
    result = subprocess.run([str(bindir / "hamknee"), "explain", "pes-anserine"], cwd=outside, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Pes anserinus")
    assert "Semitendinosus" in result.stdout and result.stderr == ""
