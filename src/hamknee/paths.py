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


# Longer than any user name a system allows (Linux: 32 characters, LOGIN_NAME_MAX 256). A longer one is not
# looked up: some name services abort the whole process on a name of a few MB.
_MAX_USER = 256


def user_path(text: str, what: str = "file") -> Path:
    """A path as the user wrote it, ``~`` and ``~user`` expanded, made absolute.

    An unknown ``~user`` is a usage error rather than the RuntimeError pathlib raises.
    """
    from hamknee.errors import UsageProblem, quoted
    from hamknee.sanitize import visible

    user = text.split("/", 1)[0]
    try:
        if text.startswith("~") and len(user) > _MAX_USER + 1:
            raise RuntimeError("no such user")
        return Path(text).expanduser().absolute()
    except RuntimeError:
        # At most 80 characters of each: a name can be megabytes long.
        raise UsageProblem(f"Cannot find the home folder of {visible(quoted(user, 80))} in the {what} path "
                           f"{visible(quoted(text, 80))}.",
                           "Check the user name, or write the path out in full.") from None
    except OSError:  # a relative path, and the current folder was deleted (or cannot be read) meanwhile
        raise UsageProblem(f"The current folder no longer exists (it was deleted or moved), so the relative {what} "
                           f"path {visible(quoted(text, 80))} leads nowhere.",
                           "Change to a folder that exists (cd), or write the path out in full.") from None


def selected_kb(option: str | None) -> Path:
    """``--kb`` wins over ``HAMKNEE_KB``, which wins over the shipped file."""
    chosen = option or os.environ.get("HAMKNEE_KB")
    return user_path(chosen, "knowledge base") if chosen else shipped_kb()


def _home() -> Path | None:
    """``HAMKNEE_HOME``, which must name a folder absolutely: a relative one would follow the current folder."""
    home = os.environ.get("HAMKNEE_HOME")
    if not home:
        return None
    from hamknee.errors import UsageProblem
    from hamknee.sanitize import visible

    if not home.strip():
        raise UsageProblem("HAMKNEE_HOME is blank.", "Unset it, or set it to a folder such as ~/.hamknee.")
    if not (home.startswith("~") or Path(home).is_absolute()):
        raise UsageProblem(f"HAMKNEE_HOME must be an absolute path, not {visible(home)!r}: progress would "
                           "depend on the current folder.", f"Use for example HAMKNEE_HOME=$PWD/{visible(home)}.")
    return user_path(home, "HAMKNEE_HOME")


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
