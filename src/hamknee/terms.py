"""How a typed term becomes a lookup key (shared by the loader, the compiler and lookups)."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile(r"['’`]")
_SEPARATORS = re.compile(r"[^0-9a-z\u00c0-\uffff]+")


def normalize(term: str) -> str:
    """Case, spaces, hyphens, underscores and apostrophes do not matter: 'Baker's cyst' == 'bakers-cyst'."""
    text = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", term).casefold())
    return _SEPARATORS.sub("-", text).strip("-")
