"""Where hamknee reads and writes: the shipped knowledge base, the cache, the study data.

``HAMKNEE_HOME`` relocates everything hamknee writes (cache and study data) under one folder; otherwise
the platform's user cache and data directories are used.
"""

from __future__ import annotations

import os
from pathlib import Path


def shipped_kb() -> Path:
    """The knowledge base inside the installed package, or the repository's copy in a source checkout."""
    # The package directory itself (what importlib.resources.files gives for an installed package), without
    # importing importlib.resources, which costs several milliseconds on every run.
    packaged = Path(__file__).parent / "data" / "conditions.yaml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "data" / "conditions.yaml"


def selected_kb(option: str | None) -> Path:
    """``--kb`` wins over ``HAMKNEE_KB``, which wins over the shipped file."""
    chosen = option or os.environ.get("HAMKNEE_KB")
    return Path(chosen).expanduser().absolute() if chosen else shipped_kb()


def _home() -> Path | None:
    home = os.environ.get("HAMKNEE_HOME")
    return Path(home).expanduser() if home else None


def cache_dir() -> Path:
    home = _home()
    if home:
        return home / "cache"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("hamknee", appauthor=False))


def data_dir() -> Path:
    home = _home()
    if home:
        return home / "data"
    from platformdirs import user_data_dir

    return Path(user_data_dir("hamknee", appauthor=False))
