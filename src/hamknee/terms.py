"""How a typed term becomes a lookup key (shared by the loader, the compiler and lookups)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOSTROPHES = re.compile(r"['’`]")
# Everything but [0-9a-z] and U+00C0..U+FFFF, spelt as the ranges it matches: the negated class with a
# wide range compiles ten times slower (2.5 ms on every run); both match exactly the same characters.
_SEPARATORS = re.compile(r"[\x00-/:-`{-\xbf\U00010000-\U0010ffff]+")


@lru_cache(maxsize=65536)  # card generation normalises the same names hundreds of thousands of times
def normalize(term: str) -> str:
    """Case, spaces, hyphens, underscores and apostrophes do not matter: 'Baker's cyst' == 'bakers-cyst'."""
    text = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", term).casefold())
    return _SEPARATORS.sub("-", text).strip("-")
